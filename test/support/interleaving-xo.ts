import { EventEmitter } from 'node:events'
import type { HookEntry } from '../../src/hooks/registrar'

/**
 * One XO's web-hooks plugin reached by two Node-REDs. Whoever reads its configuration first gets no answer until
 * the other has come as far as its own read, or as the lock (`arrive`): without a lock (or with one that lets both
 * in) both read the same configuration, and the second write drops the first one's entries.
 */
export class InterleavingXo {
  hooks: HookEntry[] = []
  writes = 0
  readonly #arrived = new Set<string>()
  readonly #waiting: Array<() => void> = []

  /** `who` came as far as a read, or as the lock: a read held for it goes on. */
  arrive(who: string): void {
    this.#arrived.add(who)
    if (this.#arrived.size < 2) return
    for (const go of this.#waiting.splice(0)) go()
  }

  /** The connection of instance `who` to this XO, as the registrar uses it. */
  connection(who: string) {
    return Object.assign(new EventEmitter(), {
      isConnected: true,
      endpoint: { wsUrl: 'wss://xo/api/' },
      call: async <T>(method: string, params: Record<string, unknown>): Promise<T> => {
        if (method === 'plugin.get') {
          this.arrive(who)
          if (this.#arrived.size < 2) await new Promise<void>((resolve) => this.#waiting.push(resolve))
          return [{ id: 'web-hooks', loaded: true, configuration: { hooks: [...this.hooks] } }] as T
        }
        if (method === 'plugin.configure') {
          // XO takes its time to save: the other instance's turn comes meanwhile.
          await new Promise((resolve) => setImmediate(resolve))
          this.writes++
          this.hooks = (params.configuration as { hooks: HookEntry[] }).hooks
          return true as T
        }
        throw new Error(`unexpected ${method}`)
      },
    })
  }
}
