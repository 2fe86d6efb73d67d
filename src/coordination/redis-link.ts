import { EventEmitter } from 'node:events'
import type { createClient as CreateClient, createSentinel as CreateSentinel } from '@redis/client'

export interface RedisSentinelOptions {
  /** the sentinels (any of them answers where the master is) */
  nodes: Array<{ host: string; port: number }>
  /** the name the sentinels monitor the master by */
  masterName: string
  /** TLS to the sentinels and to Redis (verified; `ca` to trust a private CA) */
  tls: boolean
  /** the sentinels' own password */
  password?: string
}

export interface RedisLinkOptions {
  /** `redis://host:port/db` or `rediss://…` (TLS); a user name may be in the URL, never a password. Or `sentinel`. */
  url?: string
  /** the master that Redis Sentinel names, followed through failovers (instead of `url`) */
  sentinel?: RedisSentinelOptions
  /** Redis's password (with Sentinel: the master's and the replicas') */
  password?: string
  /** PEM of a CA or certificate to trust for this connection only (rediss://, or Sentinel with TLS) */
  ca?: string
  /** accept any certificate (rediss://): for a test Redis only */
  allowSelfSigned?: boolean
  /**
   * Replicas that must have a write before it counts (Redis's WAIT after each batch of writes): a write that only
   * the master got fails, so that a replica promoted by a failover never lacks a lease or a record that an instance
   * acted on. 0: a write counts once the master has it.
   */
  replicas?: number
  /** how long a write waits for its replicas before it counts as failed */
  replicaWaitMs?: number
  /** how long a command may take before it counts as failed */
  commandTimeoutMs?: number
}

export type RedisLinkState = { up: true } | { up: false; reason: string }

type Reply = string | number | null | Reply[]

const RECONNECT_MAX_MS = 2_000
const CONNECT_TIMEOUT_MS = 5_000
const COMMAND_TIMEOUT_MS = 3_000
const REPLICA_WAIT_MS = 1_000
const PING_MS = 2_000
/** How often a link that lost its master asks where the master is now (Sentinel). */
const PROBE_MS = 250
/** Commands that write nothing: they need no replica's acknowledgement. */
const READ_ONLY = new Set([
  'GET',
  'MGET',
  'EXISTS',
  'HGET',
  'HMGET',
  'HGETALL',
  'HVALS',
  'HLEN',
  'HKEYS',
  'PTTL',
  'TTL',
  'TYPE',
  'KEYS',
  'SCAN',
  'PING',
  'ROLE',
  'INFO',
  'WAIT',
  'ECHO',
  'DBSIZE',
])

/** What sends commands: one client of one Redis, or the master that Sentinel names. */
interface Backend {
  send(args: string[]): Promise<Reply>
  close(): Promise<void>
  destroy(): void
}

/**
 * One connection to Redis (one URL, or the master that Redis Sentinel names, followed through failovers),
 * reconnecting on its own. Commands fail at once while it is down (nothing is queued to run late: a lease renewal
 * or a claim that runs seconds after it was meant to would lie). With `replicas`, a write counts only once that
 * many replicas have it. Emits `state` on every change; errors become states, never uncaught exceptions.
 */
export class RedisLink extends EventEmitter {
  #state: RedisLinkState = { up: false, reason: 'connecting' }
  #backend: Backend | undefined
  readonly #o: RedisLinkOptions
  readonly #timeoutMs: number
  readonly #replicas: number
  #closed = false
  #started = false
  /** the WAIT that covers the writes sent since the last one (sent once the current turn has sent them all) */
  #wait: Promise<Reply> | undefined
  #probe: NodeJS.Timeout | undefined
  #probing = false
  #retry: NodeJS.Timeout | undefined

  constructor(options: RedisLinkOptions) {
    super()
    if (!options.url === !options.sentinel)
      throw new Error('a Redis link needs a URL or a Sentinel setup (one of them)')
    this.#o = options
    this.#timeoutMs = options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS
    this.#replicas = Math.max(0, Math.floor(options.replicas ?? 0))
    if (options.url) this.#backend = this.#single(options.url)
  }

