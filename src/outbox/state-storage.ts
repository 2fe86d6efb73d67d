import type { StateStore } from '../state/state-store'
import type { OutboxEntry, OutboxStorage } from './outbox'

/**
 * An outbox kept in the package's state store (a file under Node-RED's user directory by default): all its entries
 * under one key, written whole at each change, which the store makes atomic (a crash leaves the last complete write).
 * Each entry is written as it was last saved: copies are kept, since the outbox changes its own entries before it
 * saves them (an answer clears `inFlight` before the delivery is recorded), and the write of another entry meanwhile
 * must not record that change early (a crash would then leave a delivered request not in flight: not sent again at
 * start but only after its answer timeout).
 */
export class StateOutboxStorage implements OutboxStorage {
  readonly #entries = new Map<string, OutboxEntry>()

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

  async save(entry: OutboxEntry): Promise<void> {
    this.#entries.set(entry.id, structuredClone(entry))
    await this.store.write(this.key, [...this.#entries.values()])
  }

  async remove(id: string): Promise<void> {
    if (!this.#entries.delete(id)) return
    await this.store.write(this.key, [...this.#entries.values()])
  }
}
