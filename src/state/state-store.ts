/**
 * State a node keeps across restarts of Node-RED (a catch-up cursor, a snapshot of XO's objects), behind one small
 * interface: a file per key under Node-RED's user directory by default, so that a shared store can take its place
 * when two Node-REDs run the same flows.
 */
export interface Stored<T> {
  value: T
  /** increases by one on every write of the key; compare-and-set checks it */
  version: number
}

export interface StateStore {
  /** undefined when the key was never written, was deleted, or what was stored cannot be read (said once) */
  read<T>(key: string): Promise<Stored<T> | undefined>
  /** writes unconditionally; resolves with the new version */
  write<T>(key: string, value: T): Promise<number>
  /**
   * Writes only if the key is still at `expected` (undefined: absent); resolves with the new version, or undefined
   * when another writer came first (nothing written).
   */
  compareAndSet<T>(key: string, expected: number | undefined, value: T): Promise<number | undefined>
  delete(key: string): Promise<void>
}

/** Runs one operation per key at a time, in call order: what makes compare-and-set atomic within a process. */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>()

  run<T>(key: string, operation: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve()
    const result = previous.then(operation, operation)
    const tail = result.catch(() => {})
    this.#tails.set(key, tail)
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    })
    return result
  }
}

/** Kept in memory: for tests, and where Node-RED has no user directory. */
export class MemoryStateStore implements StateStore {
  readonly #entries = new Map<string, { json: string; version: number }>()
  readonly #queue = new KeyedQueue()

  async read<T>(key: string): Promise<Stored<T> | undefined> {
    const entry = this.#entries.get(key)
    // A copy, as a file would give: a caller changing what it read changes nothing stored.
    return entry && { value: JSON.parse(entry.json) as T, version: entry.version }
  }

  write<T>(key: string, value: T): Promise<number> {
    return this.#queue.run(key, async () => this.#put(key, value))
  }

  compareAndSet<T>(key: string, expected: number | undefined, value: T): Promise<number | undefined> {
    return this.#queue.run(key, async () =>
      this.#entries.get(key)?.version === expected ? this.#put(key, value) : undefined,
    )
  }

  async delete(key: string): Promise<void> {
    await this.#queue.run(key, async () => void this.#entries.delete(key))
  }

  #put(key: string, value: unknown): number {
    const version = (this.#entries.get(key)?.version ?? 0) + 1
    this.#entries.set(key, { json: JSON.stringify(value), version })
    return version
  }
}