  /** Where it connects, for logs: the URL without its user, or the sentinels and the master's name. */
  get where(): string {
    if (this.#o.sentinel)
      return `Sentinel ${this.#o.sentinel.nodes.map((n) => `${n.host}:${n.port}`).join(',')} master ${this.#o.sentinel.masterName}`
    const url = new URL(this.#o.url!)
    url.username = ''
    return url.toString()
  }

  #single(address: string): Backend {
    const url = new URL(address)
    const secure = url.protocol === 'rediss:'
    // Loaded only by a config node that shares a store: a single Node-RED never pays for it.
    const { createClient } = require('@redis/client') as { createClient: typeof CreateClient }
    const client = createClient({
      url: address,
      ...(this.#o.password ? { password: this.#o.password } : {}),
      disableOfflineQueue: true,
      // A connection that went silent (a paused Redis, a dropped route) is noticed and replaced.
      pingInterval: PING_MS,
      socket: {
        connectTimeout: CONNECT_TIMEOUT_MS,
        reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 5), RECONNECT_MAX_MS),
        ...(secure ? this.#tls() : {}),
      },
    })
    client.on('ready', () => this.#set({ up: true }))
    client.on('end', () => this.#set({ up: false, reason: 'closed' }))
    client.on('error', (error: Error) => this.#set({ up: false, reason: describe(error) }))
    client.on('reconnecting', () => {
      if (this.#state.up) this.#set({ up: false, reason: 'reconnecting' })
    })
    return {
      send: (args) => client.sendCommand(args) as Promise<Reply>,
      close: async () => {
        client.removeAllListeners('reconnecting')
        await client.close()
      },
      destroy: () => {
        try {
          client.destroy()
        } catch {
          // already closed
        }
      },
      start: () => client.connect(),
    } as Backend & { start(): Promise<unknown> }
  }

  #tls(): { tls: true; ca?: string; rejectUnauthorized: boolean } {
    return {
      tls: true as const,
      ...(this.#o.ca ? { ca: this.#o.ca } : {}),
      rejectUnauthorized: this.#o.allowSelfSigned !== true,
    }
  }

  /**
   * The master that the sentinels name, through @redis/client's own Sentinel support: one connection to it (every
   * command and its WAIT on the same one, in order), moved to the promoted replica at a failover.
   */
  #sentinel(): Backend & { start(): Promise<unknown> } {
    const s = this.#o.sentinel!
    const { createSentinel } = require('@redis/client') as { createSentinel: typeof CreateSentinel }
    const socket = {
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 5), RECONNECT_MAX_MS),
      ...(s.tls ? this.#tls() : {}),
    }
    const sentinel = createSentinel({
      name: s.masterName,
      sentinelRootNodes: s.nodes,
      masterPoolSize: 1,
      // Every command on the one master connection, in the order sent: a WAIT covers the writes before it.
      reserveClient: true,
      // A failover missed while the sentinels' notice was lost is still found.
      scanInterval: 10_000,
      // The master's connection errors come through the `error` event: the link goes down at once.
      passthroughClientErrorEvents: true,
      nodeClientOptions: {
        ...(this.#o.password ? { password: this.#o.password } : {}),
        disableOfflineQueue: true,
        pingInterval: PING_MS,
        socket,
      },
      sentinelClientOptions: {
        ...(s.password ? { password: s.password } : {}),
        socket: { ...socket, reconnectStrategy: false as const },
      },
    })
    const down = (reason: string) => this.#down(reason)
    sentinel.on('ready', () => this.#probeSoon(0))
    // The sentinels moved the master: nothing is sent until the new one answers as a master.
    sentinel.on('reconnecting', () => down('the master is failing over'))
    sentinel.on('topology-change', (event: { type: string }) => {
      if (event.type === 'MASTER_CHANGE') this.#probeSoon(0)
    })
    sentinel.on('error', (error: unknown) => {
      // The master's connection failed (passed through as `Master Client (host:port): …`): nothing is sent until
      // a master answers again, the same or the one the sentinels promote.
      const master = /^Master Client \(([^)]*)\): /.exec(error instanceof Error ? error.message : '')
      if (master) return down(`master ${master[1]} unreachable (${describe((error as Error).cause ?? error)})`)
      // Mostly a sentinel that cannot be reached while another answers: it matters only while no master does.
      if (!this.#state.up && !this.#closed) this.#set({ up: false, reason: this.#sentinelTrouble(error) })
    })
    return {
      send: (args) => sentinel.sendCommand(false, args) as Promise<Reply>,
      close: () => sentinel.close(),
      destroy: () => void sentinel.destroy().catch(() => {}),
      start: () => sentinel.connect(),
    }
  }

  get state(): RedisLinkState {
    return this.#state
  }

  get up(): boolean {
    return this.#state.up
  }

  /** Connects; resolves at once (the state says when it is up), retries until closed. */
  start(): void {
    if (this.#started) return
    this.#started = true
    this.#connect()
  }

  #connect(): void {
    if (this.#closed) return
    const backend = (this.#backend as (Backend & { start(): Promise<unknown> }) | undefined) ?? this.#sentinel()
    this.#backend = backend
    backend.start().catch((error: unknown) => {
      this.#set({ up: false, reason: this.#o.sentinel ? this.#sentinelTrouble(error) : describe(error) })
      if (!this.#o.sentinel || this.#closed) return
      // The sentinels gave up (none reachable, or no master named so): a new attempt, as a single client retries.
      backend.destroy()
      this.#backend = undefined
      this.#retry = setTimeout(() => this.#connect(), RECONNECT_MAX_MS)
      this.#retry.unref?.()
    })
  }

  /** What the sentinels' answers (or silence) mean, in the same words each time (the status does not flicker). */
  #sentinelTrouble(error: unknown): string {
    const text = error instanceof Error ? error.message : String(error)
    // A sentinel's own connection failing (the master's come as `Master Client (…)`, handled before).
    if ((error as NodeJS.ErrnoException)?.code) return `no sentinel reachable (${describe(error)})`
    if (/No such master with that name/i.test(text))
      return `the sentinels know no master named ${this.#o.sentinel!.masterName}`
    if (/None of the sentinels are available|obseve client error|observe client error/i.test(text)) {
      const cause = /(ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|WRONGPASS|NOAUTH)/.exec(text)?.[1]
      const why =
        cause === 'ECONNREFUSED'
          ? 'connection refused'
          : cause === 'WRONGPASS' || cause === 'NOAUTH'
            ? 'wrong or missing sentinel password'
            : cause
      return `no sentinel reachable${why ? ` (${why})` : ''}`
    }
    return describe(error)
  }

  /** Nothing is sent until the master answers as one again (and its replicas have every write of this link). */
  #down(reason: string): void {
    if (this.#closed) return
    this.#set({ up: false, reason })
    this.#probeSoon()
  }

  /**
   * Asks the current master whether it is one, until one answers so (Sentinel: after a failover, or at start) and,
   * with `replicas`, until they have every write this link made.
   */
  #probeSoon(delayMs = PROBE_MS): void {
    if (this.#closed || this.#probe) return
    this.#probe = setTimeout(() => {
      this.#probe = undefined
      void this.#probeNow()
    }, delayMs)
    this.#probe.unref?.()
  }

  async #probeNow(): Promise<void> {
    if (this.#closed || this.#probing || !this.#backend) return
    this.#probing = true
    try {
      const role = await this.#bounded(this.#backend.send(['ROLE']))
      // A former master restarted as a replica answers too: only a master is written to.
      if (!Array.isArray(role) || role[0] !== 'master')
        throw new Error(`${this.#o.sentinel ? 'the address the sentinels gave' : 'Redis'} is not a master (yet)`)
      if (this.#replicas > 0) {
        // Without a write before it, WAIT answers once the replicas have this connection's last write.
        const acknowledged = Number(
          await this.#bounded(this.#backend.send(['WAIT', String(this.#replicas), String(PROBE_MS)])),
        )
        if (acknowledged < this.#replicas) throw new Error(this.#notReplicated(acknowledged))
      }
      this.#set({ up: true })
    } catch (error) {
      if (!this.#closed) {
        // A probe that waits while the client finds the new master says less than why the link went down.
        const slow =
          error instanceof Error &&
          /did not answer/.test(error.message) &&
          (this.#state as { reason?: string }).reason !== 'connecting'
        if (!this.#state.up && !slow) this.#set({ up: false, reason: describe(error) })
        this.#probeSoon()
      }
    } finally {
      this.#probing = false
    }
  }

  /** One command, its arguments as Redis takes them; rejects when down or slower than the command timeout. */
  async command<T extends Reply = Reply>(...args: Array<string | number>): Promise<T> {
    if (!this.#state.up || !this.#backend)
      throw new Error(`Redis is not reachable (${(this.#state as { reason: string }).reason ?? 'closed'})`)
    const strings = args.map(String)
    const reply = this.#backend.send(strings)
    reply.catch(() => {})
    if (this.#replicas === 0 || READ_ONLY.has(strings[0].toUpperCase())) return (await this.#bounded(reply)) as T
    // Sent right behind the write (on the same connection, in the same turn): the WAIT covers it.
    const replicated = this.#waitForReplicas()
    replicated.catch(() => {})
    const answer = await this.#bounded(reply)
    const acknowledged = Number(await this.#bounded(replicated))
    if (acknowledged < this.#replicas) {
      // Writes that might not survive a failover: the link counts as down (the leader stops, records wait) until
      // the replicas have caught up.
      const reason = this.#notReplicated(acknowledged)
      this.#down(reason)
      throw new Error(reason)
    }
    return answer as T
  }

  #notReplicated(acknowledged: number): string {
    return `writes not on ${this.#replicas === 1 ? 'a replica' : `${this.#replicas} replicas`} (${acknowledged} acknowledged): replicas down or behind`
  }

  /** One WAIT for every write sent in this turn, sent after them. */
  #waitForReplicas(): Promise<Reply> {
    this.#wait ??= Promise.resolve().then(() => {
      this.#wait = undefined
      if (!this.#backend) throw new Error('closed')
      return this.#backend.send(['WAIT', String(this.#replicas), String(this.#o.replicaWaitMs ?? REPLICA_WAIT_MS)])
    })
    return this.#wait
  }

  /** The client's own timeout only covers a command waiting to be written: one sent to a Redis that went silent would wait for the socket to die. Every command is bounded here. */
  async #bounded(reply: Promise<Reply>): Promise<Reply> {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${this.#timeoutMs} ms`)), this.#timeoutMs)
    })
    try {
      return await Promise.race([reply, late])
    } finally {
      clearTimeout(timer)
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#probe)
    clearTimeout(this.#retry)
    const backend = this.#backend
    if (backend) {
      // A close waits for the replies of commands sent; a silent Redis would hold it forever.
      const closed = backend.close().catch(() => {})
      let timer: NodeJS.Timeout | undefined
      await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, this.#timeoutMs)))])
      clearTimeout(timer)
      backend.destroy()
    }
    this.#set({ up: false, reason: 'closed' })
  }

  #set(state: RedisLinkState): void {
    const same =
      state.up === this.#state.up &&
      (state.up || (state as { reason: string }).reason === (this.#state as { reason: string }).reason)
    this.#state = state
    if (!same) this.emit('state', state)
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ECONNREFUSED') return 'connection refused'
  if (/WRONGPASS|NOAUTH|invalid password/i.test(error.message)) return 'wrong or missing password'
  if (/None of the sentinels are available/.test(error.message)) return 'no sentinel reachable'
  if (/no valid master node/.test(error.message))
    return 'the sentinels name no master (wrong master name, or a failover under way)'
  return code ? `${code}: ${error.message}` : error.message
}
