import type { StateStore } from '../state/state-store'
import type { OutboxEntry, OutboxStorage } from './outbox'

/**
 * An outbox kept in the package's state store (a file under Node-RED's user directory by default): all its entries
 * under one key, written whole, which the store makes atomic (a crash leaves the last complete write). Changes made
 * while a write is going on are written together by the next one (one write per burst, not one per change: each
 * write is flushed to disk), and each change's promise resolves once a write that holds it is done.
 * Each entry is written as it was last saved: copies are kept, since the outbox changes its own entries before it
 * saves them (an answer clears `inFlight` before the delivery is recorded), and the write of another entry meanwhile
 * must not record that change early (a crash would then leave a delivered request not in flight: not sent again at
 * start but only after its answer timeout).
 */
export class StateOutboxStorage implements OutboxStorage {
  readonly #entries = new Map<string, OutboxEntry>()
  /** the write going on */
  #current: Promise<void> | undefined
  /** the write that follows it, which every change asked meanwhile waits for */
  #next: Promise<void> | undefined

  constructor(
    private readonly store: StateStore,
    private readonly key: string,
  ) {}

  async load(): Promise<OutboxEntry[]> {
    const stored = await this.store.read<OutboxEntry[]>(this.key)
    this.#entries.clear()
    for (const entry of Array.isArray(stored?.value) ? stored.value : []) {
      if (entry && typeof entry.id === 'string' && entry.request && typeof entry.request.url === 'string') {
        this.#entries.set(entry.id, entry)
      }
    }
    return [...this.#entries.values()].map((entry) => structuredClone(entry))
  }

  save(entry: OutboxEntry): Promise<void> {
    this.#entries.set(entry.id, structuredClone(entry))
    return this.#flush()
  }

  remove(id: string): Promise<void> {
    if (!this.#entries.delete(id)) return Promise.resolve()
    return this.#flush()
  }

  /** A write holding every change made so far: the one not started yet, else a new one after the current. */
  #flush(): Promise<void> {
    if (this.#next) return this.#next
    const write: Promise<void> = Promise.resolve(this.#current)
      .catch(() => {})
      .then(async () => {
        // From here on, a change goes into the write after this one.
        this.#next = undefined
        this.#current = write
        try {
          await this.store.write(this.key, [...this.#entries.values()])
        } finally {
          if (this.#current === write) this.#current = undefined
        }
      })
    this.#next = write
    return write
  }
}
