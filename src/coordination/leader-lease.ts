import { EventEmitter } from 'node:events'
import type { RedisLink } from './redis-link'

export type LeaseRole =
  | { role: 'leader'; token: number }
  | { role: 'follower'; holder?: string }
  | { role: 'unknown'; reason: string }

export interface LeaderLeaseOptions {
  link: Pick<RedisLink, 'command' | 'up' | 'on' | 'off'>
  /** the lease's key; `<key>:fence` counts its fencing tokens */
  key: string
  /** who this is (unique per process): shown to the other instance */
  instance: string
  ttlMs?: number
  /** how long after it starts this instance is cold (default: the lease time) */
  warmAfterMs?: number
  /** a monotonic clock in ms (a paused process sees it jump: what keeps it from acting on a lost lease) */
  now?: () => number
}

export const LEASE_TTL_MS = 10_000
/** Time kept in hand against the clocks of Redis and this process drifting apart. */
const MARGIN_MS = 500
const FOLLOWER_RETRY_MS = 1_000
/**
 * How long an instance whose link to Redis just came back leaves a free lease to the instance that led last, at
 * least: that one's link comes back within its reconnection delay (2 s at most) of this one's.
 */
const DEFER_TO_LAST_MS = 3_000

// Takes the lease when free, prolongs it when held by this instance. Answers the fencing token (a new one at each
// taking), or minus the milliseconds to wait: what the other holder still has; while a warm follower is alive and
// this instance is cold, what that follower's word still has; while this instance defers to the last leader, what
// its deferring still has. KEYS[1]: the lease, KEYS[2]: its fencing counter, KEYS[3]: a warm follower's word,
// KEYS[4]: who took the lease last. ARGV[1]: this instance, ARGV[2]: the lease time, ARGV[3]: '1' when this instance
// is warm (a warm follower says so for the lease time), ARGV[4]: the ms this instance still defers to the last
// leader ('0': it does not).
const TAKE = `
local held = redis.call('GET', KEYS[1])
if held then
  local who, token = string.match(held, '^(.*)|(%d+)$')
  if who == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return tonumber(token)
  end
  if ARGV[3] == '1' then redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2]) end
  return -math.max(redis.call('PTTL', KEYS[1]), 1)
end
local last = redis.call('GET', KEYS[4])
if tonumber(ARGV[4]) > 0 and last and last ~= ARGV[1] then return -tonumber(ARGV[4]) end
if ARGV[3] ~= '1' then
  local warm = redis.call('PTTL', KEYS[3])
  if warm > 0 then return -warm end
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
redis.call('SET', KEYS[4], ARGV[1])
return token`

