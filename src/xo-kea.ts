import { summarizeMessage } from './destinations/event'
import { keaReservationCommands } from './destinations/kea'
import { keaAnswered, keaRequest, keaStatus, type KeaProgress } from './destinations/kea-steps'
import { isNotSent } from './destinations/not-sent'
import { type Done, type Msg, nodeType, type Send } from './node-red/define-node'
import { parseSubnets, secretOf } from './destinations/settings'
import { NotSentTally } from './node-red/not-sent-tally'

interface KeaConfig {
  url?: unknown
  user?: unknown
  passwordEnv?: unknown
  subnets?: unknown
  operationTarget?: 'alternate' | 'primary' | 'all' | ''
}

/**
 * `xo kea`: DHCP reservations in ISC Kea from a VM's VIFs. A change is several commands that must run in order
 * (delete, then add, for each MAC), each after the previous answer: output 1 goes to an http request node whose
 * answer comes back to this node, which checks it (Kea answers 200 even on failure) and sends the next command.
 * Output 2 gets the message once every command is answered (msg.xoKea.ok and results) or one has failed.
 */
export = nodeType<KeaConfig, { password?: string }>(
  'xo-kea',
  ({ node, config, t, refuse }) => {
    const url = typeof config.url === 'string' ? config.url.trim() : ''
    const user = typeof config.user === 'string' ? config.user.trim() : ''
    let subnets: Record<string, number>
    try {
      subnets = parseSubnets(config.subnets)
    } catch (error) {
      return refuse(`${t('errors.subnets')}: ${(error as Error).message}`)
    }
    const counts = { changes: 0, failed: 0 }
    const notSentTally = new NotSentTally(
      (reason, count) => t(`notSent.${reason}`, { count }),
      (line) => node.log(line),
    )
    const show = () => node.status(keaStatus(counts, notSentTally.suffix(), t))
    // The password is read for each command: a variable set later is used without a redeploy.
    const request = (msg: Msg, progress: KeaProgress) =>
      keaRequest(msg, progress, { url, user, password: secretOf(node.credentials?.password, config.passwordEnv) })

    node.on('input', (msg: Msg, send: Send, done: Done) => {
      const answer = msg.xoKea as (KeaProgress & { current?: string }) | undefined
      if (answer?.current) {
        // The answer to our previous command.
        const step = keaAnswered({ ...answer, current: answer.current }, msg.statusCode, msg.payload)
        if ('next' in step) {
          send([request(msg, step.next), null])
          return done()
        }
        if (!step.done.ok) counts.failed++
        show()
        send([null, { ...msg, xoKea: step.done }])
        return done()
      }
      if (!url) return done(new Error(t('errors.missingUrl')))
      const summary = summarizeMessage(msg)
      if (!('kind' in summary)) return done(new Error(t('errors.notAnEvent', { reason: summary.error })))
      const operationTarget = config.operationTarget || undefined
      const commands = keaReservationCommands(summary, { subnets, ...(operationTarget ? { operationTarget } : {}) })
      if (isNotSent(commands)) {
        notSentTally.add(commands.notSent, summary.title)
        show()
        return done()
      }
      counts.changes++
      show()
      send([
        request(
          { ...msg, xoSummary: { id: summary.id, kind: summary.kind, title: summary.title } },
          { pending: commands, results: [] },
        ),
        null,
      ])
      done()
    })
  },
  { credentials: { password: { type: 'password' } } },
)
