/**
 * Holds the `created` event of a VM until XO has finished making it. XO shows a new VM before it is complete:
 * vm.create's VM appears with its template's VIF, then loses it, gets its own VIFs and its `creation` record
 * (who made it) within a few hundred milliseconds; a VM may also be deleted before it is complete (a failed
 * creation, a backup's temporary VM). A creation goes out once its object has been quiet for `quietMs` (at most
 * `maxMs` after it appeared), as it then is; one removed meanwhile never goes out, nor does its removal.
 */
export interface SettlingOptions {
  quietMs: number
  maxMs: number
  now?: () => number
}

interface Held {
  appeared: number
  timer: NodeJS.Timeout
  emit: () => void
}

export class SettlingCreations {
  readonly #held = new Map<string, Held>()
  readonly #quietMs: number
  readonly #maxMs: number
  readonly #now: () => number

  constructor(options: SettlingOptions) {
    this.#quietMs = options.quietMs
    this.#maxMs = options.maxMs
    this.#now = options.now ?? Date.now
  }

  get size(): number {
    return this.#held.size
  }

  has(id: string): boolean {
    return this.#held.has(id)
  }

  /** Holds the creation of `id`; `emit` sends it, reading the object as it is then. */
  hold(id: string, emit: () => void): void {
    this.release(id)
    const appeared = this.#now()
    this.#held.set(id, { appeared, emit, timer: setTimeout(() => this.release(id), this.#quietMs) })
  }

  /** A change of `id`: while it is held, its quiet time starts again, within `maxMs` of its appearance. */
  changed(id: string): void {
    const held = this.#held.get(id)
    if (!held) return
    clearTimeout(held.timer)
    const left = held.appeared + this.#maxMs - this.#now()
    held.timer = setTimeout(() => this.release(id), Math.max(0, Math.min(this.#quietMs, left)))
  }

  /** Sends the creation of `id` now, if held: before any other event of it, so that events keep XO's order. */
  release(id: string): void {
    const held = this.#held.get(id)
    if (!held) return
    clearTimeout(held.timer)
    this.#held.delete(id)
    held.emit()
  }

  /** `id` was removed: its creation is dropped; true when one was held. */
  drop(id: string): boolean {
    const held = this.#held.get(id)
    if (!held) return false
    clearTimeout(held.timer)
    this.#held.delete(id)
    return true
  }

  /** Forgets every creation held, sending none (the node closes and keeps them to be found at its next start). */
  clear(): void {
    for (const held of this.#held.values()) clearTimeout(held.timer)
    this.#held.clear()
  }

  /** Sends every creation held (the node closes: what is known goes out rather than nothing). */
  releaseAll(): void {
    for (const id of [...this.#held.keys()]) this.release(id)
  }
}
