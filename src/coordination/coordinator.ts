import { createHash, randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { hostname } from 'node:os'
import { DELETE_IF_HELD, Lease, LeaseRole } from './lease'
import { RedisLink, RedisLinkOptions } from './redis-link'
import { RedisStateStore } from './redis-state-store'
import { SharedSnapshot } from './shared-snapshot'

export interface CoordinatorOptions extends RedisLinkOptions {
  /** what names this XO connection on every instance alike: the config node's id, XO's URL, the hook base URL */
  identity: string[]
  warn(message: string): void
  log(message: string): void
  ttlMs?: number
  /** the lease's monotonic clock (tests: a clock that jumps as a paused process's would) */
  now?: () => number
}

/** Live calls emitted while Redis was away, recorded once it is back (before the leader catches up). */
const MAX_PENDING_CLAIMS = 10_000
const LOCK_TTL_MS = 15_000
const LOCK_RETRY_MS = 50
// KEYS[1]: the call's record, KEYS[2]: its shared pre. ARGV[1]: '1' to check the record. Answers {1 emitted
// already | 0, the pre or nil}; the pre is taken either way.
const POST_ARRIVED = `
local emitted = 0
if ARGV[1] == '1' then emitted = redis.call('EXISTS', KEYS[1]) end
return {emitted, redis.call('GETDEL', KEYS[2])}`

/**
 * What the instances running the same flows share, for one XO connection (one `xo-server` config node): a Redis
 * connection, the lease that says which instance leads, and the keys they agree on (claims of calls emitted, pres
 * waiting for their post, the state of #9, the registrar's lock). Emits `role` when this instance's role changes.
 */
export class Coordinator extends EventEmitter {
  readonly link: RedisLink
  readonly lease: Lease
  /** every key of this connection starts so */
  readonly prefix: string
  readonly instance = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
  readonly #o: CoordinatorOptions
  #pendingRecords: Array<{ key: string; ttlMs: number }> = []

  constructor(options: CoordinatorOptions) {
    super()
    this.#o = options
    const id = createHash('sha256').update(options.identity.join('\n')).digest('hex').slice(0, 16)
    this.prefix = `xo-nr:${id}:`
    this.link = new RedisLink(options)
    this.lease = new Lease({ link: this.link, key: `${this.prefix}lease`, instance: this.instance, ...(options.ttlMs ? { ttlMs: options.ttlMs } : {}), ...(options.now ? { now: options.now } : {}) })
    // Every xo-events and xo-hook node of the connection listens to the lease.
    this.lease.setMaxListeners(0)
    this.setMaxListeners(0)
    this.lease.on('role', (role: LeaseRole) => this.emit('role', role))
    this.link.on('state', (state: { up: boolean; reason?: string }) => {
      if (state.up) {
        this.#o.log(`Redis reached (keys ${this.prefix}*)`)
        void this.#flushRecords()
      } else if (state.reason !== 'closed') {
        this.#o.warn(`Redis not reachable: ${state.reason}`)
      }
    })
  }

  /** What the leader's writes check in Redis: the lease's key and what it holds while this instance leads. */
  readonly #fence = () => {
    const holder = this.lease.holder
    return holder ? { key: this.lease.key, holder } : undefined
  }

  start(): void {
    this.link.start()
    this.lease.start()
  }

  async stop(): Promise<void> {
    await this.lease.stop()
    await this.link.close()
  }

  get role(): LeaseRole {
    return this.lease.role
  }

  /** State that only the leader writes (catch-up cursors, object snapshots): Redis refuses a former leader's writes. */
  leaderState(): RedisStateStore {
    return new RedisStateStore(this.link, this.prefix, this.#fence)
  }

  /** The object snapshot an xo-events node leads from (fenced as `leaderState`). */
  snapshot(nodeId: string): SharedSnapshot {
    return new SharedSnapshot(this.link, `${this.prefix}objects:${nodeId}`, this.#fence)
  }

  /**
   * Whether a call was emitted already, by either instance, live or from the audit log (the catch-up asks before
   * emitting; rejects while Redis is unreachable, so that the catch-up waits rather than guesses).
   */
  async wasEmitted(nodeId: string, callId: string): Promise<boolean> {
    return Number(await this.link.command('EXISTS', this.#callKey(nodeId, callId))) === 1
  }

  /**
   * Records a call as emitted, right after its message went out (in the same turn: the write leaves with the
   * message). Checked before, written after: an instance killed before its message went out has recorded nothing,
   * so the catch-up gives the call; only a kill between the message and this write, microseconds apart, could give
   * it twice. While Redis is unreachable it is written once Redis is back.
   */
  recordEmitted(nodeId: string, callId: string, ttlMs: number): void {
    const key = this.#callKey(nodeId, callId)
    if (!this.link.up) return void this.#queueRecord(key, ttlMs)
    this.link.command('SET', key, this.instance, 'PX', Math.ceil(ttlMs)).catch(() => this.#queueRecord(key, ttlMs))
  }

  #queueRecord(key: string, ttlMs: number): void {
    if (this.#pendingRecords.length < MAX_PENDING_CLAIMS) this.#pendingRecords.push({ key, ttlMs })
  }

  #callKey(nodeId: string, callId: string): string {
    return `${this.prefix}call:${nodeId}:${callId}`
  }

  /** Keeps a pre for the instance that receives its post (bounded in time, dropped when too large). */
  sharePre(nodeId: string, callId: string, json: string, ttlMs: number): void {
    if (!this.link.up) return
    this.link.command('SET', `${this.prefix}pre:${nodeId}:${callId}`, json, 'PX', Math.ceil(ttlMs)).catch(() => {})
  }

  /**
   * A post arrived on this instance: in one round trip, whether its call was emitted already (when `checked`: by the
   * catch-up, the delivery being late) and the pre another instance kept for it, if any. While Redis is
   * unreachable: not emitted, no pre.
   */
  async postArrived(nodeId: string, callId: string, preKey: string, checked: boolean): Promise<{ emitted: boolean; pre?: string }> {
    try {
      const [emitted, pre] = await this.link.command<[number, string | null]>(
        'EVAL', POST_ARRIVED, 2, this.#callKey(nodeId, callId), `${this.prefix}pre:${nodeId}:${preKey}`, checked ? '1' : '',
      )
      return { emitted: emitted === 1, ...(pre ? { pre } : {}) }
    } catch {
      return { emitted: false }
    }
  }

  /**
   * Runs `work` while holding a lock shared by the instances (the registrar's read-merge-write of XO's web-hooks
   * configuration). Waits for it up to `waitMs`; fails when Redis cannot be reached rather than writing unlocked.
   */
  async withLock<T>(name: string, work: () => Promise<T>, waitMs = LOCK_TTL_MS): Promise<T> {
    const key = `${this.prefix}lock:${name}`
    const token = `${this.instance}:${randomBytes(6).toString('hex')}`
    const deadline = Date.now() + waitMs
    while ((await this.link.command('SET', key, token, 'NX', 'PX', LOCK_TTL_MS)) === null) {
      if (Date.now() > deadline) throw new Error(`the other instance holds the ${name} lock for too long`)
      await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS))
    }
    try {
      return await work()
    } finally {
      await this.link.command('EVAL', DELETE_IF_HELD, 1, key, token).catch(() => {})
    }
  }

  async #flushRecords(): Promise<void> {
    const pending = this.#pendingRecords
    this.#pendingRecords = []
    for (const { key, ttlMs } of pending) {
      await this.link.command('SET', key, this.instance, 'PX', Math.ceil(ttlMs)).catch(() => this.#queueRecord(key, ttlMs))
    }
    if (pending.length) this.#o.log(`${pending.length} calls delivered while Redis was away recorded`)
  }
}
