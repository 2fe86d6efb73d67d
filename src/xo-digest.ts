import { coalesced } from './common/status'
import type { XoDigest } from './destinations/digest-message'
import { DigestEngine } from './digest/digest-engine'
import { type Done, type Msg, nodeType } from './node-red/define-node'
import { type DigestConfig, digestSettings, spanOf } from './node-red/digest-config'
import { digestInput } from './node-red/digest-input'
import { DigestKeeper } from './node-red/digest-keeper'
import { digestStatus, droppedTally } from './node-red/digest-status'
import { stateStoreOf } from './node-red/state'
import { serverNode } from './node-red/xo-server-node'

interface XoDigestConfig extends DigestConfig {
  /** an xo-server config node: when it shares a Redis, only the leader sends, its groups kept there */
  server?: string
}

/**
 * `xo digest`: one message per incident, not fifty. Gathers the messages of xo hook, xo events and xo call into
 * groups (by kind, pool, host…) and sends one digest per group when it is due; its open groups are kept across
 * restarts and redeploys (in the Redis its xo-server shares with another Node-RED, where only the leader sends).
 */
const define = nodeType<XoDigestConfig>('xo-digest', ({ RED, node, config, t, scope, refuse }) => {
  const read = digestSettings(config)
  if ('error' in read) return refuse(t('errors.config', { reason: read.error }))
  const dropped = droppedTally(t, (line) => node.log(line))
  const showNow = () => node.status(digestStatus(keeper.role, keeper.stats(), dropped, t))
  // Its figures change with every message: shown a few times a second at most.
  const show = coalesced(showNow)
  scope.defer(() => show.close())
  // A problem no recovery came for in "Repeat for": no longer repeated (a PagerDuty incident is left open), its
  // group no longer open.
  const gaveUp = (title: string) => {
    node.log(t('log.gaveUp', { after: spanOf(read.settings.repeatForMs ?? 0), title }))
    show.run()
  }
  const send = (digest: XoDigest) => node.send({ topic: 'digest', summary: digest.title, payload: digest } as Msg)
  const keeper = new DigestKeeper({
    key: `xo-digest/${node.id}`,
    store: stateStoreOf(RED),
    coordinator: serverNode(RED, config.server)?.coordinator,
    create: (sendDigest, droppedBy, gaveUpOn) =>
      new DigestEngine({ ...read.settings, send: sendDigest, dropped: droppedBy, gaveUp: gaveUpOn }),
    send,
    // A message that is no event fails instead (its input says why).
    dropped: (reason, about, count) => reason !== 'not an event' && dropped.add(reason, about, count),
    gaveUp,
    lost: (about, count) => {
      dropped.add('not handed to the leader', about, count)
      show.run()
    },
    scope,
    changed: () => show.run(),
    warn: (message) => node.warn(message),
  })
  const input = digestInput({ add: (msg) => keeper.add(msg), show: () => show.run(), t })
  node.on('input', (msg: Msg, _send: unknown, done: Done) => input(msg, done))
  showNow()
})

export = define
