import type { XoConnection } from '../xo/connection'

/** One entry of the web-hooks plugin's configuration, as xo-server 5.207.2 stores it. */
export interface HookEntry {
  method: string
  type: 'pre' | 'post' | 'pre/post'
  url: string
  format: 'json' | 'office365'
  waitForResponse?: boolean
}

interface PluginInfo {
  id: string
  loaded?: boolean
  configuration?: { hooks?: HookEntry[]; [key: string]: unknown }
  configurationSchema?: { properties?: { hooks?: { items?: { properties?: { method?: { enum?: string[] } } } } } }
}

export interface RegistrationResult {
  /** entries now in XO for this owner */
  entries: HookEntry[]
  /** methods the web-hooks plugin does not accept (not in its method list) */
  rejected: string[]
}

export const PLUGIN_ID = 'web-hooks'

/**
 * Replaces the entries of one owner (those whose URL contains `owner`) by `entries`, leaving every other
 * entry exactly as it was, in place.
 */
export function mergeEntries(current: HookEntry[], owner: string, entries: HookEntry[]): HookEntry[] {
  return [...current.filter((entry) => typeof entry?.url !== 'string' || !entry.url.includes(owner)), ...entries]
}

function sameEntries(a: HookEntry[], b: HookEntry[]): boolean {
  return a.length === b.length && a.every((entry, i) => JSON.stringify(entry) === JSON.stringify(b[i]))
}

interface Pending {
  entries: HookEntry[]
  resolve: (result: RegistrationResult) => void
  reject: (error: Error) => void
}

/**
 * Puts hook entries into XO's web-hooks plugin for every node of one connection. The plugin API only offers
 * "replace the whole configuration", so changes are queued, merged, and written by one read-modify-write at a
 * time: two nodes deploying together never overwrite each other, and entries made by others stay untouched.
 */
export class HookRegistrar {
  #connection: XoConnection
  #pending = new Map<string, Pending[]>()
  #running: Promise<void> | undefined

  constructor(connection: XoConnection) {
    this.#connection = connection
  }

  /** Makes `entries` the owner's entries in XO (an empty list removes them). */
  set(owner: string, entries: HookEntry[]): Promise<RegistrationResult> {
    return new Promise((resolve, reject) => {
      const queue = this.#pending.get(owner) ?? []
      queue.push({ entries, resolve, reject })
      this.#pending.set(owner, queue)
      this.#schedule()
    })
  }

  /** Reads the entries XO has for an owner. */
  async get(owner: string): Promise<HookEntry[]> {
    const plugin = await this.#plugin()
    return (plugin.configuration?.hooks ?? []).filter((entry) => entry.url?.includes(owner))
  }

  #schedule(): void {
    if (this.#running) return
    this.#running = (async () => {
      // Let every node of a deploy queue its change first: one write for all of them.
      await new Promise((resolve) => setImmediate(resolve))
      while (this.#pending.size > 0) {
        const batch = new Map(this.#pending)
        this.#pending.clear()
        await this.#apply(batch)
      }
      this.#running = undefined
    })()
  }

  async #apply(batch: Map<string, Pending[]>): Promise<void> {
    const waiters = [...batch.values()].flat()
    try {
      const plugin = await this.#plugin()
      const allowed = plugin.configurationSchema?.properties?.hooks?.items?.properties?.method?.enum
      const accepted = (method: string) => !allowed || allowed.includes(method)
      const current = plugin.configuration?.hooks ?? []
      let next = current
      const results = new Map<string, RegistrationResult>()
      for (const [owner, queue] of batch) {
        const wanted = queue[queue.length - 1].entries // the latest wish of an owner wins
        const entries = wanted.filter((entry) => accepted(entry.method))
        const rejected = wanted.filter((entry) => !accepted(entry.method)).map((entry) => entry.method)
        next = mergeEntries(next, owner, entries)
        results.set(owner, { entries, rejected })
      }
      if (!sameEntries(current, next)) {
        await this.#connection.call('plugin.configure', { id: PLUGIN_ID, configuration: { ...plugin.configuration, hooks: next } })
      }
      if (!plugin.loaded && next.length > 0) await this.#connection.call('plugin.load', { id: PLUGIN_ID })
      for (const [owner, queue] of batch) for (const waiter of queue) waiter.resolve(results.get(owner)!)
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error as Error)
    }
  }

  async #plugin(): Promise<PluginInfo> {
    const plugins = await this.#connection.call<PluginInfo[]>('plugin.get', {})
    const plugin = Array.isArray(plugins) ? plugins.find((p) => p.id === PLUGIN_ID) : undefined
    if (!plugin) throw new Error('the web-hooks plugin is not installed on this XO')
    return plugin
  }
}
