/**
 * The event ids a digest has gathered, to refuse one delivered twice (a call replayed from XO's audit log, a
 * change seen again after a restart): every id of an open group, and those of closed groups for `keepMs` after
 * they closed, at most `max` of them (the oldest forgotten first).
 */
export class SeenEvents {
  readonly #open = new Set<string>()
  // Insertion order is closing order and every entry lives as long: the oldest to forget is always first.
  readonly #closed = new Map<string, number>()

  constructor(
    private readonly keepMs: number,
    private readonly max = 100_000,
  ) {}

  has(id: string, now: number): boolean {
    if (this.#open.has(id)) return true
    const until = this.#closed.get(id)
    return until !== undefined && until > now
  }

  open(id: string): void {
    this.#open.add(id)
  }

  /** The group holding these ids closed: they are kept a while longer. */
  close(ids: Iterable<string>, now: number): void {
    for (const id of ids) {
      this.#open.delete(id)
      this.#closed.delete(id)
      this.#closed.set(id, now + this.keepMs)
    }
    this.#forget(now)
  }

  /** The ids of closed groups still kept, for a snapshot. */
  closed(now: number): Array<[string, number]> {
    this.#forget(now)
    return [...this.#closed]
  }

  restoreClosed(entries: ReadonlyArray<[string, number]>, now: number): void {
    for (const [id, until] of entries) if (until > now) this.#closed.set(id, until)
    this.#forget(now)
  }

  #forget(now: number): void {
    for (const [id, until] of this.#closed) {
      if (until > now && this.#closed.size <= this.max) break
      this.#closed.delete(id)
    }
  }
}
