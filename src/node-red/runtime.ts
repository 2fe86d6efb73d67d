import type { NodeAPI } from 'node-red'
import { runtimeKey } from './runtime-key'
import { ListenerPool } from '../listener/listener-pool'
import { CoordinatorPool } from '../coordination/coordinator-pool'
import { type OutboxReading, XoMetrics } from '../metrics/xo-metrics'
import { hookDispatchOf } from './hook-dispatch'
import type { XoServerNode } from './xo-server-node'
import type { LeaseRole } from '../coordination/leader-lease'
import type { HttpRequestMessage } from '../destinations/request'

/** `/healthz`: each XO connection's state, never a secret. */
export interface Health {
  status: 'ok' | 'degraded'
  servers: Array<{
    id: string
    name?: string
    url?: string
    state: string
    user?: string
    version?: string
    reason?: string
    listener?: string
    role?: string
    warm?: boolean
  }>
}

/** What the package keeps once per Node-RED runtime: its xo-server nodes, their metrics, their listeners. */
export interface PackageRuntime {
  servers: Set<XoServerNode>
  /** what each deployed xo outbox node holds, read at scrape time */
  outboxes: Set<() => OutboxReading>
  /** by node id, what a destination node does to a request of its own that xo outbox sends again later */
  origins: Map<string, (request: HttpRequestMessage) => HttpRequestMessage>
  metrics: XoMetrics
  listeners: ListenerPool
  /** Redis connections and leases shared with another Node-RED, kept across redeploys */
  coordinators: CoordinatorPool
  health(): Health
}

/** A role as health and statuses say it. */
export function roleText(role: LeaseRole): string {
  return role.role === 'unknown' ? `no store: ${role.reason}` : role.role
}

// Node-RED stops on these signals once its flows are stopped, then exits at once: known before the nodes close, so
// that shared leases go back while there is still time to tell Redis. Watched once per process, for every runtime.
const shutdownWatchers = new Set<CoordinatorPool>()
function watchShutdown(pool: CoordinatorPool): void {
  if (shutdownWatchers.size === 0) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.prependOnceListener(signal, () => {
        for (const watcher of shutdownWatchers) watcher.shuttingDown()
        // Alone (Node-RED embedded by something that does not handle it), the signal does what it would have done.
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
      })
    }
  }
  shutdownWatchers.add(pool)
}

const runtimes = new WeakMap<object, PackageRuntime>()

/** The config node as metrics and health name it. */
export const serverLabel = (node: XoServerNode): string => node.name || node.id

export function runtimeOf(RED: NodeAPI): PackageRuntime {
  let found = runtimes.get(runtimeKey(RED))
  if (found) return found
  const servers = new Set<XoServerNode>()
  const outboxes = new Set<() => OutboxReading>()
  const origins = new Map<string, (request: HttpRequestMessage) => HttpRequestMessage>()
  const metrics = new XoMetrics(
    () =>
      [...servers].map((node) => ({
        server: serverLabel(node),
        connected: node.connection?.isConnected === true,
        objects: node.objectStore()?.size ?? 0,
        ...(node.coordinator ? { leading: node.coordinator.lease.leading } : {}),
      })),
    () => [...outboxes].map((read) => read()),
  )
  const health = (): Health => {
    const list = [...servers].map((node) => {
      const state = node.connection?.state ?? { status: 'misconfigured' as const }
      const entry: Health['servers'][number] = { id: node.id, state: state.status }
      if (node.name) entry.name = node.name
      if (node.connection) entry.url = node.connection.endpoint.wsUrl
      if (state.status === 'connected') Object.assign(entry, { user: state.user.email, version: state.serverVersion })
      if ('reason' in state && typeof state.reason === 'string') entry.reason = state.reason
      if (node.coordinator) {
        entry.role = roleText(node.coordinator.role)
        // Started for less than a lease time: it leaves a free lease to a warm follower.
        entry.warm = node.coordinator.lease.warm
      }
      if (node.listener)
        entry.listener =
          node.listener.state.status === 'failed' ? `failed: ${node.listener.state.reason}` : node.listener.state.status
      return entry
    })
    return { status: list.every((s) => s.state === 'connected') ? 'ok' : 'degraded', servers: list }
  }
  const dispatch = hookDispatchOf(RED)
  const listeners = new ListenerPool({
    hook: (nodeId, secret, req, res) => void dispatch.dispatch('listener', nodeId, secret, req, res),
    health,
    metrics: () => metrics.text(),
  })
  const coordinators = new CoordinatorPool()
  // A stop of the flows that is not a deploy (Node-RED stopping): shared leases are given back at once.
  RED.events.on('runtime-event', (event: { id?: string; payload?: { state?: string; deploy?: boolean } }) => {
    if (event?.id === 'runtime-state' && event.payload?.state === 'stop' && !event.payload.deploy)
      void coordinators.stopUnused()
  })
  watchShutdown(coordinators)
  found = { servers, outboxes, origins, metrics, listeners, coordinators, health }
  runtimes.set(runtimeKey(RED), found)
  return found
}
