import { coalesced } from './common/status'
import { type Done, type Msg, nodeType } from './node-red/define-node'
import { outboxInput, outboxStatus, sendEntry } from './node-red/outbox-input'
import { outboxRoutes, type XoOutboxNode } from './node-red/outbox-routes'
import { sharedOutbox } from './node-red/outbox-shared'
import { runtimeOf } from './node-red/runtime'
import { leaseMs } from './node-red/server-parts'
import { stateStoreOf } from './node-red/state'
import { serverNode } from './node-red/xo-server-node'
import { Outbox } from './outbox/outbox'
import { StateOutboxStorage } from './outbox/state-storage'

interface OutboxConfig {
  /** an xo-server config node: when it shares a Redis, the entries live there */
  server?: string
  maxAttempts?: number | string
  maxAgeHours?: number | string
  maxDead?: number | string
  maxDeadMB?: number | string
  answerTimeout?: number | string
}

const positive = (value: unknown, fallback: number) => (Number(value) > 0 ? Number(value) : fallback)

/**
 * `xo outbox`: keeps each request of a destination node until it is delivered, across restarts and redeploys.
 * Output 1 goes to the core http request node, whose answer goes through xo outcome and back here: a retry is sent
 * again when its time comes (kept in the package's state store meanwhile, or in the Redis its xo-server shares with
 * another Node-RED), a request delivered or failed for good leaves by output 2.
 */
const define = nodeType<OutboxConfig>('xo-outbox', ({ RED, node, config, t, scope }) => {
  const limits = {
    maxAttempts: positive(config.maxAttempts, 10),
    maxAgeMs: positive(config.maxAgeHours, 24) * 3600_000,
    maxDead: positive(config.maxDead, 1000),
    maxDeadBytes: positive(config.maxDeadMB, 10) * 1024 * 1024,
    answerTimeoutMs: positive(config.answerTimeout, 300) * 1000,
  }
  // Each attempt as the destination node that made it refreshes it (a signature made anew).
  const send = sendEntry((outputs) => node.send(outputs), runtimeOf(RED).origins)
  const warn = (message: string) => node.warn(message)
  const showNow = (error?: Error) => node.status(outboxStatus(outbox.list(), t, error))
  // Its figures change with every message: shown a few times a second at most; a refusal at once.
  const refresh = coalesced(() => showNow())
  scope.defer(() => refresh.close())
  const show = (error?: Error) => (error ? showNow(error) : refresh.run())
  // With an xo-server sharing a Redis with another Node-RED, the entries live there; else in the state store.
  const coordinator = serverNode(RED, config.server)?.coordinator
  const shared =
    coordinator &&
    sharedOutbox({ coordinator, nodeId: node.id, limits, claimMs: leaseMs(RED.settings), send, warn, changed: show })
  const outbox =
    shared?.outbox ??
    new Outbox({ storage: new StateOutboxStorage(stateStoreOf(RED), `xo-outbox/${node.id}`), limits, send, warn })
  const input = outboxInput({ outbox, nodeId: node.id, send: (outputs) => node.send(outputs), show, t })
  node.on('input', (msg: Msg, _send: unknown, done: Done) => input(msg, done))
  scope.defer(() => (shared ? shared.close() : outbox.stop()))
  // What it holds, in the package's metrics.
  const reading = () => {
    const { pending, dead } = outbox.list()
    const oldest = pending.reduce((min, entry) => Math.min(min, entry.createdAt), Number.POSITIVE_INFINITY)
    const oldestSeconds = pending.length ? Math.max(0, (Date.now() - oldest) / 1000) : 0
    return { node: node.name || node.id, pending: pending.length, dead: dead.length, oldestSeconds }
  }
  const { outboxes } = runtimeOf(RED)
  outboxes.add(reading)
  scope.defer(() => outboxes.delete(reading))
  // The editor's operator view reaches it through the admin API.
  const reachable: Pick<XoOutboxNode, 'outbox'> = { outbox }
  Object.assign(node, reachable)
  outbox.start().then(
    () => showNow(),
    (error: Error) => node.error(t('errors.load', { reason: error.message })),
  )
})

export = (RED: Parameters<typeof define>[0]) => {
  outboxRoutes(RED)
  define(RED)
}