/** Deletes KEYS[1] only if it still holds ARGV[1]: a lease or a lock given back by its holder, never another's. */
export const DELETE_IF_HELD = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`

/**
 * Who leads, among the instances sharing one Redis, for one XO connection. The leader prolongs its lease every
 * third of its time; the others try again as soon as it would run out. An instance is cold for a lease time after it
 * starts (it has not watched XO's objects long enough to know what the last leader may have missed): while a warm
 * follower says in Redis that it is alive, a cold instance does not take a free lease, so that a supervisor
 * restarting the dead leader at once does not hand the lead to the instance that knows least. A cold instance alone
 * (the other dead too) takes it once that word runs out, within the lease time after the other's last word. When
 * Redis comes back after an outage (a restart, a failover), the instance that led last takes the free lease first;
 * the others leave it to it for a few seconds (it knows what it sent that Redis never recorded), then take it if it
 * did not come back. A leader counts its lease from when it asked for it, less a margin, on a monotonic clock:
 * paused or cut off from Redis past that, it knows it is no longer the leader before anyone else may take over, and
 * stops acting. Each taking gets a new fencing token, which shared writes check (`holder`), so a former leader's
 * late write is refused by Redis itself.
 */
export class LeaderLease extends EventEmitter {
  readonly #o: Required<Omit<LeaderLeaseOptions, 'now' | 'warmAfterMs'>> & { now: () => number; warmAfterMs?: number }
  #startedAt: number | undefined
  #role: LeaseRole = { role: 'unknown', reason: 'starting' }
  #validUntil = 0
  #timer: NodeJS.Timeout | undefined
  #expiry: NodeJS.Timeout | undefined
  #stopped = false
  #trying: Promise<void> | undefined
  /** whether the link to Redis was up once since this instance started */
  #linkWasUp = false
  /** until when (monotonic ms) this instance leaves a free lease to the instance that led last */
  #deferUntil = -Infinity

  constructor(options: LeaderLeaseOptions) {
    super()
    this.#o = { ttlMs: LEASE_TTL_MS, now: () => performance.now(), ...options }
  }

  get role(): LeaseRole {
    return this.#role
  }

  /** The leader's fencing token while the lease is surely still its own, else undefined. */
  get token(): number | undefined {
    return this.#role.role === 'leader' && this.#o.now() < this.#validUntil ? this.#role.token : undefined
  }

  /** Whether this instance may act as the leader right now. */
  get leading(): boolean {
    return this.token !== undefined
  }

  /** What the lease key holds while this instance leads: shared writes compare it. */
  get holder(): string | undefined {
    const token = this.token
    return token === undefined ? undefined : `${this.#o.instance}|${token}`
  }

  get key(): string {
    return this.#o.key
  }

  /** Whether this instance has run for long enough to lead rather than a warm follower (see the class). */
  get warm(): boolean {
    return this.#startedAt !== undefined && this.#o.now() - this.#startedAt >= (this.#o.warmAfterMs ?? this.#o.ttlMs)
  }

  start(): void {
    this.#startedAt = this.#o.now()
    this.#linkWasUp = this.#o.link.up
    this.#o.link.on('state', this.#onLink)
    this.#attempt()
  }

  /** Stops; gives the lease back when held, so the other instance takes over at once. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    clearTimeout(this.#expiry)
    this.#o.link.off('state', this.#onLink)
    await this.#trying
    const holder = this.#role.role === 'leader' ? `${this.#o.instance}|${this.#role.token}` : undefined
    this.#set({ role: 'unknown', reason: 'stopped' })
    if (holder && this.#o.link.up)
      await this.#o.link.command('EVAL', DELETE_IF_HELD, 1, this.#o.key, holder).catch(() => {})
  }

  readonly #onLink = (state: { up: boolean; reason?: string }) => {
    // Cut off from Redis, a leader stops acting at once: it could not record what it does. Back, it takes the lease
    // again if nobody else did meanwhile (the same token: it never stopped being the holder).
    if (state.up) {
      // Redis came back (restarted, or failed over): the lease may have run out meanwhile. The instance that led
      // last is alive too, most likely, and knows what it sent that Redis never recorded; the others leave the free
      // lease to it for a while, so that a Redis outage does not also move the lead.
      if (this.#linkWasUp) this.#deferUntil = this.#o.now() + Math.max(this.#o.ttlMs, DEFER_TO_LAST_MS)
      this.#linkWasUp = true
      this.#attempt()
    } else {
      this.#set({ role: 'unknown', reason: `Redis: ${state.reason}` })
    }
  }

  #attempt(): void {
    if (this.#stopped || this.#trying) return
    clearTimeout(this.#timer)
    this.#trying = this.#take().finally(() => (this.#trying = undefined))
  }

  async #take(): Promise<void> {
    const asked = this.#o.now()
    let answer: number
    try {
      const keys = [this.#o.key, `${this.#o.key}:fence`, `${this.#o.key}:warm`, `${this.#o.key}:last`]
      const defer = Math.max(0, Math.ceil(this.#deferUntil - asked))
      answer = Number(
        await this.#o.link.command(
          'EVAL',
          TAKE,
          keys.length,
          ...keys,
          this.#o.instance,
          this.#o.ttlMs,
          this.warm ? '1' : '',
          defer,
        ),
      )
    } catch (error) {
      if (this.#stopped) return
      // Still the leader until the lease counted from the last renewal runs out; then nobody here acts.
      if (this.#role.role !== 'leader') this.#set({ role: 'unknown', reason: `Redis: ${(error as Error).message}` })
      this.#schedule(Math.min(1_000, this.#o.ttlMs / 3))
      return
    }
    if (this.#stopped) return
    if (answer > 0) {
      this.#validUntil = asked + this.#o.ttlMs - MARGIN_MS
      if (this.#role.role !== 'leader' || this.#role.token !== answer) this.#set({ role: 'leader', token: answer })
      clearTimeout(this.#expiry)
      this.#expiry = setTimeout(() => this.#expired(), Math.max(0, this.#validUntil - this.#o.now()))
      this.#expiry.unref?.()
      this.#schedule(this.#o.ttlMs / 3)
    } else {
      if (this.#role.role !== 'follower') this.#set({ role: 'follower' })
      // Tried again as the other holder's time runs out, and at least every second: a leader that stops cleanly
      // gives the lease back, and is replaced within that second.
      this.#schedule(Math.min(-answer + 5, FOLLOWER_RETRY_MS))
    }
  }

  /** The lease ran out without a renewal (Redis unreachable, or this process was paused). */
  #expired(): void {
    if (this.#role.role !== 'leader') return
    const left = this.#validUntil - this.#o.now()
    if (left > 0) {
      // Timers may fire a little early against the monotonic clock: wait for the real end (or a renewal).
      this.#expiry = setTimeout(() => this.#expired(), Math.ceil(left))
      this.#expiry.unref?.()
      return
    }
    this.#set({ role: 'unknown', reason: 'lease not renewed in time' })
    this.#attempt()
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => this.#attempt(), delayMs)
    this.#timer.unref?.()
  }

  #set(role: LeaseRole): void {
    this.#role = role
    this.emit('role', role)
  }
}
