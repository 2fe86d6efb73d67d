import { systemClock, type TimerClock } from '../common/timer-clock'
import { backoffMs } from '../destinations/outcome'

/** A request for the core `http request` node, as the destination nodes build it. */
export interface OutboxRequest {
  url: string
  method: string
  headers?: Record<string, string>
  payload?: unknown
  /** what of the message comes along for the flow after the request (its destination, its event's summary) */
  carried?: Record<string, unknown>
}

/** What the destination last answered (or why nothing did). */
export interface OutboxAnswer {
  statusCode?: number
  reason: string
  at: number
}

/** One request kept until it is delivered or has failed for good. */
export interface OutboxEntry {
  /** the idempotency key: the same on every attempt, so that a receiver that deduplicates sees one request */
  id: string
  /** the destination node that made it */
  node: string
  request: OutboxRequest
  createdAt: number
  /** sends so far */
  attempts: number
  /** when it is due (ms since the epoch) */
  nextAt: number
  /** set while a send waits for its answer: at a restart, that answer will never come */
  inFlight?: boolean
  lastAnswer?: OutboxAnswer
  /** set once it failed for good: kept as a dead letter until retried or dropped */
  dead?: { reason: string; at: number }
}

/**
 * Where entries are kept: each change is written before the outbox acts on it. Changes take effect in the order
 * they are asked (the storage takes each at once, before it writes), and a change's promise resolves once a write
 * that holds it is done: a storage may write several changes together.
 */
export interface OutboxStorage {
  load(): Promise<OutboxEntry[]>
  save(entry: OutboxEntry): Promise<void>
  remove(id: string): Promise<void>
}

/** What the destination's answer means for the entry (from `xo outcome`). */
export type OutboxOutcome =
  | { outcome: 'ok'; statusCode?: number }
  | { outcome: 'retry'; reason: string; statusCode?: number; afterMs?: number }
  | { outcome: 'failed'; reason: string; statusCode?: number }

/** What an answer made of its entry: forgotten as delivered, kept as a dead letter, or due again later. */
export type Settled = 'delivered' | 'dead' | 'retry'

export interface OutboxLimits {
  /** sends at most, the first one included */
  maxAttempts: number
  /** how long an entry is retried at most, from its creation */
  maxAgeMs: number
  /** dead letters kept at most: the oldest are dropped beyond it (said once each time) */
  maxDead: number
  /** bytes the dead letters may take at most (their JSON), counted from the newest: the oldest go beyond it */
  maxDeadBytes: number
  /** how long a send may wait for its answer before it is sent again (the flow lost the message) */
  answerTimeoutMs: number
  /** backoff of retries: exponential from `baseMs`, capped at `maxMs`, with full jitter */
  baseMs: number
  maxMs: number
}

export const DEFAULT_LIMITS: OutboxLimits = {
  maxAttempts: 10,
  maxAgeMs: 24 * 3600_000,
  maxDead: 1000,
  maxDeadBytes: 10 * 1024 * 1024,
  answerTimeoutMs: 5 * 60_000,
  baseMs: 1000,
  maxMs: 5 * 60_000,
}

/**
 * What the destination's answer makes of an entry waiting for it (changed in place): delivered (to forget), a dead
 * letter (failed for good, or out of attempts or time), or a retry due later (Retry-After when the destination gave
 * one, else an exponential backoff with jitter).
 */
export function applyAnswer(
  entry: OutboxEntry,
  outcome: OutboxOutcome,
  limits: OutboxLimits,
  now: number,
  random?: () => number,
): Settled {
  delete entry.inFlight
  if (outcome.outcome === 'ok') return 'delivered'
  entry.lastAnswer = {
    ...(outcome.statusCode !== undefined ? { statusCode: outcome.statusCode } : {}),
    reason: outcome.reason,
    at: now,
  }
  const outOfTime = now - entry.createdAt >= limits.maxAgeMs
  const outOfAttempts = entry.attempts >= limits.maxAttempts
  if (outcome.outcome === 'failed' || outOfTime || outOfAttempts) {
    const why = outcome.outcome === 'failed' ? outcome.reason : outOfTime ? 'out of time' : 'out of attempts'
    entry.dead = { reason: outcome.outcome === 'failed' ? why : `${why}: ${outcome.reason}`, at: now }
    return 'dead'
  }
  const backoff = backoffMs(entry.attempts - 1, {
    baseMs: limits.baseMs,
    maxMs: limits.maxMs,
    ...(random ? { random } : {}),
  })
  entry.nextAt = now + Math.max(outcome.afterMs ?? 0, backoff)
  return 'retry'
}

