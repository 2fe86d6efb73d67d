import type { NodeAPI } from 'node-red'
import { registerServerRoutes } from './node-red/admin-routes'
import { nodeType } from './node-red/define-node'
import { overviewRoutes } from './node-red/overview-routes'
import { hookRegistrars } from './node-red/hook-registrars'
import { runtimeOf, serverLabel } from './node-red/runtime'
import { serverLog } from './node-red/server-log'
import { methodCatalogue, ServerObjects } from './node-red/server-objects'
import {
  compileServerSettings,
  deriveSecret,
  hookAddresses,
  leaseMs,
  serverCredentials,
  sharedLock,
} from './node-red/server-parts'
import type { XoServerConfig, XoServerCredentials } from './node-red/server-settings'
import { simulatedXo } from './node-red/server-simulated'
import { connectionUser } from './node-red/server-use'
import type { XoServerNode } from './node-red/xo-server-node'
import { XoConnection } from './xo/connection'

export = function register(RED: NodeAPI) {
  // One registrar per XO for this Node-RED's config nodes, told when the flows of a deploy have started.
  const hooksOf = hookRegistrars(RED.events, (message) => RED.log.warn(`[xo-server] ${message}`))
  registerServerRoutes(RED)
  overviewRoutes(RED)
  nodeType<XoServerConfig, XoServerCredentials>(
    'xo-server',
    ({ node, config, t, scope }) => {
      const runtime = runtimeOf(RED)
      const parts = compileServerSettings(config, node.credentials)
      const { listening, sharing, configError, simulated } = parts
      // The simulated XO is leased while this node lives; the connection asks where it is at each attempt.
      const simulator = simulatedXo({ closing: () => scope.closed, log: (line) => node.debug(line) })
      const options = parts.options && (simulated ? { ...parts.options, locate: simulator.locate } : parts.options)
      const connection = options && new XoConnection(options)
      const current = () => (scope.closed ? undefined : connection)
      const log = serverLog(node, t, () => current()?.endpoint.wsUrl ?? '')
      // Undone last first: the simulated XO goes back last, once the connection stopped; the node's own listeners on
      // the connection (next lines) stay until then, while the hook entries of the nodes closing with this one go
      // through it; the runtime, the listener and the shared Redis are left at once.
      scope.defer(simulator.release)
      scope.defer(() => connection?.stop().catch(() => {}))
      // For the object-event lag: when XO's latest notification came in (the store applies it right then).
      let notifiedAt = 0
      if (connection) {
        scope.on(connection, 'notification', () => (notifiedAt = performance.now()), { prepend: true })
        scope.on(connection, 'state', log.transition)
        scope.on(connection, 'warning', log.warning)
      }
      const methods = methodCatalogue(connection, scope, { open: () => !scope.closed, configError })
      // XO's deliveries come in on Node-RED's endpoints, or on a listener of the package's own (shared by every
      // config node with the same address and port), which keeps the editor off XO's network.
      const listener = connection && listening ? runtime.listeners.acquire(listening) : undefined
      const { hookBaseUrl, hookPrefix } = hookAddresses({
        configured: config.hookBaseUrl,
        listenerUrl: listener?.localUrl,
        simulated,
        settings: RED.settings,
      })
      // With a Redis shared with another Node-RED running the same flows: one leader per XO connection.
      const identity = connection && [node.id, connection.endpoint.wsUrl, hookBaseUrl ?? '']
      const say = { warn: (message: string) => node.warn(message), log: (message: string) => node.log(message) }
      const ttlMs = leaseMs(RED.settings)
      const coordination = identity && sharing && runtime.coordinators.acquire({ ...sharing, identity, ttlMs, ...say })
      const coordinator = coordination?.coordinator
      const failed = (reason: string) => node.warn(t('log.objectsFailed', { reason }))
      const objects = new ServerObjects(current, { failed, warning: log.warning })

      // The XO's registrar, shared with every other config node reaching the same XO.
      const catalogue = async () => Object.keys(await methods())
      const lock = connection && sharedLock(coordinator, connection)
      const reaching = connection && options && { connection, options, prefix: hookPrefix, catalogue, ...lock }
      const hooks = hooksOf({ id: node.id, ...reaching })
      scope.defer((removed) => hooks?.close(removed))

      const server: XoServerNode = Object.assign(node, {
        connection,
        configError,
        hookBaseUrl,
        hookPrefix,
        listener,
        deliveryPath: listener ? ('listener' as const) : ('node-red' as const),
        coordinator,
        use: connectionUser(current, configError, t),
        openObjectStore: (types: Iterable<string>) => objects.openStore(types),
        objectStore: () => objects.objectStore(),
        changeFeed: () => objects.changeFeed(),
        notifiedAt: () => notifiedAt,
        hookRegistrar: () => hooks?.registrar,
        deriveSecret: (purpose: string) => deriveSecret(node.credentials, purpose),
        methods,
      })
      runtime.servers.add(server)
      const reconnected = ({ resumed }: { resumed?: boolean }) =>
        resumed && runtime.metrics.reconnections.inc({ server: serverLabel(server) })
      if (connection) scope.on(connection, 'connected', reconnected)
      scope.defer(() => objects.stop())
      scope.defer(() => (server.connection = undefined))
      scope.defer(() => coordination?.release())
      // A write that failed for want of the shared lock is tried again as soon as Redis is back.
      const redisBack = (state: { up: boolean }) => state.up && hooks?.registrar.reconcile()
      if (coordinator) scope.on(coordinator.link, 'state', redisBack)
      scope.defer(() => listener?.release())
      if (listener) scope.on(listener, 'state', (state) => log.listener(state, listener.localUrl))
      scope.defer(() => runtime.servers.delete(server))

      // A config node that receives hooks keeps XO's entries in line with the deployed nodes, even when none of its
      // nodes is enabled any more (their entries must leave XO): it connects whether or not a node uses it.
      if (hookPrefix) connection?.start()
      if (configError) node.warn(t('log.misconfigured', { reason: configError }))
    },
    { credentials: serverCredentials },
  )(RED)
}
