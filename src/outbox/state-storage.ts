import type { StateStore } from '../state/state-store'
import type { OutboxEntry, OutboxStorage } from './outbox'

/**
 * An outbox kept in the package's state store (a file under Node-RED's user directory by default): all its entries
 * under one key, written whole at each change, which the store makes atomic (a crash leaves the last complete write).
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
    return [...this.#entries.values()]
  }

  async save(entry: OutboxEntry): Promise<void> {
    this.#entries.set(entry.id, entry)
    await this.store.write(this.key, [...this.#entries.values()])
  }

  async remove(id: string): Promise<void> {
    if (!this.#entries.delete(id)) return
    await this.store.write(this.key, [...this.#entries.values()])
  }
}
