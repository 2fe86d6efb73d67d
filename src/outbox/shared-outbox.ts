import {
  applyAnswer,
  DEFAULT_LIMITS,
  deadBeyondLimits,
  type OutboxEntry,
  type OutboxLimits,
  type OutboxOutcome,
  type OutboxRequest,
  type Settled,
} from './outbox'

/**
 * Where the entries of an outbox shared by several instances live, with one claim per entry: only the instance
 * holding an entry's claim sends it, and a write of an entry is refused while another instance holds its claim.
 * Claims expire unless prolonged, so that an instance that dies lets its entries go.
 */
export interface SharedOutboxStore {
  /** every entry kept */
  all(): Promise<OutboxEntry[]>
  /** records a new entry under a new claim of this instance; false when the id is kept already */
  create(entry: OutboxEntry, dueAt: number, claimMs: number): Promise<boolean>
  /**
   * Writes an entry kept; `dueAt`: when the leader looks at it again (undefined: a dead letter, never); `release`:
   * gives this instance's claim back in the same step. False when another instance holds its claim, or it is gone.
   */
  update(entry: OutboxEntry, dueAt: number | undefined, release: boolean): Promise<boolean>
  /** forgets an entry: `claimed`, only unless another instance holds its claim (its claim then goes too) */
  remove(id: string, claimed: boolean): Promise<boolean>
  /** claims up to `max` entries due by `now` that nobody holds, for `claimMs`; answers them */
  claimDue(now: number, claimMs: number, max: number): Promise<OutboxEntry[]>
  /** prolongs this instance's claims on `ids`; answers those it still holds */
  renew(ids: string[], claimMs: number): Promise<string[]>
}

export interface SharedOutboxOptions {
  store: SharedOutboxStore
  /** whether this instance leads now: the leader sends retries that fall due and what a dead instance left */
  leading(): boolean
  send(entry: OutboxEntry): void
  limits?: Partial<OutboxLimits>
  /** how long a claim holds unless prolonged (the lease time: a dead instance's entries go on within about that) */
  claimMs: number
  /** how often the leader looks for entries due (default 500 ms) */
  pollMs?: number
  /** how often the view of every entry is read again (default 5 s) */
  refreshMs?: number
  /** entries claimed at most per look */
  batch?: number
  now?: () => number
  /** a monotonic clock: a claim counts from when it was asked, and only while this process surely still holds it */
  monotonic?: () => number
  random?: () => number
  warn(message: string): void
  /** the view changed (the node's status) */
  changed?(): void
}

/** Time kept in hand against the clocks of Redis and this process drifting apart. */
const CLAIM_MARGIN_MS = 200

/**
 * An outbox whose entries are shared by the instances running the same flows (kept in Redis): an entry is sent
 * only by the instance that holds its claim, so that no request goes out from two instances at once. A new request
 * is sent at once by the instance it came to; its claim is prolonged while the send waits for its answer (up to the
 * answer timeout), and the answer's write gives it back. Retries that fall due, and requests whose sender died or
 * never got an answer (their claim ran out), are sent by the leader. While the store cannot be reached, new requests
 * are refused (the flow hears it): keeping them here would lose them with this process.
 */
export class SharedOutbox {
  readonly #o: SharedOutboxOptions
  readonly #limits: OutboxLimits
  readonly #now: () => number
  readonly #monotonic: () => number
  /** what every entry was at the last read (the operator's view, the metrics) */
  #view = new Map<string, OutboxEntry>()
  /** entries this instance sent and holds the claim of, until their answer, with when they went out */
  readonly #held = new Map<string, { entry: OutboxEntry; sentAt: number }>()
  #poll: NodeJS.Timeout | undefined
  #renewal: NodeJS.Timeout | undefined
  #lastRefresh = Number.NEGATIVE_INFINITY
  #looking: Promise<void> | undefined
  #stopped = false

