import type { HookPre } from './delivery'

/**
 * Remembers pre deliveries until their post arrives, so a post message can carry its pre. Bounded in count and
 * age: a post may never come (XO stopped, the call hangs), and callIds are random, not guaranteed unique.
 */
export class PreCallMemory {
  #entries = new Map<string, { pre: HookPre; at: number }>()
  constructor(
    readonly maxEntries = 10_000,
    readonly maxAgeMs = 60 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#entries.size
  }

  remember(pre: HookPre): void {
    const key = keyOf(pre.method, pre.callId)
    this.#entries.delete(key) // re-insert at the end: Map order is the eviction order
    this.#entries.set(key, { pre, at: this.now() })
    if (this.#entries.size > this.maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value as string)
    }
  }

  /** The matching pre, forgotten once taken (each call has one post). */
  take(method: string, callId: string): HookPre | undefined {
    const key = keyOf(method, callId)
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    this.#entries.delete(key)
    return this.now() - entry.at <= this.maxAgeMs ? entry.pre : undefined
  }

  clear(): void {
    this.#entries.clear()
  }
}

function keyOf(method: string, callId: string): string {
  return `${method}\n${callId}`
}
