import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { compileAllowList } from '../hooks/receiver'
import type { ListenerSettings } from '../listener/listener-pool'
import type { XoConnectionOptions, XoCredentials } from '../xo/connection'
import { parseXoUrl } from '../xo/url'

/** What the editor stores for an `xo-server` node (secrets live in credentials, never here). */
export interface XoServerConfig {
  name?: string
  /** `simulated`: the package's simulated XO on loopback (nothing else to set); `xo` (default): a real XO */
  source?: 'xo' | 'simulated'
  url?: string
  authMethod?: 'token' | 'password'
  /** PEM of a CA or certificate to trust for this connection only */
  ca?: string
  allowSelfSigned?: boolean
  /** how XO reaches this Node-RED (for web-hook URLs) */
  hookBaseUrl?: string
  /** where XO's deliveries come in: Node-RED's HTTP endpoints (default) or a listener of the package's own */
  receiveOn?: 'node-red' | 'listener'
  listenHost?: string
  listenPort?: number | string
  listenTls?: boolean
  /** PEM files, read at deploy, instead of the certificate and key credentials */
  listenCertFile?: string
  listenKeyFile?: string
  /** addresses or CIDR ranges that may deliver to the listener (and read its health and metrics) */
  listenAllowFrom?: string
  /**
   * how the shared store is reached: `url` one Redis at `redisUrl` (the default when a URL is set), `sentinel` the
   * master that Redis Sentinel names, `none` no shared store
   */
  redisMode?: 'none' | 'url' | 'sentinel'
  /** a Redis shared with another Node-RED running the same flows (`redis://` or `rediss://`); empty: none */
  redisUrl?: string
  /** PEM of a CA or certificate to trust for Redis (rediss://, or Sentinel with TLS) only */
  redisCa?: string
  /** Sentinel: the sentinels' addresses, `host:port` separated by commas or spaces */
  redisSentinels?: string
  /** Sentinel: the name the sentinels monitor the master by */
  redisMasterName?: string
  /** Sentinel: TLS to the sentinels and to Redis */
  redisTls?: boolean
  /**
   * replicas that must hold a write before it counts (WAIT): what keeps the lease and the records across a
   * failover. Empty: 1 with Sentinel, 0 with a URL.
   */
  redisReplicas?: number | string
}

export interface XoServerCredentials {
  token?: string
  email?: string
  password?: string
  /** the listener's certificate (PEM, with its chain) */
  listenCert?: string
  /** the listener's private key (PEM) */
  listenKey?: string
  redisPassword?: string
  /** the sentinels' own password (`requirepass` of the sentinels), when they have one */
  redisSentinelPassword?: string
}

/** One Redis, at a URL. */
export interface RedisUrlSettings {
  url: string
  password?: string
  ca?: string
  replicas?: number
}

/** The master that Redis Sentinel names: the instances follow it through a failover. */
export interface RedisSentinelSettings {
  sentinel: {
    nodes: Array<{ host: string; port: number }>
    masterName: string
    tls: boolean
    /** the sentinels' own password */
    password?: string
  }
  /** Redis's password (the master's and the replicas') */
  password?: string
  ca?: string
  replicas: number
}

export type CoordinationSettings = RedisUrlSettings | RedisSentinelSettings

const MAX_REPLICAS = 5

/** The shared store a config node asks for (undefined: none), or what is wrong. */
export function coordinationSettings(
  config: XoServerConfig,
  credentials: XoServerCredentials | undefined,
): CoordinationSettings | undefined | { error: string } {
  const mode = config.redisMode || 'url'
  if (mode === 'none') return undefined
  if (mode === 'sentinel') return sentinelSettings(config, credentials)
  if (mode !== 'url') return { error: `unknown shared store kind ${String(mode)}` }
  const url = (config.redisUrl ?? '').trim()
  if (!url) return undefined
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    // Not echoed: what was typed may hold a password.
    return { error: 'the Redis URL is not a URL' }
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    return { error: 'Redis URL must start with redis:// or rediss://' }
  // A password in the URL would end up in the flow file: it belongs in the credential.
  if (parsed.password) return { error: 'put the Redis password in its own field, not in the URL' }
  const ca = (config.redisCa ?? '').trim()
  if (ca && !ca.includes('-----BEGIN CERTIFICATE-----'))
    return { error: 'trusted CA for Redis is not a PEM certificate' }
  if (ca && parsed.protocol !== 'rediss:') return { error: 'a CA for Redis needs a rediss:// URL' }
  const replicas = replicasToWait(config.redisReplicas, 0)
  if (typeof replicas === 'object') return replicas
  const password = credentials?.redisPassword || undefined
  return { url, ...(password ? { password } : {}), ...(ca ? { ca } : {}), ...(replicas ? { replicas } : {}) }
}

