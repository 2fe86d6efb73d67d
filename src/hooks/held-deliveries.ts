import { systemClock, type TimerClock } from '../common/timer-clock'

/** How long a delivery may be held: `limitMs` from `arrived`, when it came in (ms since the epoch). */
export interface HoldLimit {
  arrived: number
  limitMs: number
}

/**
 * When a held delivery is let go at the latest. XO's own wait runs from when it sent the delivery, so the gate's
 * runs from its arrival: the time spent reading its body, or waiting for a redeployed node, is not added to it.
 */
export function releaseDeadline({ arrived, limitMs }: HoldLimit): number {
  return arrived + limitMs
}

/**
 * Pre deliveries that XO is waiting on (`waitForResponse`), until the flow lets XO proceed. Every one is
 * released: by the flow, by its deadline (below XO's own ~10 s), or all at once when the node closes.
 */
export class HeldDeliveries {
  #held = new Map<string, { answer: (how: 'released' | 'timeout' | 'closed') => void; timer: unknown }>()

  constructor(private readonly clock: TimerClock = systemClock) {}

  get size(): number {
    return this.#held.size
  }

  /** Holds `key` until released, or until its deadline (at once if that has passed); returns the deadline. */
  hold(key: string, answer: (how: 'released' | 'timeout' | 'closed') => void, limit: HoldLimit): number {
    this.#finish(key, 'closed') // a repeated key must not leave the first one hanging
    const deadline = releaseDeadline(limit)
    const timer = this.clock.setTimer(() => this.#finish(key, 'timeout'), Math.max(0, deadline - this.clock.now()))
    this.#held.set(key, { answer, timer })
    return deadline
  }

  /** Lets XO go on with that call; false when it was not (or no longer) held. */
  release(key: string): boolean {
    return this.#finish(key, 'released')
  }

  releaseAll(): void {
    for (const key of [...this.#held.keys()]) this.#finish(key, 'closed')
  }

  #finish(key: string, how: 'released' | 'timeout' | 'closed'): boolean {
    const entry = this.#held.get(key)
    if (!entry) return false
    this.#held.delete(key)
    this.clock.clearTimer(entry.timer)
    entry.answer(how)
    return true
  }
}
