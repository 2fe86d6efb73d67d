import type { NodeAPI } from 'node-red'
import {
  missingSecretStatus,
  requestMessages,
  sentStatus,
  type RequestMessage,
} from './destinations/destination-messages'
import { DESTINATION_TYPES, type DestinationNodeView, type DestinationType } from './destinations/destination-types'
import { summarizeMessage } from './destinations/event'
import { isNotSent } from './destinations/not-sent'
import { type Done, type Msg, nodeType, type Send } from './node-red/define-node'
import { type DestinationConfig, secretOf } from './destinations/settings'
import { NotSentTally } from './node-red/not-sent-tally'
import { runtimeOf } from './node-red/runtime'

/**
 * One destination node type: XO event in, ready request(s) out (`msg.url`, `msg.method`, `msg.headers`,
 * `msg.payload`, and `msg.xoDestination` for the xo outcome node). Secrets come from the node's credentials, or
 * from the environment variable the node names. The types share their texts (the `xo-destinations` catalogue).
 */
function destinationNode(type: DestinationType) {
  const credentials = Object.fromEntries(type.credentials.map((name) => [name, { type: 'password' as const }]))
  return nodeType<DestinationConfig, Record<string, string>>(
    type.type,
    ({ RED, node, config, t, scope }) => {
      const view: DestinationNodeView = {
        config,
        t,
        secret: (name) => secretOf(node.credentials?.[name], config[`${name}Env`]),
        context: { get: (key) => node.context().get(key), set: (key, value) => node.context().set(key, value) },
      }
      const destination = type.destinationOf(config)
      const missing = type.needs
        ? missingSecretStatus(type.needs, view.secret(type.needs), config[`${type.needs}Env`], t)
        : undefined
      if (missing) node.status(missing)
      const { refresh } = type
      if (refresh) {
        const { origins } = runtimeOf(RED)
        origins.set(node.id, (request) => refresh(request, view))
        scope.defer(() => origins.delete(node.id))
      }
      let sent = 0
      const notSentTally = new NotSentTally(
        (reason, count) => t(`notSent.${reason}`, { count }),
        (line) => node.log(line),
      )
      const show = () => node.status(sentStatus(sent, notSentTally.suffix(), t))
      node.on('input', (msg: Msg, send: Send, done: Done) => {
        const summary = summarizeMessage(msg)
        if (!('kind' in summary)) return done(new Error(t('errors.notAnEvent', { reason: summary.error })))
        let requests: ReturnType<DestinationType['build']>
        try {
          requests = type.build(summary, view)
        } catch (error) {
          return done(error as Error)
        }
        if (isNotSent(requests)) {
          notSentTally.add(requests.notSent, summary.title)
          show()
          return done()
        }
        const out: Array<Msg & RequestMessage> = requestMessages(msg, requests, destination, summary, node.id, (m) =>
          RED.util.cloneMessage(m),
        )
        sent += out.length
        show()
        send([out])
        done()
      })
    },
    { credentials, catalogue: 'xo-destinations' },
  )
}

/** The `xo-destinations` node set: xo slack, xo teams, xo pagerduty, xo cloudevent, xo ci and xo haproxy. */
export = function register(RED: NodeAPI): void {
  for (const type of DESTINATION_TYPES) destinationNode(type)(RED)
}
