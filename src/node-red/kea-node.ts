import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { summarizeMessage } from '../destinations/event'
import { keaOutcome, keaReservationCommands, KeaCommand } from '../destinations/kea'
import { isNotSent } from '../destinations/not-sent'
import { basicAuth, jsonRequest } from '../destinations/request'
import { parseSubnets, secretOf } from './destination-settings'
import { NotSentTally } from './not-sent-tally'

type Msg = NodeMessage & Record<string, unknown>
type Send = (msg: Array<Msg | null>) => void
type Done = (error?: Error) => void

interface KeaProgress {
  pending: KeaCommand[]
  results: Array<{ command: string; ok: boolean; text: string; result?: number }>
}

/**
 * `xo kea`: DHCP reservations in ISC Kea from a VM's VIFs. A change is several commands that must run in order
 * (delete, then add, for each MAC), each after the previous answer: output 1 goes to an http request node whose
 * answer comes back to this node, which checks it (Kea answers 200 even on failure) and sends the next command.
 * Output 2 gets the message once every command is answered (msg.xoKea.ok and results) or one has failed.
 */
export function registerKeaNode(RED: NodeAPI, t: (key: string, subs?: Record<string, string | number>) => string): void {
  function XoKea(this: Node<{ password?: string }>, config: NodeDef & Record<string, unknown>) {
    RED.nodes.createNode(this, config)
    const node = this
    const url = typeof config.url === 'string' ? config.url.trim() : ''
    const user = typeof config.user === 'string' ? config.user.trim() : ''
    let subnets: Record<string, number>
    try {
      subnets = parseSubnets(config.subnets)
    } catch (error) {
      node.status({ fill: 'red', shape: 'ring', text: t('errors.subnets') })
      node.on('input', (_m: Msg, _s: Send, done: Done) => done(new Error(`${t('errors.subnets')}: ${(error as Error).message}`)))
      return
    }
    const counts = { changes: 0, failed: 0 }
    const notSentTally = new NotSentTally((reason, count) => t(`notSent.${reason}`, { count }), (line) => node.log(line))
    const show = () =>
      node.status({
        fill: counts.failed ? 'yellow' : counts.changes ? 'green' : 'grey',
        shape: 'dot',
        text: t('status.kea', { count: counts.changes, failed: counts.failed }) + notSentTally.suffix(),
      })

    const request = (msg: Msg, progress: KeaProgress): Msg => {
      const password = secretOf(node.credentials?.password, config.passwordEnv)
      const headers: Record<string, string> = user && password ? { Authorization: basicAuth(user, password) } : {}
      const [command, ...rest] = progress.pending
      const http = jsonRequest(url, command, headers)
      return { ...msg, ...http, xoRequest: http, xoDestination: 'kea', xoKea: { ...progress, pending: rest, current: command.command } }
    }

    node.on('input', (msg: Msg, send: Send, done: Done) => {
      const answer = msg.xoKea as (KeaProgress & { current?: string }) | undefined
      if (answer && answer.current) {
        // The answer to our previous command: a failure ends the change, "not found" on a delete is fine.
        const status = Number(msg.statusCode)
        const outcome = status === 200 ? keaOutcome(msg.payload) : { ok: false, text: `HTTP ${msg.statusCode ?? 'error'}` }
        const ok = outcome.ok || (answer.current === 'reservation-del' && outcome.notFound === true)
        const results = [...answer.results, { command: answer.current, ok, text: outcome.text, result: (outcome as { result?: number }).result }]
        if (ok && answer.pending.length > 0) {
          send([request(msg, { pending: answer.pending, results }), null])
          return done()
        }
        if (!ok) counts.failed++
        show()
        send([null, { ...msg, xoKea: { ok, results } }])
        return done()
      }
      if (!url) return done(new Error(t('errors.missingUrl')))
      const summary = summarizeMessage(msg)
      if (!('kind' in summary)) return done(new Error(t('errors.notAnEvent', { reason: summary.error })))
      const operationTarget = config.operationTarget as 'alternate' | 'primary' | 'all' | undefined
      const commands = keaReservationCommands(summary, { subnets, ...(operationTarget ? { operationTarget } : {}) })
      if (isNotSent(commands)) {
        notSentTally.add(commands.notSent, summary.title)
        show()
        return done()
      }
      counts.changes++
      show()
      send([request({ ...msg, xoSummary: { id: summary.id, kind: summary.kind, title: summary.title } }, { pending: commands, results: [] }), null])
      done()
    })
  }
  RED.nodes.registerType('xo-kea', XoKea as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: { password: { type: 'password' } },
  })
}
