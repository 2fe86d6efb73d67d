import type { HookPre } from './delivery'

export interface PreCallMemoryOptions {
  maxEntries?: number
  /** bound on the bodies kept, as delivered (JSON bytes) */
  maxBytes?: number
  maxAgeMs?: number
  now?: () => number
}

/**
 * Remembers pre deliveries until their post arrives, so a post message can carry its pre. Bounded in count,
 * bytes and age: a post may never come (XO stopped, the call hangs), callIds are random, not guaranteed unique,
 * and parameters can be large. A pre larger than a quarter of the byte bound is not kept (its post carries the
 * same parameters).
 */
export class PreCallMemory {
  #entries = new Map<string, { pre: HookPre; at: number; bytes: number }>()
  /** posts waiting for a pre that has not arrived yet, by key */
  #waiting = new Map<string, { resolve: (pre: HookPre | undefined) => void; timer: NodeJS.Timeout }>()
  #bytes = 0
  readonly maxEntries: number
  readonly maxBytes: number
  readonly maxAgeMs: number
  readonly #now: () => number

  constructor(options: PreCallMemoryOptions = {}) {
    this.maxEntries = options.maxEntries ?? 10_000
    this.maxBytes = options.maxBytes ?? 16 * 1024 * 1024
    this.maxAgeMs = options.maxAgeMs ?? 60 * 60_000
    this.#now = options.now ?? Date.now
  }

  get size(): number {
    return this.#entries.size
  }

  /** The bytes of the bodies kept. */
  get bytes(): number {
    return this.#bytes
  }

  /** Keeps `pre`, `bytes` long as delivered (or hands it to its post, already waiting for it). */
  remember(pre: HookPre, bytes: number): void {
    const key = keyOf(pre.method, pre.callId)
    const waiting = this.#waiting.get(key)
    if (waiting) {
      this.#waiting.delete(key)
      clearTimeout(waiting.timer)
      return waiting.resolve(pre)
    }
    this.#forget(key) // re-insert at the end: Map order is the eviction order
    if (bytes > this.maxBytes / 4) return
    this.#entries.set(key, { pre, at: this.#now(), bytes })
    this.#bytes += bytes
    while (this.#entries.size > this.maxEntries || this.#bytes > this.maxBytes)
      this.#forget(this.#entries.keys().next().value as string)
  }

  /** The matching pre, forgotten once taken (each call has one post). */
  take(method: string, callId: string): HookPre | undefined {
    const key = keyOf(method, callId)
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    this.#forget(key)
    return this.#now() - entry.at <= this.maxAgeMs ? entry.pre : undefined
  }

  /**
   * The matching pre, waiting up to `waitMs` for it when it has not arrived. XO sends a pre without waiting for
   * it to be received, then the post as soon as the call ends: on a busy receiver the two race, and a quick call's
   * post can be read first. A pre that never comes (Node-RED was not running, or it was too large to keep) costs its
   * post this wait. One waiter per call: a second post of the same call (XO never sends one) takes nothing.
   */
  takeOrWait(method: string, callId: string, waitMs: number): Promise<HookPre | undefined> {
    const pre = this.take(method, callId)
    const key = keyOf(method, callId)
    if (pre || !(waitMs > 0) || this.#waiting.has(key)) return Promise.resolve(pre)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(key)
        resolve(undefined)
      }, waitMs)
      this.#waiting.set(key, { resolve, timer })
    })
  }

  /** Forgets every pre; posts still waiting for theirs go on without. */
  clear(): void {
    this.#entries.clear()
    this.#bytes = 0
    for (const { resolve, timer } of this.#waiting.values()) {
      clearTimeout(timer)
      resolve(undefined)
    }
    this.#waiting.clear()
  }

  #forget(key: string): void {
    const entry = this.#entries.get(key)
    if (!entry) return
    this.#entries.delete(key)
    this.#bytes -= entry.bytes
  }
}

function keyOf(method: string, callId: string): string {
  return `${method}\n${callId}`
}
