import { createHmac } from 'node:crypto'
import type { Coordinator } from '../coordination/coordinator'
import type { ListenerSettings } from '../listener/listener-pool'
import type { XoConnection, XoConnectionOptions } from '../xo/connection'
import type { NodeTypeOptions } from './define-node'
import {
  type CoordinationSettings,
  connectionOptions,
  coordinationSettings,
  listenerSettings,
  type XoServerConfig,
  type XoServerCredentials,
} from './server-settings'

/** What an `xo-server` node's configuration comes to: what it connects with, or why it cannot. */
export interface ServerSettings {
  /** undefined when the configuration is incomplete (see `configError`) */
  options: (XoConnectionOptions & { simulated?: true }) | undefined
  /** the package's own listener for XO's deliveries; undefined: Node-RED's endpoints */
  listening: ListenerSettings | undefined
  /** the Redis shared with another Node-RED running the same flows */
  sharing: CoordinationSettings | undefined
  /** the first thing wrong with the configuration */
  configError: string | undefined
  simulated: boolean
}

/** Compiles a config node's properties and credentials; nothing connects unless every part of them holds. */
export function compileServerSettings(
  config: XoServerConfig,
  credentials: XoServerCredentials | undefined,
): ServerSettings {
  const options = connectionOptions(config, credentials)
  const listening = listenerSettings(config, credentials)
  const sharing = coordinationSettings(config, credentials)
  const configError =
    'error' in options
      ? options.error
      : listening && 'error' in listening
        ? listening.error
        : sharing && 'error' in sharing
          ? sharing.error
          : undefined
  const valid = <T>(part: T | { error: string } | undefined): T | undefined =>
    configError || !part || (typeof part === 'object' && 'error' in part) ? undefined : part
  return {
    options: valid(options),
    listening: valid(listening),
    sharing: valid(sharing),
    configError,
    simulated: !('error' in options) && options.simulated === true,
  }
}

/** What the addresses of Node-RED's own HTTP server are made of (Node-RED's settings). */
export interface HttpSettings {
  httpNodeRoot?: unknown
  uiHost?: unknown
  uiPort?: unknown
  https?: unknown
}

/** Node-RED's `httpNodeRoot` between slashes, `/` at least. */
export function nodeRoot(settings: HttpSettings): string {
  return `/${String(settings.httpNodeRoot ?? '/').replace(/^\/+|\/+$/g, '')}/`.replace('//', '/')
}

/** This Node-RED's own address for a client on the same machine. */
export function ownUrl(settings: HttpSettings): string {
  const host = String(settings.uiHost ?? '')
  const local = !host || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return `${settings.https ? 'https' : 'http'}://${local}:${Number(settings.uiPort ?? 1880)}`
}

/**
 * Where XO sends the deliveries of this config node's hooks: `hookBaseUrl` as configured, else where the listener
 * binds, else (the simulated XO runs beside Node-RED) Node-RED on loopback; undefined when none applies.
 */
export function hookAddresses(o: {
  configured?: string
  listenerUrl?: string
  simulated: boolean
  settings: HttpSettings
}): { hookBaseUrl?: string; hookPrefix?: string } {
  const ownBase = o.listenerUrl ?? (o.simulated ? ownUrl(o.settings) : undefined)
  const hookBaseUrl = (o.configured ?? '').trim().replace(/\/+$/, '') || ownBase
  const hookPrefix = hookBaseUrl ? `${hookBaseUrl}${o.listenerUrl ? '/' : nodeRoot(o.settings)}xo-hook/` : undefined
  return { hookBaseUrl, hookPrefix }
}

/** `xoLeaseSeconds` of Node-RED's settings (default 10, at least 2): how long a dead leader keeps the lease. */
export function leaseMs(settings: object): number {
  const seconds = Number(('xoLeaseSeconds' in settings ? settings.xoLeaseSeconds : undefined) ?? 10)
  return Number.isFinite(seconds) && seconds >= 2 ? seconds * 1000 : 10_000
}

/** A stable secret for `purpose` derived from the credentials (HMAC); undefined without a token or password. */
export function deriveSecret(credentials: XoServerCredentials | undefined, purpose: string): string | undefined {
  const key = credentials?.token || (credentials?.password && `${credentials.email}\n${credentials.password}`)
  return key ? createHmac('sha256', key).update(purpose).digest('base64url') : undefined
}

/** The registrar's read-merge-write under the lock the instances (and config nodes) sharing a Redis agree on for that XO. */
export function sharedLock(coordinator: Coordinator | undefined, connection: XoConnection) {
  return coordinator
    ? { lock: <T>(work: () => Promise<T>) => coordinator.withWebHooksLock(connection.endpoint.wsUrl, work) }
    : {}
}

/** The config node's secrets: Node-RED keeps them apart from the flows, encrypted. */
export const serverCredentials: NonNullable<NodeTypeOptions<XoServerCredentials>['credentials']> = {
  token: { type: 'password' },
  email: { type: 'text' },
  password: { type: 'password' },
  listenCert: { type: 'text' },
  listenKey: { type: 'password' },
  redisPassword: { type: 'password' },
  redisSentinelPassword: { type: 'password' },
}
