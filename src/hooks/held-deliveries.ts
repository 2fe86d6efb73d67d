/**
 * Pre deliveries that XO is waiting on (`waitForResponse`), until the flow lets XO proceed. Every one is
 * released: by the flow, by its timeout (below XO's own ~10 s), or all at once when the node closes.
 */
export class HeldDeliveries {
  #held = new Map<string, { answer: (how: 'released' | 'timeout' | 'closed') => void; timer: NodeJS.Timeout }>()

  get size(): number {
    return this.#held.size
  }

  hold(key: string, answer: (how: 'released' | 'timeout' | 'closed') => void, timeoutMs: number): void {
    this.#finish(key, 'closed') // a repeated key must not leave the first one hanging
    const timer = setTimeout(() => this.#finish(key, 'timeout'), timeoutMs)
    this.#held.set(key, { answer, timer })
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
    clearTimeout(entry.timer)
    entry.answer(how)
    return true
  }
}
