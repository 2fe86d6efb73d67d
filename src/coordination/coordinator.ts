import { createHash, randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { hostname } from 'node:os'
import { DELETE_IF_HELD, LeaderLease, LEASE_TTL_MS, type LeaseRole } from './leader-lease'
import { RedisLink, type RedisLinkOptions } from './redis-link'
import { RedisStateStore } from './redis-state-store'
import { SharedInbox } from './shared-inbox'
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
/** Time kept in hand, as the lease does, against the clocks of Redis and this process drifting apart. */
const CLAIM_MARGIN_MS = 500
/** How often a claim that cannot be confirmed (Redis unreachable) is asked again, at least. */
const CLAIM_RETRY_MS = 1_000
/**
 * How long a claim is prolonged while its claimer runs (a live delivery waiting for its pre or its objects) at most:
 * past that, a claim left behind by a path that never sent nor gave it back runs out, and the catch-up goes on.
 */
const CLAIM_RENEW_MAX_MS = 5 * 60_000

// A call's key holds 'held|<claimer>' while one claim of one instance is about to emit it (expiring: a claimer that
// dies lets it go), then 'sent|<instance>' (or, as written before claims existed, the instance alone) once its
// message went out. Claims the call for ARGV[1] (one claim of one instance) for ARGV[2] ms when nobody holds it, or
// prolongs that claimer's own: answers 1 (this claimer's to emit), 0 (emitted already), or minus the ms another
// claimer's claim still holds.
const CLAIM_BODY = `
local function claim(key, claimer, ms)
  local held = redis.call('GET', key)
  if not held then
    redis.call('SET', key, 'held|' .. claimer, 'PX', ms)
    return 1
  end
  if held == 'held|' .. claimer then
    redis.call('PEXPIRE', key, ms)
    return 1
  end
  if string.sub(held, 1, 5) == 'held|' then return -math.max(redis.call('PTTL', key), 1) end
  return 0
end
`
// KEYS[1]: the call's key. ARGV[1]: the claimer, ARGV[2]: how long the claim holds.
const CLAIM = `${CLAIM_BODY}
return claim(KEYS[1], ARGV[1], ARGV[2])`
// KEYS[1]: the call's key, KEYS[2]: its shared pre. ARGV[1]: the claimer ('' claims nothing: answers 1), ARGV[2]:
// how long the claim holds. Answers {the claim's answer, the pre or nil}; the pre is taken either way.
const POST_ARRIVED = `${CLAIM_BODY}
local answer = 1
if ARGV[1] ~= '' then answer = claim(KEYS[1], ARGV[1], ARGV[2]) end
return {answer, redis.call('GETDEL', KEYS[2])}`

/** The Redis key of the lock on one XO's web-hooks configuration (by XO's API URL). */
export function webHooksLockKey(xoUrl: string): string {
  return `xo-nr:xo:${createHash('sha256').update(xoUrl).digest('hex').slice(0, 16)}:lock:web-hooks`
}

/** What claiming a call answered. */
export type ClaimAnswer =
  | { state: 'mine'; claim: CallClaim }
  | { state: 'sent' }
  /** another claim holds it (the other instance, or another part of this one, about to emit it) for `retryMs` more */
  | { state: 'held'; retryMs: number }

/**
 * One claim on emitting one call: while it holds, no other instance (nor the catch-up of this one) emits the call.
 * Checking and claiming are one step in Redis, and the claim only counts on this side while this process's
 * monotonic clock says it surely still holds in Redis: an instance paused or cut off while holding it finds, once
 * resumed, that it must claim again, and loses the call to whoever gave it meanwhile. While its claimer runs, the
 * claim is prolonged every third of its time, as a lease is (a delivery waiting for its objects keeps it); a
 * claimer that dies, or is paused, before its message went out lets the claim run out: the call was not emitted,
 * and the catch-up gives it.
 */
export class CallClaim {
  #validUntil: number
  #renewal: NodeJS.Timeout | undefined
  readonly #renewUntil: number
  /** sent, or given back */
  #settled = false

  constructor(
    private readonly link: Pick<RedisLink, 'command' | 'up' | 'state' | 'on' | 'off'>,
    private readonly key: string,
    /** this claim: the instance and a part of it */
    readonly claimer: string,
    private readonly holdMs: number,
    /** how long the call counts as emitted once sent (the catch-up looks no further back) */
    private readonly keepMs: number,
    private readonly now: () => number,
    asked: number,
    private readonly onSent: (key: string, value: string, keepMs: number) => void,
  ) {
    this.#validUntil = asked + holdMs - CLAIM_MARGIN_MS
    this.#renewUntil = asked + CLAIM_RENEW_MAX_MS
    this.#renewSoon()
  }

  #renewSoon(): void {
    this.#renewal = setTimeout(() => void this.#renew(), this.holdMs / 3)
    this.#renewal.unref?.()
  }

  async #renew(): Promise<void> {
    this.#renewal = undefined
    if (this.#settled || this.now() > this.#renewUntil) return
    const asked = this.now()
    let answer: number
    try {
      answer = Number(await this.link.command('EVAL', CLAIM, 1, this.key, this.claimer, Math.ceil(this.holdMs)))
    } catch {
      // Not prolonged: the claim counts until its time is over, then `confirm` asks again. A link closed for good
      // (the node stopped) prolongs nothing.
      const state = this.link.state
      if (!this.#settled && (state.up || state.reason !== 'closed')) this.#renewSoon()
      return
    }
    // Sent or given back meanwhile: nothing to prolong.
    if (this.#settled) return
    if (answer !== 1) {
      // Lost (this process was held up past its claim, and another claimer took the call): `confirm` says so.
      this.#validUntil = -Infinity
      return
    }
    this.#validUntil = asked + this.holdMs - CLAIM_MARGIN_MS
    this.#renewSoon()
  }

  /** Whether the claim surely still holds in Redis (counted from when it was asked, less a margin). */
  get valid(): boolean {
    return this.now() < this.#validUntil
  }

  /**
   * Resolves true once the claim holds (at once while it is valid; else claimed again, which works unless another
   * claimer took the call or it was emitted meanwhile: false). While Redis is unreachable it waits for it, up to
   * `keepMs`: emitting unclaimed could repeat what the other instance gave meanwhile. Once it resolves true, the
   * message must leave in the same turn (check `valid` again after any other await).
   */
  async confirm(): Promise<boolean> {
    if (this.#settled) return false
    const giveUpAt = this.now() + this.keepMs
    while (!this.valid) {
      const asked = this.now()
      let answer: number
      try {
        answer = Number(await this.link.command('EVAL', CLAIM, 1, this.key, this.claimer, Math.ceil(this.holdMs)))
      } catch {
        if (this.now() >= giveUpAt) return false
        await this.#redisBack()
        continue
      }
      if (answer !== 1) return false
      this.#validUntil = asked + this.holdMs - CLAIM_MARGIN_MS
    }
    return true
  }

  #settle(): void {
    this.#settled = true
    this.#validUntil = -Infinity
    clearTimeout(this.#renewal)
    this.#renewal = undefined
  }

  /** The call's message went out: it counts as emitted, for good (recorded once Redis is back if it is away). */
  sent(): void {
    this.#settle()
    this.onSent(this.key, `sent|${this.claimer.split('#')[0]}`, this.keepMs)
  }

  /** Gives the claim back unused (this side will not emit the call): the catch-up need not wait for it to run out. */
  release(): void {
    if (this.#settled) return
    this.#settle()
    if (this.link.up) this.link.command('EVAL', DELETE_IF_HELD, 1, this.key, `held|${this.claimer}`).catch(() => {})
  }

  #redisBack(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.link.off('state', done)
        resolve()
      }
      const timer = setTimeout(done, CLAIM_RETRY_MS)
      this.link.on('state', done)
    })
  }
}