function sentinelSettings(
  config: XoServerConfig,
  credentials: XoServerCredentials | undefined,
): RedisSentinelSettings | { error: string } {
  const listed = (config.redisSentinels ?? '').split(/[\s,;]+/).filter(Boolean)
  if (listed.length === 0) return { error: 'Redis Sentinel: no sentinel address (host:port, separated by commas)' }
  const nodes: Array<{ host: string; port: number }> = []
  for (const address of listed) {
    // host:port, [IPv6]:port, or a host alone on Sentinel's usual port.
    const match = /^(?:\[([0-9a-f:.]+)\]|([^:[\]/@]+))(?::(\d+))?$/i.exec(address)
    const host = match?.[1] ?? match?.[2]
    const port = Number(match?.[3] ?? 26379)
    if (!host || !Number.isInteger(port) || port < 1 || port > 65535)
      return { error: `Redis Sentinel: ${address.slice(0, 60)} is not host:port` }
    if (!nodes.some((n) => n.host === host && n.port === port)) nodes.push({ host, port })
  }
  const masterName = (config.redisMasterName ?? '').trim()
  if (!masterName)
    return {
      error: 'Redis Sentinel: no master name (the name the sentinels monitor, as in sentinel monitor <name> ...)',
    }
  if (/\s/.test(masterName)) return { error: 'Redis Sentinel: the master name has no spaces' }
  const ca = (config.redisCa ?? '').trim()
  if (ca && !ca.includes('-----BEGIN CERTIFICATE-----'))
    return { error: 'trusted CA for Redis is not a PEM certificate' }
  if (ca && config.redisTls !== true) return { error: 'a CA for Redis needs TLS' }
  const replicas = replicasToWait(config.redisReplicas, 1)
  if (typeof replicas === 'object') return replicas
  const password = credentials?.redisPassword || undefined
  const sentinelPassword = credentials?.redisSentinelPassword || undefined
  return {
    sentinel: {
      nodes,
      masterName,
      tls: config.redisTls === true,
      ...(sentinelPassword ? { password: sentinelPassword } : {}),
    },
    ...(password ? { password } : {}),
    ...(ca ? { ca } : {}),
    replicas,
  }
}

function replicasToWait(value: number | string | undefined, fallback: number): number | { error: string } {
  const text = String(value ?? '').trim()
  if (!text) return fallback
  const n = Number(text)
  if (!Number.isInteger(n) || n < 0 || n > MAX_REPLICAS)
    return { error: `replicas to wait for must be a number from 0 to ${MAX_REPLICAS}` }
  return n
}

/** The listener a config node asks for (undefined: deliveries come in on Node-RED's endpoints), or what is wrong. */
export function listenerSettings(
  config: XoServerConfig,
  credentials: XoServerCredentials | undefined,
): ListenerSettings | undefined | { error: string } {
  if (config.receiveOn !== 'listener') return undefined
  const host = (config.listenHost ?? '').trim() || '127.0.0.1'
  if (!isIP(host) && host !== 'localhost') return { error: `listener address ${host} is not an IP address` }
  const port = Number(String(config.listenPort ?? '').trim() || NaN)
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    return { error: 'listener port must be a number from 1 to 65535' }
  const allowFrom = compileAllowList(config.listenAllowFrom ?? '')
  if (allowFrom && typeof allowFrom === 'object') return { error: `listener allow-list: ${allowFrom.error}` }
  if (config.listenTls !== true) return { host, port, tls: undefined, allowFrom }
  const read = (file: string | undefined, credential: string | undefined, what: string): string | { error: string } => {
    const path = (file ?? '').trim()
    if (!path) return (credential ?? '').trim() || { error: `listener TLS: no ${what}` }
    try {
      return readFileSync(path, 'utf8')
    } catch (error) {
      return {
        error: `listener TLS: cannot read the ${what} file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      }
    }
  }
  const cert = read(config.listenCertFile, credentials?.listenCert, 'certificate')
  if (typeof cert === 'object') return cert
  const key = read(config.listenKeyFile, credentials?.listenKey, 'private key')
  if (typeof key === 'object') return key
  if (!cert.includes('-----BEGIN CERTIFICATE-----')) return { error: 'listener TLS: the certificate is not PEM' }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) return { error: 'listener TLS: the private key is not PEM' }
  return { host, port, tls: { cert, key }, allowFrom }
}

/**
 * Turns a config node's properties and credentials into connection options, or a message that says what is
 * missing. Kept apart from Node-RED so that every case is unit-tested.
 */
export function connectionOptions(
  config: XoServerConfig,
  credentials: XoServerCredentials | undefined,
): (XoConnectionOptions & { simulated?: true }) | { error: string } {
  // Where the simulated XO listens, and its token, are known once it runs: the connection locates it.
  if (config.source === 'simulated') return { url: 'ws://127.0.0.1/', credentials: { token: '' }, simulated: true }
  const url = (config.url ?? '').trim()
  if (!url) return { error: 'no XO URL' }
  try {
    parseXoUrl(url)
  } catch (error) {
    return { error: (error as Error).message }
  }
  const creds = credentials ?? {}
  let credentialsToUse: XoCredentials
  if ((config.authMethod ?? 'token') === 'token') {
    if (!creds.token) return { error: 'no authentication token' }
    credentialsToUse = { token: creds.token }
  } else {
    if (!creds.email || !creds.password) return { error: 'no e-mail or password' }
    credentialsToUse = { email: creds.email, password: creds.password }
  }
  const ca = (config.ca ?? '').trim()
  if (ca && !ca.includes('-----BEGIN CERTIFICATE-----')) return { error: 'trusted CA is not a PEM certificate' }
  return {
    url,
    credentials: credentialsToUse,
    ...(ca ? { ca } : {}),
    allowSelfSigned: config.allowSelfSigned === true,
  }
}
