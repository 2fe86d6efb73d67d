import { createHmac } from 'node:crypto'
import type { EventEmitter } from 'node:events'
import type { NodeAPI, NodeDef } from 'node-red'
import { ChangeFeed } from './events/change-feed'
import type { HookRegistrar } from './hooks/registrar'
import { registerServerRoutes } from './node-red/admin-routes'
import { useConnection } from './node-red/connection-user'
import { hookRegistrars } from './node-red/hook-registrars'
import { throttledLog } from './node-red/log-throttle'
import { runtimeOf, serverLabel } from './node-red/runtime'
import { connectionOptions, coordinationSettings, listenerSettings, XoServerConfig } from './node-red/server-settings'
import type { MethodInfo, XoServerNode } from './node-red/xo-server-node'
import { XoConnection, XoConnectionState } from './xo/connection'
import { ObjectStore } from './xo/object-store'
import { leaseSimulatedXo, type SimulatedXoLease } from './simulator/shared'
import type { ListenerState } from './listener/hook-listener'
import type { Coordinator } from './coordination/coordinator'

export = function register(RED: NodeAPI) {
  const t = (key: string, substitutions?: Record<string, string | number>) => RED._(`xo-server.${key}`, substitutions)
  const hooksOf = hookRegistrars(RED.events as unknown as EventEmitter, (message) => RED.log.warn(`[xo-server] ${message}`))
  const nodeRoot = `/${String(RED.settings.httpNodeRoot ?? '/').replace(/^\/+|\/+$/g, '')}/`.replace('//', '/')
  /** This Node-RED's own address for a client on the same machine. */
  const ownUrl = () => {
    const host = String(RED.settings.uiHost ?? '')
    const local = !host || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
    return `${RED.settings.https ? 'https' : 'http'}://${local}:${Number(RED.settings.uiPort ?? 1880)}`
  }

  function XoServer(this: XoServerNode, config: NodeDef & XoServerConfig) {
    RED.nodes.createNode(this, config)
    const runtime = runtimeOf(RED)
    const options = connectionOptions(config, this.credentials)
    const listening = listenerSettings(config, this.credentials)
    const sharing = coordinationSettings(config, this.credentials)
    this.configError =
      'error' in options ? options.error
      : listening && 'error' in listening ? listening.error
      : sharing && 'error' in sharing ? sharing.error
      : undefined
    // The simulated XO is leased while this node lives; the connection asks where it is at each attempt.
    let lease: SimulatedXoLease | undefined
    let leasing: Promise<SimulatedXoLease> | undefined
    let closing = false
    const locate = async () => {
      if (!lease) {
        const taken = await (leasing ??= leaseSimulatedXo({ log: (line) => this.debug(line) }))
        if (closing) {
          taken.release()
          throw new Error('closed')
        }
        lease = taken
      }
      return { url: lease.url, credentials: { token: lease.token } }
    }
    const simulated = !('error' in options) && options.simulated === true
    this.connection = this.configError || 'error' in options ? undefined : new XoConnection(simulated ? { ...options, locate } : options)

    this.use = (node, handlers) => {
      if (!this.connection) {
        const show = () => node.status({ fill: 'red', shape: 'ring', text: t('status.misconfigured', { reason: this.configError ?? '' }) })
        show()
        return { close: () => {}, refreshStatus: show }
      }
      return useConnection(this.connection, node, t, handlers)
    }

    const warn = throttledLog((message, held) => {
      const line = t('log.warning', { url: this.connection?.endpoint.wsUrl ?? '', message })
      this.warn(held ? t('log.suppressed', { line, count: held, seconds: 10 }) : line)
    })

    // XO's deliveries come in on Node-RED's endpoints, or on a listener of the package's own (shared by every
    // config node with the same address and port), which keeps the editor off XO's network.
    this.listener = this.connection && listening && !('error' in listening) ? runtime.listeners.acquire(listening) : undefined
    this.deliveryPath = this.listener ? 'listener' : 'node-red'
    // Unless told otherwise, XO reaches the listener where it binds, and the simulated XO (beside Node-RED)
    // reaches Node-RED on loopback.
    const ownBase = this.listener?.localUrl ?? (simulated ? ownUrl() : undefined)
    this.hookBaseUrl = (config.hookBaseUrl ?? '').trim().replace(/\/+$/, '') || ownBase
    this.hookPrefix = this.hookBaseUrl ? `${this.hookBaseUrl}${this.listener ? '/' : nodeRoot}xo-hook/` : undefined
    const onListener = (state: ListenerState) => {
      if (state.status === 'failed') this.warn(t('log.listenerFailed', { reason: state.reason, seconds: state.retryInMs / 1000 }))
      else if (state.status === 'listening') this.log(t('log.listening', { url: this.listener?.localUrl ?? '' }))
    }
    this.listener?.on('state', onListener)

    // With a Redis shared with another Node-RED running the same flows: one leader per XO connection.
    const coordination = this.connection && sharing && !('error' in sharing)
      ? runtime.coordinators.acquire({
          ...sharing,
          identity: [this.id, this.connection.endpoint.wsUrl, this.hookBaseUrl ?? ''],
          ttlMs: leaseMs(),
          warn: (message) => this.warn(message),
          log: (message) => this.log(message),
        })
      : undefined
    this.coordinator = coordination?.coordinator
    runtime.servers.add(this)
    // For the object-event lag: when XO's latest notification came in (the store applies it right then).
    let notifiedAt = 0
    this.connection?.prependListener('notification', () => (notifiedAt = performance.now()))
    this.notifiedAt = () => notifiedAt
    this.connection?.on('connected', ({ resumed }) => resumed && runtime.metrics.reconnections.inc({ server: serverLabel(this) }))

    let store: ObjectStore | undefined
    const logWarning = (message: string) => warn(message)
    this.objects = (types) => {
      if (!this.connection) return undefined
      if (!store) {
        store = new ObjectStore(this.connection, types)
        store.on('error', (error) => this.warn(t('log.objectsFailed', { reason: error.message })))
        store.on('warning', logWarning)
        store.start()
      } else {
        store.addTypes(types)
      }
      return store
    }
    this.objectStore = () => store

    let feed: ChangeFeed | undefined
    this.changeFeed = () => (store ? (feed ??= new ChangeFeed(store, logWarning)) : undefined)

    this.deriveSecret = (purpose) => {
      const key = this.credentials?.token || (this.credentials?.password && `${this.credentials.email}\n${this.credentials.password}`)
      return key ? createHmac('sha256', key).update(purpose).digest('base64url') : undefined
    }

    let methods: Promise<Record<string, MethodInfo>> | undefined
    this.connection?.on('connected', () => (methods = undefined)) // XO may have been upgraded meanwhile
    this.methods = () => {
      const connection = this.connection
      if (!connection) return Promise.reject(new Error(this.configError))
      methods ??= connection.call<Record<string, MethodInfo>>('system.getMethodsInfo', {})
      methods.catch(() => (methods = undefined))
      return methods
    }

    // The XO's registrar, shared with every other config node reaching the same XO.
    const connection = this.connection
    const hooks = connection && !('error' in options)
      ? hooksOf({
          id: this.id,
          connection,
          options: simulated ? { ...options, locate } : options,
          prefix: this.hookPrefix,
          catalogue: async () => Object.keys(await this.methods()),
          ...(this.coordinator ? { lock: withSharedLock(this.coordinator, connection.endpoint.wsUrl) } : {}),
        })
      : hooksOf({ id: this.id })
    this.hooks = (): HookRegistrar | undefined => hooks?.registrar
    // A write that failed for want of the shared lock is tried again as soon as Redis is back.
    const onRedis = (state: { up: boolean }) => state.up && hooks?.registrar.reconcile()
    this.coordinator?.link.on('state', onRedis)
    // A config node that receives hooks keeps XO's entries in line with the deployed nodes, even when none of its
    // nodes is enabled any more (their entries must leave XO): it connects whether or not a node uses it.
    if (this.hookPrefix) this.connection?.start()

    if (this.configError) this.warn(t('log.misconfigured', { reason: this.configError }))
    this.connection?.on('state', (state) => logTransition(this, state))
    this.connection?.on('warning', warn)

    this.on('close', (removed: boolean, done: () => void) => {
      closing = true
      runtime.servers.delete(this)
      this.listener?.release()
      this.coordinator?.link.off('state', onRedis)
      coordination?.release()
      const connection = this.connection
      this.connection = undefined
      feed?.stop()
      store?.stop()
      if (!connection || !hooks) {
        lease?.release()
        return done()
      }
      void hooks.close(removed).then(async () => {
        connection.removeAllListeners()
        await connection.stop().catch(() => {})
        lease?.release()
        done()
      })
    })
  }

  /** `xoLeaseSeconds` of Node-RED's settings (default 10, at least 2): how long a dead leader keeps the lease. */
  function leaseMs(): number {
    const seconds = Number((RED.settings as unknown as { xoLeaseSeconds?: unknown }).xoLeaseSeconds ?? 10)
    return Number.isFinite(seconds) && seconds >= 2 ? seconds * 1000 : 10_000
  }

  /** The registrar's read-merge-write under the lock the instances (and config nodes) sharing a Redis agree on for that XO. */
  function withSharedLock(coordinator: Coordinator, xoUrl: string) {
    return <T>(work: () => Promise<T>) => coordinator.withWebHooksLock(xoUrl, work)
  }

  // Operators read the log when a status is not enough; it never carries a secret.
  function logTransition(node: XoServerNode, state: XoConnectionState) {
    const url = node.connection?.endpoint.wsUrl ?? ''
    switch (state.status) {
      case 'connected':
        node.log(t('log.connected', { url, user: state.user.email, version: state.serverVersion }))
        break
      case 'auth-failed':
        node.warn(t('log.authFailed', { url, reason: state.reason, retry: Math.round(state.retryInMs / 1000) }))
        break
      case 'unreachable':
        node.warn(t('log.unreachable', { url, reason: state.reason, retry: Math.round(state.retryInMs / 1000) }))
        break
    }
  }

  registerServerRoutes(RED)

  RED.nodes.registerType('xo-server', XoServer as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: {
      token: { type: 'password' },
      email: { type: 'text' },
      password: { type: 'password' },
      listenCert: { type: 'text' },
      listenKey: { type: 'password' },
      redisPassword: { type: 'password' },
      redisSentinelPassword: { type: 'password' },
    },
  })
}
