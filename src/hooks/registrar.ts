import type { XoConnection } from '../xo/connection'
import type { MethodMatcher } from './patterns'

/** One entry of the web-hooks plugin's configuration, as xo-server 5.207.2 stores it. */
export interface HookEntry {
  method: string
  type: 'pre' | 'post' | 'pre/post'
  url: string
  format: 'json' | 'office365'
  waitForResponse?: boolean
}

/** What an xo-hook node wants in XO: its URL, and the methods and phases it listens to. */
export interface HookWish {
  url: string
  methods: MethodMatcher
  type: HookEntry['type']
  waitForResponse: boolean
}

export type RegistrationReport =
  | {
      ok: true
      entries: HookEntry[] /** refused by the plugin */
      rejected: string[] /** matching nothing */
      unknown: string[]
    }
  | { ok: false; error: Error }

/**
 * A deployed xo-hook node's hold on its entries. Entries belong to this Node-RED (the `prefix`, its hook base
 * URL) and to the node id together: `<prefix><nodeId>/…`.
 */
export interface HookClaim {
  nodeId: string
  /** `<Node-RED URL for XO><httpNodeRoot>xo-hook/` */
  prefix: string
  /** undefined: the node does not register; whatever XO has under its URL is left as it is */
  wish?: HookWish
  /** what the node's entries should be, registered or pasted by hand (the operator's view compares XO's with them) */
  expected?: HookWish
  report?(report: RegistrationReport): void
}

/** What a registrar needs of each XO connection it may write through. */
export interface RegistrarLink {
  connection: Pick<XoConnection, 'isConnected' | 'call' | 'on' | 'off'>
  /** this Node-RED's hook prefix for that connection's config node, if it has a Node-RED URL for XO */
  prefix?: string
  /** XO's method names (cached by the config node) */
  catalogue(): Promise<string[]>
  /**
   * Runs a read-merge-write under a lock shared with another Node-RED running the same flows (through Redis), so
   * that the two never interleave theirs; none: this Node-RED alone writes.
   */
  lock?: <T>(work: () => Promise<T>) => Promise<T>
}

interface PluginInfo {
  id: string
  loaded?: boolean
  configuration?: { hooks?: HookEntry[]; [key: string]: unknown }
  configurationSchema?: { properties?: { hooks?: { items?: { properties?: { method?: { enum?: string[] } } } } } }
}

export const PLUGIN_ID = 'web-hooks'
const CALL_TIMEOUT_MS = 5000

/** The entries a wish stands for, against XO's catalogue. */
export function entriesFor(wish: HookWish, catalogue: Iterable<string>): HookEntry[] {
  return wish.methods.expand(catalogue).map((method) => ({
    method,
    type: wish.type,
    url: wish.url,
    format: 'json',
    ...(wish.waitForResponse ? { waitForResponse: true } : {}),
  }))
}