/**
 * The dead letters to drop, of `dead` (newest first), to keep within the limits: past `maxDead` of them, or once
 * together they take more than `maxDeadBytes` (a huge answer or request counts for what it is); with what to say.
 */
export function deadBeyondLimits(
  dead: readonly OutboxEntry[],
  limits: Pick<OutboxLimits, 'maxDead' | 'maxDeadBytes'>,
): { drop: OutboxEntry[]; warning?: string } {
  let bytes = 0
  const kept = dead.findIndex((entry, i) => {
    bytes += Buffer.byteLength(JSON.stringify(entry))
    return i >= limits.maxDead || bytes > limits.maxDeadBytes
  })
  if (kept === -1) return { drop: [] }
  const drop = dead.slice(kept)
  const limit = kept >= limits.maxDead ? `more than ${limits.maxDead} kept` : `over ${limits.maxDeadBytes} bytes`
  return { drop, warning: `${drop.length} oldest dead letters dropped (${limit})` }
}

/** The clock and timer the outbox schedules with (tests: a clock they move). */
export interface OutboxOptions {
  storage: OutboxStorage
  /** hands a request to the flow (on its way to the http request node); the answer comes back through `answered` */
  send(entry: OutboxEntry): void
  limits?: Partial<OutboxLimits>
  clock?: TimerClock
  random?: () => number
  warn(message: string): void
}

/**
 * Requests to destinations, kept until they are delivered: each is recorded before it is sent and forgotten only
 * once its answer says it was delivered (or it is dropped); a retry is scheduled from the answer (Retry-After when
 * the destination gave one, else an exponential backoff with jitter) and survives a restart, since the schedule is
 * part of what is recorded. A request that fails for good, or runs out of attempts or time, stays as a dead letter
 * with the last answer, until an operator retries or drops it. A send whose answer never comes (the flow lost the
 * message, Node-RED was killed mid-request) is sent again after `answerTimeoutMs`, with the same id.
 */
export class Outbox {
  readonly #o: OutboxOptions
  readonly #limits: OutboxLimits
  readonly #clock: TimerClock
  readonly #entries = new Map<string, OutboxEntry>()
  #timer: unknown
  #timerAt = Number.POSITIVE_INFINITY
  #stopped = false
  /** changes asked of the storage and not written yet (a stop waits for them) */
  readonly #writing = new Set<Promise<void>>()
  /** new requests not recorded yet */
  readonly #unrecorded = new Set<string>()
  /** what was kept is loaded: requests and answers that come before wait for it (they would be written over) */
  #loaded: Promise<void> | undefined

