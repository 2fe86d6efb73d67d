import type { TimerClock } from '../../src/common/timer-clock'

/** A clock the test moves: timers run when their time comes, in order; `pending` says how many are set. */
export class FakeClock implements TimerClock {
  #timers: Array<{ fn: () => void; due: number }> = []

  constructor(public at = Date.UTC(2026, 10, 30, 8, 0, 0)) {}

  now = () => this.at
  setTimer = (fn: () => void, ms: number) => {
    const timer = { fn, due: this.at + ms }
    this.#timers.push(timer)
    return timer
  }
  clearTimer = (timer: unknown) => {
    this.#timers = this.#timers.filter((t) => t !== timer)
  }
  get pending(): number {
    return this.#timers.length
  }

  advance(ms: number): void {
    const until = this.at + ms
    for (let next = this.#next(until); next; next = this.#next(until)) next.fn()
    this.at = until
  }

  /** As `advance`, letting what each timer started (promises, I/O callbacks) run before the next one. */
  async advanceSettling(ms: number): Promise<void> {
    const until = this.at + ms
    for (let next = this.#next(until); next; next = this.#next(until)) {
      next.fn()
      await new Promise((resolve) => setImmediate(resolve))
    }
    this.at = until
  }

  /** The earliest timer due by `until`, taken off, the clock set to its time. */
  #next(until: number): { fn: () => void } | undefined {
    const next = this.#timers.filter((t) => t.due <= until).sort((a, b) => a.due - b.due)[0]
    if (!next) return undefined
    this.#timers = this.#timers.filter((t) => t !== next)
    this.at = Math.max(this.at, next.due)
    return next
  }
}
