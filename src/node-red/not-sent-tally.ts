/**
 * What a destination node did not send, counted by reason: its status shows each count ("8 requests · 2 not
 * for PagerDuty change events") and its log says why the first time each reason comes up, with the event it
 * was about. Plain: the node gives the words of each reason and where to write.
 */
export class NotSentTally {
  readonly #counts = new Map<string, number>()
  readonly #words: (reason: string, count: number) => string
  readonly #log: (line: string) => void

  constructor(words: (reason: string, count: number) => string, log: (line: string) => void) {
    this.#words = words
    this.#log = log
  }

  /** Counts `events` (one by default) not sent for `reason`; `about` names the (first) event, for the log line. */
  add(reason: string, about: string, events = 1): void {
    const before = this.#counts.get(reason) ?? 0
    this.#counts.set(reason, before + events)
    if (before === 0)
      this.#log(`not sent (${this.#words(reason, 1)}): ${about}; further ones are counted in the status`)
  }

  get total(): number {
    let total = 0
    for (const count of this.#counts.values()) total += count
    return total
  }

  /** `· 2 not for PagerDuty change events · 1 snapshot, not a VM`, most frequent first; '' when all was sent. */
  suffix(): string {
    return [...this.#counts]
      .sort((a, b) => b[1] - a[1])
      .map(([reason, count]) => ` · ${this.#words(reason, count)}`)
      .join('')
  }
}
