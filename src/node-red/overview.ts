import type { CatchUpStatus } from '../audit/catch-up'
import type { EntryCheck, EntryComparison, EntryState } from '../hooks/entry-check'
import type { OutboxEntry } from '../outbox/outbox'
import { entryView } from './outbox-routes'
import type { Health } from './runtime'

/** What the overview is told of one deployed xo-hook node. */
export interface HookNodeReading {
  id: string
  name?: string
  server?: string
  /** the catch-up's latest word; none: no catch-up runs here (off, or a follower's) */
  catchUp?: CatchUpStatus
  /** when the catch-up last finished a pass (Node-RED's clock, ms) */
  lastPass?: number
}

/** What the overview is told of one deployed xo-outbox node. */
export interface OutboxReadingOfNode {
  id: string
  name?: string
  /** the xo-server its `server` property names, if any */
  server?: string
  pending: OutboxEntry[]
  dead: OutboxEntry[]
}

export interface OverviewInput {
  servers: Health['servers']
  /** XO's hook entries against the deployed nodes, by xo-server id; an error when XO could not be asked */
  hooks: Map<string, EntryComparison | { error: string }>
  hookNodes: HookNodeReading[]
  outboxes: OutboxReadingOfNode[]
  now: number
}

export type EntryView = ReturnType<typeof entryView>

export interface OutboxView {
  id: string
  name?: string
  pending: EntryView[]
  dead: EntryView[]
}

export interface CatchUpView {
  id: string
  name?: string
  state: CatchUpStatus['state'] | 'off'
  reason?: string
  replayed?: number
  /** seconds since the last pass ended */
  lastPassAgo?: number
  /** how old the newest call accounted for is, by XO's clock against Node-RED's (seconds) */
  cursorAge?: number
}

type EntryCounts = Record<EntryState, number>

/** XO's hook entries under this server's URL: counted per node, and listed when they do not match. */
export interface HooksView {
  /** why XO's entries could not be read (not connected, not an admin, no web-hooks plugin…) */
  error?: string
  counts: EntryCounts
  /** per xo-hook node (or node id of an entry no deployed node claims) */
  nodes: Array<{ id: string; name?: string } & EntryCounts>
  /** the entries that are not as the deployed nodes want them */
  mismatches: EntryCheck[]
  /** entries that are not this Node-RED's (another's, or made by hand) */
  others: number
}

export interface ServerOverview {
  id: string
  name?: string
  state: string
  user?: string
  version?: string
  reason?: string
  role?: string
  warm?: boolean
  listener?: string
  hooks: HooksView
  catchUps: CatchUpView[]
  outboxes: OutboxView[]
}

/** The operator's view: per xo-server, its connection, XO's hook entries, the catch-ups and the outboxes. */
export interface Overview {
  /** Node-RED's clock when assembled (ms): the editor counts the times shown from it, whatever its own clock */
  now: number
  servers: ServerOverview[]
  /** outboxes whose `server` names no deployed xo-server (or none) */
  unassigned: OutboxView[]
}

const seconds = (ms: number) => Math.max(0, Math.round(ms / 1000))
const byLabel = (a: { id: string; name?: string }, b: { id: string; name?: string }) =>
  (a.name || a.id).localeCompare(b.name || b.id)

function outboxView(reading: OutboxReadingOfNode): OutboxView {
  return {
    id: reading.id,
    ...(reading.name ? { name: reading.name } : {}),
    pending: reading.pending.map(entryView),
    dead: reading.dead.map(entryView),
  }
}

function catchUpView(reading: HookNodeReading, now: number): CatchUpView {
  const status = reading.catchUp
  const view: CatchUpView = { id: reading.id, state: status?.state ?? 'off' }
  if (reading.name) view.name = reading.name
  if (status?.state === 'unavailable') view.reason = status.reason
  if (status?.state === 'caught-up') {
    view.replayed = status.replayed
    if (status.cursorTime !== undefined) view.cursorAge = seconds(now - status.cursorTime)
  }
  if (reading.lastPass !== undefined) view.lastPassAgo = seconds(now - reading.lastPass)
  return view
}

const noEntries = (): EntryCounts => ({ ok: 0, missing: 0, extra: 0, stale: 0 })

function hooksView(found: EntryComparison | { error: string } | undefined, names: Map<string, string>): HooksView {
  const { entries, others } = found && 'entries' in found ? found : { entries: [], others: 0 }
  const counts = noEntries()
  const nodes = new Map<string, HooksView['nodes'][number]>()
  for (const entry of entries) {
    counts[entry.state]++
    let node = nodes.get(entry.nodeId)
    if (!node) {
      const name = names.get(entry.nodeId)
      nodes.set(entry.nodeId, (node = { id: entry.nodeId, ...(name ? { name } : {}), ...noEntries() }))
    }
    node[entry.state]++
  }
  return {
    ...(found && 'error' in found ? { error: found.error } : {}),
    counts,
    nodes: [...nodes.values()].sort(byLabel),
    mismatches: entries.filter((entry) => entry.state !== 'ok'),
    others,
  }
}

/**
 * Assembles the operator's view from what the runtime holds: never a secret (entries and outbox requests by host
 * only, no token, no body, no header), servers and nodes in the order of their names.
 */
export function assembleOverview(input: OverviewInput): Overview {
  const known = new Set(input.servers.map((server) => server.id))
  const names = new Map(input.hookNodes.flatMap((node) => (node.name ? [[node.id, node.name] as const] : [])))
  const servers = [...input.servers].sort(byLabel).map(
    (server): ServerOverview => ({
      ...server,
      hooks: hooksView(input.hooks.get(server.id), names),
      catchUps: input.hookNodes
        .filter((node) => node.server === server.id && node.catchUp)
        .sort(byLabel)
        .map((node) => catchUpView(node, input.now)),
      outboxes: input.outboxes
        .filter((outbox) => outbox.server === server.id)
        .sort(byLabel)
        .map(outboxView),
    }),
  )
  const unassigned = input.outboxes
    .filter((outbox) => !outbox.server || !known.has(outbox.server))
    .sort(byLabel)
    .map(outboxView)
  return { now: input.now, servers, unassigned }
}
