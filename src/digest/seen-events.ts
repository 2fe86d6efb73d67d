/**
 * The event ids a digest has gathered lately, to refuse one delivered twice (a call replayed from XO's audit log
 * minutes later, a change seen again after a restart): each for `keepMs` after it came, the latest `max` of them
 * across every group (a quarter more between two clean-ups, the oldest forgotten first), so that what a snapshot
 * keeps stays small however busy the groups.
 */
export class SeenEvents {
  // Insertion order is arrival order and every entry lives as long: the oldest to forget is always first.
  readonly #until = new Map<string, number>()

  constructor(
    private readonly keepMs: number,
    private readonly max = 10_000,
  ) {}

  /** Whether `id` came lately (what a snapshot would keep). */
  has(id: string, now: number): boolean {
    const until = this.#until.get(id)
    return until !== undefined && until > now
  }

  add(id: string, now: number): void {
    this.#until.delete(id)
    this.#until.set(id, now + this.keepMs)
    // By a quarter at once: a map whose first entries were deleted one by one is slow to walk from its start.
    if (this.#until.size > this.max + this.max / 4) this.#forget(now)
  }

  /** The ids still refused, each with until when (ms), oldest first: for a snapshot. */
  list(now: number): Array<[string, number]> {
    this.#forget(now)
    return [...this.#until]
  }

  /** What a snapshot kept, before anything else is added. */
  restore(entries: ReadonlyArray<[string, number]>, now: number): void {
    for (const entry of entries) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !(entry[1] > now)) continue
      this.#until.delete(entry[0])
      this.#until.set(entry[0], entry[1])
    }
    this.#forget(now)
  }

  #forget(now: number): void {
    for (const [id, until] of this.#until) {
      if (until > now && this.#until.size <= this.max) break
      this.#until.delete(id)
    }
  }
}
