import { EventEmitter } from 'node:events'
import type { createClient as CreateClient } from '@redis/client'

export interface RedisLinkOptions {
  /** `redis://host:port/db` or `rediss://…` (TLS); a user name may be in the URL, never a password */
  url: string
  password?: string
  /** PEM of a CA or certificate to trust for this connection only (rediss://) */
  ca?: string
  /** accept any certificate (rediss://): for a test Redis only */
  allowSelfSigned?: boolean
  /** how long a command may take before it counts as failed */
  commandTimeoutMs?: number
}

export type RedisLinkState = { up: true } | { up: false; reason: string }

type Reply = string | number | null | Reply[]

const RECONNECT_MAX_MS = 2_000
const CONNECT_TIMEOUT_MS = 5_000
const COMMAND_TIMEOUT_MS = 3_000
const PING_MS = 2_000

/**
 * One connection to Redis, reconnecting on its own. Commands fail at once while it is down (nothing is queued to
 * run late: a lease renewal or a claim that runs seconds after it was meant to would lie). Emits `state` on every
 * change; errors become states, never uncaught exceptions.
 */
export class RedisLink extends EventEmitter {
  #state: RedisLinkState = { up: false, reason: 'connecting' }
  readonly #client: ReturnType<typeof CreateClient>
  readonly #timeoutMs: number
  #closed = false

  constructor(options: RedisLinkOptions) {
    super()
    const url = new URL(options.url)
    const secure = url.protocol === 'rediss:'
    this.#timeoutMs = options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS
    // Loaded only by a config node that shares a store: a single Node-RED never pays for it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createClient } = require('@redis/client') as { createClient: typeof CreateClient }
    this.#client = createClient({
      url: options.url,
      ...(options.password ? { password: options.password } : {}),
      disableOfflineQueue: true,
      // A connection that went silent (a paused Redis, a dropped route) is noticed and replaced.
      pingInterval: PING_MS,
      socket: {
        connectTimeout: CONNECT_TIMEOUT_MS,
        reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 5), RECONNECT_MAX_MS),
        ...(secure
          ? { tls: true as const, ...(options.ca ? { ca: options.ca } : {}), rejectUnauthorized: options.allowSelfSigned !== true }
          : {}),
      },
    })
    this.#client.on('ready', () => this.#set({ up: true }))
    this.#client.on('end', () => this.#set({ up: false, reason: 'closed' }))
    this.#client.on('error', (error: Error) => this.#set({ up: false, reason: describe(error) }))
    this.#client.on('reconnecting', () => {
      if (this.#state.up) this.#set({ up: false, reason: 'reconnecting' })
    })
  }

  get state(): RedisLinkState {
    return this.#state
  }

  get up(): boolean {
    return this.#state.up
  }

  /** Connects; resolves at once (the state says when it is up), retries until closed. */
  start(): void {
    this.#client.connect().catch((error: Error) => this.#set({ up: false, reason: describe(error) }))
  }

  /** One command, its arguments as Redis takes them; rejects when down or slower than the command timeout. */
  async command<T extends Reply = Reply>(...args: Array<string | number>): Promise<T> {
    if (!this.#state.up) throw new Error(`Redis is not reachable (${(this.#state as { reason: string }).reason})`)
    // The client's own timeout only covers a command waiting to be written: one sent to a Redis that went silent
    // would wait for the socket to die. Every command is bounded here.
    const reply = this.#client.sendCommand(args.map(String))
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${this.#timeoutMs} ms`)), this.#timeoutMs)
    })
    reply.catch(() => {})
    try {
      return (await Promise.race([reply, late])) as unknown as T
    } finally {
      clearTimeout(timer)
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#client.removeAllListeners('reconnecting')
    // A close waits for the replies of commands sent; a silent Redis would hold it forever.
    const closed = this.#client.close().catch(() => {})
    let timer: NodeJS.Timeout | undefined
    await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, this.#timeoutMs)))])
    clearTimeout(timer)
    try {
      this.#client.destroy()
    } catch {
      // already closed
    }
    this.#set({ up: false, reason: 'closed' })
  }

  #set(state: RedisLinkState): void {
    const same = state.up === this.#state.up && (state.up || (state as { reason: string }).reason === (this.#state as { reason: string }).reason)
    this.#state = state
    if (!same) this.emit('state', state)
  }
}

function describe(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ECONNREFUSED') return 'connection refused'
  if (/WRONGPASS|NOAUTH|invalid password/i.test(error.message)) return 'wrong or missing password'
  return code ? `${code}: ${error.message}` : error.message
}