  constructor(options: OutboxOptions) {
    this.#o = options
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits }
    this.#clock = options.clock ?? systemClock
  }

  /**
   * Loads what was kept (a restart, a redeploy) and sends what is due, and at once what was waiting for an answer
   * when the last run stopped: that answer will never come.
   */
  start(): Promise<void> {
    this.#loaded ??= (async () => {
      const loaded = await this.#o.storage.load()
      const now = this.#clock.now()
      for (const entry of loaded) {
        if (entry.inFlight && !entry.dead) entry.nextAt = Math.min(entry.nextAt, now)
        if (!this.#entries.has(entry.id)) this.#entries.set(entry.id, entry)
      }
      this.#schedule()
    })()
    return this.#loaded
  }

  /**
   * Sends nothing more; resolves once every change is written, so that the node that takes over (a redeploy) reads
   * what this one last knew.
   */
  stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer)
    this.#timer = undefined
    return Promise.allSettled([...this.#writing]).then(() => undefined)
  }

  /**
   * A new request: recorded, then sent. An id already kept is not added twice (the same event handed over again):
   * answers false.
   */
  async add(node: string, id: string, request: OutboxRequest): Promise<boolean> {
    await this.start()
    if (this.#entries.has(id)) return false
    const now = this.#clock.now()
    const entry: OutboxEntry = { id, node, request, createdAt: now, attempts: 0, nextAt: now }
    this.#entries.set(id, entry)
    // Not sent until it is recorded: the scheduler, run by another answer meanwhile, leaves it alone till then.
    this.#unrecorded.add(id)
    try {
      await this.#write(() => this.#o.storage.save(entry))
    } catch (error) {
      this.#entries.delete(id)
      throw error
    } finally {
      this.#unrecorded.delete(id)
    }
    this.#sendNow(entry)
    this.#schedule()
    return true
  }

  /** The destination's answer to the last send of `id`. */
  async answered(id: string, outcome: OutboxOutcome): Promise<Settled | undefined> {
    await this.start()
    const entry = this.#entries.get(id)
    if (!entry || entry.dead) return undefined
    const settled = applyAnswer(entry, outcome, this.#limits, this.#clock.now(), this.#o.random)
    if (settled === 'delivered') {
      this.#entries.delete(id)
      await this.#write(() => this.#o.storage.remove(id))
      this.#schedule()
      return settled
    }
    await this.#write(() => this.#o.storage.save(entry))
    if (settled === 'dead') await this.#boundDead()
    this.#schedule()
    return settled
  }

  /** Sends `id` (or every pending and dead entry) again now; a dead letter gets its attempts back. */
  async retryNow(id?: string): Promise<number> {
    await this.start()
    const chosen =
      id === undefined ? [...this.#entries.values()] : [this.#entries.get(id)].filter((e) => e !== undefined)
    const now = this.#clock.now()
    for (const entry of chosen) {
      if (entry.dead) {
        delete entry.dead
        entry.attempts = 0
        entry.createdAt = now
      }
      entry.nextAt = now
      await this.#write(() => this.#o.storage.save(entry))
    }
    this.#schedule()
    return chosen.length
  }

  /** Forgets `id` (or every entry, or every dead letter with `deadOnly`). */
  async drop(id?: string, { deadOnly = false } = {}): Promise<number> {
    await this.start()
    const chosen = [...this.#entries.values()].filter((e) => (id === undefined || e.id === id) && (!deadOnly || e.dead))
    for (const entry of chosen) {
      this.#entries.delete(entry.id)
      await this.#write(() => this.#o.storage.remove(entry.id))
    }
    this.#schedule()
    return chosen.length
  }

  /** What is kept, for the operator's view: pending entries by when they are due, dead letters newest first. */
  list(): { pending: OutboxEntry[]; dead: OutboxEntry[] } {
    const all = [...this.#entries.values()]
    return {
      pending: all.filter((e) => !e.dead).sort((a, b) => a.nextAt - b.nextAt),
      dead: all.filter((e) => e.dead).sort((a, b) => (b.dead?.at ?? 0) - (a.dead?.at ?? 0)),
    }
  }

  #sendNow(entry: OutboxEntry): void {
    if (this.#stopped) return
    entry.attempts++
    entry.inFlight = true
    // Sent again if no answer comes: the flow dropped it. Not written: as kept, the entry was due when it went out,
    // so a process that dies before the answer is recorded sends it again at once when it starts (its attempt
    // counted once more); a write per send would cost a third more writes for nothing.
    entry.nextAt = this.#clock.now() + this.#limits.answerTimeoutMs
    this.#o.send(entry)
  }

  /** Sends what is due, and sets one timer for the next entry due. */
  #schedule(): void {
    if (this.#stopped) return
    const now = this.#clock.now()
    const due = [...this.#entries.values()].filter(
      (entry) => !entry.dead && entry.nextAt <= now && !this.#unrecorded.has(entry.id),
    )
    for (const entry of due.sort((a, b) => a.nextAt - b.nextAt)) this.#sendNow(entry)
    let next = Number.POSITIVE_INFINITY
    for (const entry of this.#entries.values()) {
      if (!entry.dead && !this.#unrecorded.has(entry.id)) next = Math.min(next, entry.nextAt)
    }
    if (next === this.#timerAt) return
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer)
    this.#timer = undefined
    this.#timerAt = next
    if (next === Number.POSITIVE_INFINITY) return
    this.#timer = this.#clock.setTimer(
      () => {
        this.#timer = undefined
        this.#timerAt = Number.POSITIVE_INFINITY
        this.#schedule()
      },
      Math.max(0, next - now),
    )
  }

  /** Keeps the dead letters within their limits (count and bytes): the oldest go, said in the log. */
  async #boundDead(): Promise<void> {
    const { drop, warning } = deadBeyondLimits(this.list().dead, this.#limits)
    for (const entry of drop) {
      this.#entries.delete(entry.id)
      await this.#write(() => this.#o.storage.remove(entry.id))
    }
    if (warning) this.#o.warn(warning)
  }

  /** Asks the storage for a change at once (it keeps their order), and keeps track of it until it is written. */
  #write(operation: () => Promise<void>): Promise<void> {
    const done = operation()
    const tracked = done.then(
      () => void this.#writing.delete(tracked),
      (error: unknown) => {
        this.#writing.delete(tracked)
        this.#o.warn(`cannot record the outbox: ${(error as Error).message}`)
      },
    )
    this.#writing.add(tracked)
    return done
  }
}