  constructor(options: SharedOutboxOptions) {
    this.#o = options
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits }
    this.#now = options.now ?? Date.now
    this.#monotonic = options.monotonic ?? (() => performance.now())
  }

  /** Reads what is kept (failing quietly while the store is away) and starts looking for what falls due. */
  async start(): Promise<void> {
    if (this.#poll || this.#stopped) return
    const every = this.#o.pollMs ?? 500
    this.#poll = setInterval(() => void this.look(), every)
    this.#poll.unref?.()
    this.#renewal = setInterval(() => void this.#renew(), Math.max(50, this.#o.claimMs / 3))
    this.#renewal.unref?.()
    await this.look(true)
  }

  /** Stops sending. Claims held are left to run out: their requests may still be on their way. */
  stop(): void {
    this.#stopped = true
    clearInterval(this.#poll)
    clearInterval(this.#renewal)
    this.#held.clear()
  }

  /**
   * Reads the view again when its time comes (or `everything`: this instance just took the lead) and, when leading,
   * sends what fell due. One look at a time.
   */
  look(everything = false): Promise<void> {
    if (this.#stopped) return Promise.resolve()
    if (this.#looking) return this.#looking
    this.#looking = this.#lookOnce(everything)
      .catch((error: Error) => this.#o.warn(`cannot read the shared outbox: ${error.message}`))
      .finally(() => (this.#looking = undefined))
    return this.#looking
  }

  async #lookOnce(everything: boolean): Promise<void> {
    const refreshMs = this.#o.refreshMs ?? 5000
    if (everything || this.#monotonic() - this.#lastRefresh >= refreshMs) await this.#refresh()
    if (!this.#o.leading()) return
    const asked = this.#monotonic()
    const due = await this.#o.store.claimDue(this.#now(), this.#o.claimMs, this.#o.batch ?? 100)
    for (const entry of due) {
      if (entry.dead) continue
      this.#view.set(entry.id, entry)
      await this.#send(entry, asked)
    }
    if (due.length) this.#o.changed?.()
  }

  async #refresh(): Promise<void> {
    const entries = await this.#o.store.all()
    this.#lastRefresh = this.#monotonic()
    this.#view = new Map(entries.map((entry) => [entry.id, this.#held.get(entry.id)?.entry ?? entry]))
    if (this.#o.leading()) await this.#boundDead()
    this.#o.changed?.()
  }

  /**
   * A new request: recorded under this instance's claim, then sent. An id already kept is not added twice (the same
   * event handed over again, maybe to the other instance): answers false.
   */
  async add(node: string, id: string, request: OutboxRequest): Promise<boolean> {
    const now = this.#now()
    const entry: OutboxEntry = { id, node, request, createdAt: now, attempts: 0, nextAt: now }
    const asked = this.#monotonic()
    if (!(await this.#o.store.create(entry, now, this.#o.claimMs))) return false
    this.#view.set(id, entry)
    await this.#send(entry, asked)
    return true
  }

  /** Sends an entry this instance just claimed (at `asked`): recorded as in flight, then out if the claim holds. */
  async #send(entry: OutboxEntry, asked: number): Promise<void> {
    if (this.#stopped) return
    const now = this.#now()
    entry.attempts++
    entry.inFlight = true
    entry.nextAt = now + this.#limits.answerTimeoutMs
    // Due at once for the leader's look, but only once its claim runs out: the sender died, or never got an answer.
    if (!(await this.#o.store.update(entry, now, false))) return
    // Paused past the claim's time: the other instance may have sent it meanwhile, and the leader will if not.
    if (this.#monotonic() >= asked + this.#o.claimMs - CLAIM_MARGIN_MS) return
    this.#held.set(entry.id, { entry, sentAt: this.#monotonic() })
    this.#o.send(entry)
  }

  /** Prolongs the claims of sends still waiting for their answer; lets go of those past the answer timeout. */
  async #renew(): Promise<void> {
    const now = this.#monotonic()
    const waiting = [...this.#held].filter(([, held]) => now - held.sentAt < this.#limits.answerTimeoutMs)
    for (const [id] of this.#held) if (!waiting.some(([waitingId]) => waitingId === id)) this.#held.delete(id)
    if (!waiting.length) return
    let kept: string[]
    try {
      kept = await this.#o.store.renew(
        waiting.map(([id]) => id),
        this.#o.claimMs,
      )
    } catch {
      // Not prolonged: tried again at the next turn; meanwhile the claims may run out, and the leader resend.
      return
    }
    for (const [id] of waiting) if (!kept.includes(id)) this.#held.delete(id)
  }

  /** The destination's answer to the last send of `id`: written with the claim given back in the same step. */
  async answered(id: string, outcome: OutboxOutcome): Promise<Settled | undefined> {
    const entry = this.#held.get(id)?.entry ?? this.#view.get(id)
    this.#held.delete(id)
    if (!entry || entry.dead) return undefined
    const settled = applyAnswer(entry, outcome, this.#limits, this.#now(), this.#o.random)
    let recorded = true
    if (settled === 'delivered') {
      await this.#o.store.remove(id, true)
      this.#view.delete(id)
    } else if (await this.#o.store.update(entry, settled === 'dead' ? undefined : entry.nextAt, true)) {
      this.#view.set(id, entry)
    } else {
      // Another instance holds it now, or it was dropped: what becomes of it is not this answer's to say.
      recorded = false
    }
    this.#o.changed?.()
    return recorded ? settled : undefined
  }

  /** Sends `id` (or every entry) again now, from either instance: written, the leader sends it. */
  async retryNow(id?: string): Promise<number> {
    await this.#refresh()
    const now = this.#now()
    let count = 0
    for (const entry of this.#chosen(id)) {
      if (entry.dead) {
        delete entry.dead
        entry.attempts = 0
        entry.createdAt = now
      }
      // One in flight (its claim held, here or on the other instance) goes on as it is.
      if (entry.inFlight) continue
      entry.nextAt = now
      if (await this.#o.store.update(entry, now, false)) count++
    }
    void this.look()
    return count
  }

  /** Forgets `id` (or every entry, or every dead letter with `deadOnly`), from either instance. */
  async drop(id?: string, { deadOnly = false } = {}): Promise<number> {
    await this.#refresh()
    let count = 0
    for (const entry of this.#chosen(id).filter((e) => !deadOnly || e.dead)) {
      if (await this.#o.store.remove(entry.id, false)) count++
      this.#view.delete(entry.id)
      this.#held.delete(entry.id)
    }
    this.#o.changed?.()
    return count
  }

  #chosen(id: string | undefined): OutboxEntry[] {
    return id === undefined ? [...this.#view.values()] : [this.#view.get(id)].filter((e) => e !== undefined)
  }

  /** What is kept (as last read), for the operator's view: pending entries by when they are due, dead letters newest first. */
  list(): { pending: OutboxEntry[]; dead: OutboxEntry[] } {
    const all = [...this.#view.values()]
    return {
      pending: all.filter((e) => !e.dead).sort((a, b) => a.nextAt - b.nextAt),
      dead: all.filter((e) => e.dead).sort((a, b) => (b.dead?.at ?? 0) - (a.dead?.at ?? 0)),
    }
  }

  /** The leader keeps the dead letters within their limits (count and bytes): the oldest go, said in the log. */
  async #boundDead(): Promise<void> {
    const { drop, warning } = deadBeyondLimits(this.list().dead, this.#limits)
    for (const entry of drop) {
      await this.#o.store.remove(entry.id, true)
      this.#view.delete(entry.id)
    }
    if (warning) this.#o.warn(warning)
  }
}
