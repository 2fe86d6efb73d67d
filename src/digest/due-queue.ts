import type { TimerClock } from '../common/timer-clock'

/**
 * When each group is due, in a binary heap, behind a single timer set for the earliest: a thousand open groups
 * cost one timer, and scheduling is O(log n). An entry whose group has been rescheduled or closed meanwhile is
 * stale: `due` checks it against the group and skips it.
 */
export class DueQueue {
  readonly #heap: Array<{ at: number; key: string }> = []
  #timer: unknown
  #armedAt = Number.POSITIVE_INFINITY
  #held = false

  constructor(
    private readonly clock: TimerClock,
    /** the group was due at `at` (it checks the entry still holds) */
    private readonly due: (key: string, at: number) => void,
  ) {}

  schedule(key: string, at: number): void {
    const heap = this.#heap
    heap.push({ at, key })
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (heap[parent].at <= heap[i].at) break
      ;[heap[parent], heap[i]] = [heap[i], heap[parent]]
      i = parent
    }
    if (at < this.#armedAt) this.#arm()
  }

  /** Holds the timer (paused, stopped): entries stay, nothing fires. */
  hold(): void {
    this.#held = true
    this.#disarm()
  }

  release(): void {
    this.#held = false
    this.#arm()
  }

  get size(): number {
    return this.#heap.length
  }

  #arm(): void {
    this.#disarm()
    if (this.#held || this.#heap.length === 0) return
    const at = this.#heap[0].at
    this.#armedAt = at
    this.#timer = this.clock.setTimer(() => this.#fire(), Math.max(0, at - this.clock.now()))
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.clock.clearTimer(this.#timer)
    this.#timer = undefined
    this.#armedAt = Number.POSITIVE_INFINITY
  }

  #fire(): void {
    this.#timer = undefined
    this.#armedAt = Number.POSITIVE_INFINITY
    const now = this.clock.now()
    while (!this.#held && this.#heap.length > 0 && this.#heap[0].at <= now) {
      const { key, at } = this.#pop()
      this.due(key, at)
    }
    if (this.#timer === undefined) this.#arm()
  }

  #pop(): { at: number; key: string } {
    const heap = this.#heap
    const top = heap[0]
    const last = heap.pop()!
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      for (;;) {
        const left = 2 * i + 1
        const right = left + 1
        let least = i
        if (left < heap.length && heap[left].at < heap[least].at) least = left
        if (right < heap.length && heap[right].at < heap[least].at) least = right
        if (least === i) break
        ;[heap[least], heap[i]] = [heap[i], heap[least]]
        i = least
      }
    }
    return top
  }
}