/**
 * What the instances running the same flows share, for one XO connection (one `xo-server` config node): a Redis
 * connection, the lease that says which instance leads, and the keys they agree on (claims of calls emitted, pres
 * waiting for their post, the catch-up's and remembered objects' state, the registrar's lock). Emits `role` when this
 * instance's role changes.
 */
export class Coordinator extends EventEmitter {
  readonly link: RedisLink
  readonly lease: LeaderLease
  /** every key of this connection starts so */
  readonly prefix: string
  readonly instance = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
  readonly #o: CoordinatorOptions
  #pendingRecords: Array<{ key: string; value: string; ttlMs: number }> = []

  constructor(options: CoordinatorOptions) {
    super()
    this.#o = options
    const id = createHash('sha256').update(options.identity.join('\n')).digest('hex').slice(0, 16)
    this.prefix = `xo-nr:${id}:`
    this.link = new RedisLink(options)
    this.lease = new LeaderLease({
      link: this.link,
      key: `${this.prefix}lease`,
      instance: this.instance,
      ...(options.ttlMs ? { ttlMs: options.ttlMs } : {}),
      ...(options.now ? { now: options.now } : {}),
    })
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

  /** What a follower's node hands to the leader's (`key`: the node's, as for `leaderState`); taken by the leader only. */
  inbox(key: string): SharedInbox {
    return new SharedInbox(this.link, `${this.prefix}inbox:${key}`, this.#fence)
  }

  /**
   * Claims a call before emitting it (the catch-up, for a call of the audit log): whether it was emitted already, by
   * either instance, live or from the log; whether another claim holds it; else a claim of this instance's, which
   * must be confirmed right before the message goes out. Rejects while Redis is unreachable, so that the catch-up
   * waits rather than guesses.
   */
  async claim(nodeId: string, callId: string, keepMs: number): Promise<ClaimAnswer> {
    const key = this.#callKey(nodeId, callId)
    const claimer = this.#claimer()
    const asked = this.#now()
    const answer = Number(await this.link.command('EVAL', CLAIM, 1, key, claimer, Math.ceil(this.#holdMs)))
    return this.#claimAnswer(answer, key, claimer, keepMs, asked)
  }

  /**
   * Records a call as emitted, right after its message went out without a claim (it arrived while Redis was
   * unreachable). While Redis is unreachable it is written once Redis is back.
   */
  recordEmitted(nodeId: string, callId: string, ttlMs: number): void {
    this.#record(this.#callKey(nodeId, callId), `sent|${this.instance}`, ttlMs)
  }

  readonly #record = (key: string, value: string, ttlMs: number): void => {
    if (!this.link.up) return void this.#queueRecord(key, value, ttlMs)
    this.link.command('SET', key, value, 'PX', Math.ceil(ttlMs)).catch(() => this.#queueRecord(key, value, ttlMs))
  }

  get #holdMs(): number {
    return this.#o.ttlMs ?? LEASE_TTL_MS
  }

  #now(): number {
    return (this.#o.now ?? (() => performance.now()))()
  }

  /** One claim of this instance: the live path and the catch-up of one instance never take each other's for their own. */
  #claimer(): string {
    return `${this.instance}#${randomBytes(4).toString('hex')}`
  }

  #claimAnswer(answer: number, key: string, claimer: string, keepMs: number, asked: number): ClaimAnswer {
    if (answer === 1)
      return {
        state: 'mine',
        claim: new CallClaim(this.link, key, claimer, this.#holdMs, keepMs, () => this.#now(), asked, this.#record),
      }
    if (answer === 0) return { state: 'sent' }
    return { state: 'held', retryMs: -answer }
  }

  #queueRecord(key: string, value: string, ttlMs: number): void {
    if (this.#pendingRecords.length < MAX_PENDING_CLAIMS) this.#pendingRecords.push({ key, value, ttlMs })
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
   * A post arrived on this instance: in one round trip, the claim on emitting its call (with `keepMs`, the catch-up's
   * reach: the delivery may be late, the call given from the log already, or being given) and the pre another
   * instance kept for it, if any. Without `keepMs` (no catch-up) nothing is claimed. While Redis is unreachable:
   * no claim (the call is emitted unclaimed, and recorded once Redis is back), no pre.
   */
  async postArrived(
    nodeId: string,
    callId: string,
    preKey: string,
    keepMs: number | undefined,
  ): Promise<{ claim?: ClaimAnswer; pre?: string }> {
    const key = this.#callKey(nodeId, callId)
    const claimer = keepMs === undefined ? '' : this.#claimer()
    const asked = this.#now()
    try {
      const [answer, pre] = await this.link.command<[number, string | null]>(
        'EVAL',
        POST_ARRIVED,
        2,
        key,
        `${this.prefix}pre:${nodeId}:${preKey}`,
        claimer,
        Math.ceil(this.#holdMs),
      )
      return {
        ...(keepMs === undefined ? {} : { claim: this.#claimAnswer(Number(answer), key, claimer, keepMs, asked) }),
        ...(pre ? { pre } : {}),
      }
    } catch {
      return {}
    }
  }

  /**
   * Runs `work` while holding a lock shared by the instances (the registrar's read-merge-write of XO's web-hooks
   * configuration). Waits for it up to `waitMs`; fails when Redis cannot be reached rather than writing unlocked.
   */
  withLock<T>(name: string, work: () => Promise<T>, waitMs = LOCK_TTL_MS): Promise<T> {
    return this.#withLockAt(`${this.prefix}lock:${name}`, name, work, waitMs)
  }

  /**
   * `withLock` for the web-hooks configuration of one XO: one key per XO, whichever config node reaches it, so that
   * the registrars of every instance and of every config node for that XO take turns.
   */
  withWebHooksLock<T>(xoUrl: string, work: () => Promise<T>): Promise<T> {
    return this.#withLockAt(webHooksLockKey(xoUrl), 'web-hooks', work, LOCK_TTL_MS)
  }

  async #withLockAt<T>(key: string, name: string, work: () => Promise<T>, waitMs: number): Promise<T> {
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
    for (const { key, value, ttlMs } of pending) {
      await this.link
        .command('SET', key, value, 'PX', Math.ceil(ttlMs))
        .catch(() => this.#queueRecord(key, value, ttlMs))
    }
    if (pending.length) this.#o.log(`${pending.length} calls delivered while Redis was away recorded`)
  }
}
