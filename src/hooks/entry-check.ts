import { type HookEntry, ownerOf } from './registrar'
import { hostOf } from '../common/url-host'

/**
 * How one entry of XO's web-hooks plugin stands against the deployed xo-hook nodes: `ok`, `missing` (a node wants
 * it, XO lacks it), `extra` (under this Node-RED's URL, but no deployed node claims it) or `stale` (a deployed
 * node's, but not as the node wants it now: another secret, phase or wait).
 */
export type EntryState = 'ok' | 'missing' | 'extra' | 'stale'

/** An entry as the operator's view shows it: where it goes by host only (the URL's path holds the node's secret). */
export interface EntryCheck {
  method: string
  type: HookEntry['type']
  host: string
  nodeId: string
  waitForResponse: boolean
  state: EntryState
}

export interface EntryComparison {
  entries: EntryCheck[]
  /** entries that are not this Node-RED's under these prefixes (another Node-RED's, or made by hand): left alone */
  others: number
}

const sameEntry = (a: HookEntry, b: HookEntry): boolean =>
  a.method === b.method &&
  a.type === b.type &&
  a.url === b.url &&
  (a.format ?? 'json') === (b.format ?? 'json') &&
  Boolean(a.waitForResponse) === Boolean(b.waitForResponse)

/**
 * XO's entries (`current`) against those the deployed nodes want (`wanted`, by `<prefix><node id>`), for the
 * entries under `prefixes`: every entry of XO this Node-RED owns, then every wanted entry XO lacks.
 */
export function compareEntries(
  current: HookEntry[],
  prefixes: Iterable<string>,
  wanted: Map<string, HookEntry[]>,
): EntryComparison {
  const owned = [...prefixes]
  const entries: EntryCheck[] = []
  const found = new Set<HookEntry>()
  let others = 0
  const check = (entry: HookEntry, nodeId: string, state: EntryState): EntryCheck => ({
    method: entry.method,
    type: entry.type,
    host: hostOf(entry.url),
    nodeId,
    waitForResponse: Boolean(entry.waitForResponse),
    state,
  })
  for (const entry of current) {
    const owner = ownerOf(entry, owned)
    if (!owner) {
      others++
      continue
    }
    const wants = wanted.get(owner.prefix + owner.nodeId)
    const match = wants?.find((want) => sameEntry(want, entry))
    if (match) found.add(match)
    entries.push(check(entry, owner.nodeId, match ? 'ok' : wants ? 'stale' : 'extra'))
  }
  for (const [key, wants] of wanted) {
    const owner = wants[0] && ownerOf(wants[0], owned)
    if (!owner || owner.prefix + owner.nodeId !== key) continue
    for (const want of wants) if (!found.has(want)) entries.push(check(want, owner.nodeId, 'missing'))
  }
  return { entries, others }
}