/** The node id of an entry under one of `prefixes`, or undefined when this Node-RED does not own it. */
export function ownerOf(entry: HookEntry, prefixes: Iterable<string>): { prefix: string; nodeId: string } | undefined {
  if (typeof entry?.url !== 'string') return undefined
  for (const prefix of prefixes) {
    if (!entry.url.startsWith(prefix)) continue
    const nodeId = entry.url.slice(prefix.length).split(/[/?#]/, 1)[0]
    if (nodeId) return { prefix, nodeId }
  }
  return undefined
}

/**
 * XO's web-hooks configuration as this Node-RED wants it: every entry it owns (its prefixes) belongs to a claim
 * of a deployed node, or goes; every entry it does not own stays exactly as it was, in place.
 *
 * - `full`: owned entries are replaced by the claims' entries (unclaimed ones removed; a claim without a wish
 *   keeps what it has).
 * - otherwise only `removals` (owner URL prefixes) go, and every claim still standing keeps its entries.
 */
export function reconcileEntries(
  current: HookEntry[],
  plan: {
    full: boolean
    prefixes: Set<string>
    claims: Map<string, HookClaim>
    wanted: Map<string, HookEntry[]>
    removals: Iterable<string>
  },
): HookEntry[] {
  const removals = [...plan.removals]
  const kept = current.filter((entry) => {
    const owner = ownerOf(entry, plan.prefixes)
    if (!owner) return true
    const claim = plan.claims.get(owner.prefix + owner.nodeId)
    if (claim) return plan.full ? claim.wish === undefined : true
    if (plan.full) return false
    return !removals.some((removal) => entry.url.startsWith(removal))
  })
  return plan.full ? [...kept, ...[...plan.wanted.values()].flat()] : kept
}

function sameEntries(a: HookEntry[], b: HookEntry[]): boolean {
  return a.length === b.length && a.every((entry, i) => JSON.stringify(entry) === JSON.stringify(b[i]))
}

/**
 * Keeps XO's web-hooks plugin in line with this Node-RED's deployed xo-hook nodes, for one XO: shared by every
 * config node and connection that reach it, so that their writes never interleave. The plugin API only offers
 * "replace the whole configuration": each change is one serialised read-merge-write.
 *
 * While a deploy is under way (between flows stopping and started) the set of nodes is incomplete: only entries
 * of nodes that were removed are taken out. Once the flows have started, and after every (re)connection, a full
 * reconciliation replaces what this Node-RED owns by what its nodes want: a node deleted while XO was down, or
 * while Node-RED was stopped, loses its entries then. Entries are owned by this Node-RED's hook URL prefix and
 * the node id together: another Node-RED, even one running the same flow, is never touched.
 */
export class HookRegistrar {
  #links = new Set<RegistrarLink>()
  #claims = new Map<string, HookClaim>()
  /** URL prefixes whose entries go (a removed node's, or a removed config node's whole prefix), with their prefix */
  #removals = new Map<string, string>()
  /** who waits for a removal to be written */
  #removed = new Map<string, Array<() => void>>()
  #started = false
  #fullWanted = false
  #running: Promise<void> | undefined
  #again = false

  get busy(): boolean {
    return this.#running !== undefined
  }

  /** True while nothing links to it or claims from it: it may be forgotten. */
  get unused(): boolean {
    return this.#links.size === 0 && this.#claims.size === 0 && !this.#running
  }

  /** A connection this registrar may write through; returns the function that takes it back. */
  attach(link: RegistrarLink): () => void {
    this.#links.add(link)
    const onConnected = () => this.#schedule()
    link.connection.on('connected', onConnected)
    if (link.connection.isConnected) this.#schedule()
    return () => {
      link.connection.off('connected', onConnected)
      this.#links.delete(link)
    }
  }

  /** A deployed node holds its entries until `release`; `removed` (deleted or disabled) takes them out of XO. */
  claim(claim: HookClaim): (removed: boolean) => void {
    const key = claim.prefix + claim.nodeId
    this.#claims.set(key, claim)
    if (this.#started) this.#schedule()
    return (removed) => {
      if (this.#claims.get(key) === claim) this.#claims.delete(key)
      if (removed) {
        this.#removals.set(`${key}/`, claim.prefix)
        this.#schedule()
      }
    }
  }

  /**
   * A config node with this prefix was removed, or now points elsewhere: what its nodes had in XO goes (except
   * what is still claimed). Resolves once written.
   */
  removePrefix(prefix: string): Promise<void> {
    this.#removals.set(prefix, prefix)
    const written = new Promise<void>((resolve) =>
      this.#removed.set(prefix, [...(this.#removed.get(prefix) ?? []), resolve]),
    )
    this.#schedule()
    return written
  }

  /** Every node of the deploy exists now: reconcile fully. */
  flowsStarted(): void {
    this.#started = true
    this.#schedule()
  }

  /** Something that blocked the last write is back (the shared lock's Redis): reconcile again once started. */
  reconcile(): void {
    if (this.#started) this.#schedule()
  }

  flowsStopping(): void {
    this.#started = false
  }

  /** Resolves once no write is under way or waiting (at most `timeoutMs`). */
  async idle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.#running && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        this.#running,
        new Promise((resolve) => (timer = setTimeout(resolve, deadline - Date.now()))),
      ])
      clearTimeout(timer)
    }
  }

  /**
   * XO's entries as they are, and those the deployed nodes want (by `<prefix><node id>`, as XO's plugin accepts
   * them), for the operator's view: read only, never written.
   */
  async inspect(): Promise<{ current: HookEntry[]; wanted: Map<string, HookEntry[]> }> {
    const link = [...this.#links].find((l) => l.connection.isConnected)
    if (!link) throw new Error('not connected to XO')
    const plugin = await this.#plugin(link)
    const catalogue = await link.catalogue()
    const allowed = plugin.configurationSchema?.properties?.hooks?.items?.properties?.method?.enum
    const wanted = new Map<string, HookEntry[]>()
    for (const [key, claim] of this.#claims) {
      const wish = claim.wish ?? claim.expected
      if (wish)
        wanted.set(
          key,
          entriesFor(wish, catalogue).filter((entry) => !allowed || allowed.includes(entry.method)),
        )
    }
    return { current: plugin.configuration?.hooks ?? [], wanted }
  }

  /** Once the flows have started, any change means a full reconciliation; during a deploy only removals run. */
  #schedule(): void {
    if (this.#started) this.#fullWanted = true
    if (this.#running) {
      this.#again = true
      return
    }
    this.#running = (async () => {
      // Let every node of a deploy queue its change first: one write for all of them.
      await new Promise((resolve) => setImmediate(resolve))
      do {
        this.#again = false
        await this.#run()
      } while (this.#again)
      this.#running = undefined
    })()
  }

  async #run(): Promise<void> {
    const full = this.#fullWanted && this.#started
    if (!full && this.#removals.size === 0) return
    const link = [...this.#links].find((l) => l.connection.isConnected)
    if (!link) return // done again once a connection is up ('connected')
    const removals = new Map(this.#removals)
    const claims = new Map(this.#claims)
    const managed = [...claims.values()].filter((claim) => claim.wish)
    const locked = link.lock ?? (<T>(work: () => Promise<T>) => work())
    try {
      const catalogue = full ? await link.catalogue() : []
      const reports = await locked(() => this.#write(link, full, catalogue, managed, claims, removals))
      for (const removal of removals.keys()) {
        this.#removals.delete(removal)
        for (const resolve of this.#removed.get(removal) ?? []) resolve()
        this.#removed.delete(removal)
      }
      if (full) this.#fullWanted = false
      if (full) for (const [claim, report] of reports) claim.report?.(report)
    } catch (error) {
      // Tried again at the next connection or deploy; the nodes say why meanwhile.
      if (!full) return
      this.#fullWanted = false
      for (const claim of managed) claim.report?.({ ok: false, error: error as Error })
    }
  }

  /** One read-merge-write of XO's web-hooks configuration. */
  async #write(
    link: RegistrarLink,
    full: boolean,
    catalogue: string[],
    managed: HookClaim[],
    claims: Map<string, HookClaim>,
    removals: Map<string, string>,
  ): Promise<Map<HookClaim, RegistrationReport>> {
    const plugin = await this.#plugin(link)
    const allowed = plugin.configurationSchema?.properties?.hooks?.items?.properties?.method?.enum
    const accepted = (method: string) => !allowed || allowed.includes(method)
    const wanted = new Map<string, HookEntry[]>()
    const reports = new Map<HookClaim, RegistrationReport>()
    for (const claim of managed) {
      const all = entriesFor(claim.wish!, catalogue)
      const entries = all.filter((entry) => accepted(entry.method))
      wanted.set(claim.prefix + claim.nodeId, entries)
      const rejected = all.filter((entry) => !accepted(entry.method)).map((entry) => entry.method)
      reports.set(claim, { ok: true, entries, rejected, unknown: claim.wish!.methods.unknown(catalogue) })
    }
    const prefixes = new Set([...this.#links].flatMap((l) => (l.prefix ? [l.prefix] : [])))
    for (const claim of claims.values()) prefixes.add(claim.prefix)
    for (const prefix of removals.values()) prefixes.add(prefix)
    const current = plugin.configuration?.hooks ?? []
    const next = reconcileEntries(current, { full, prefixes, claims, wanted, removals: removals.keys() })
    if (!sameEntries(current, next)) {
      await link.connection.call(
        'plugin.configure',
        { id: PLUGIN_ID, configuration: { ...plugin.configuration, hooks: next } },
        CALL_TIMEOUT_MS,
      )
    }
    if (!plugin.loaded && next.length > 0) await link.connection.call('plugin.load', { id: PLUGIN_ID }, CALL_TIMEOUT_MS)
    return reports
  }

  async #plugin(link: RegistrarLink): Promise<PluginInfo> {
    const plugins = await link.connection.call<PluginInfo[]>('plugin.get', {}, CALL_TIMEOUT_MS)
    const plugin = Array.isArray(plugins) ? plugins.find((p) => p?.id === PLUGIN_ID) : undefined
    if (!plugin) throw new Error('the web-hooks plugin is not installed on this XO')
    return plugin
  }
}
