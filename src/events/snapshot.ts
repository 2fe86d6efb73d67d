import { createHash } from 'node:crypto'
import { deepEqual } from '../xo/deep-equal'
import type { XoObject } from '../xo/object-store'
import { ObjectChange } from './change'
import { FIELDS_DERIVE_READS } from './derive'
import { FIELDS_FILTERS_READ, type MatchSpec } from './filter'
import { ignoreEntries, type XoEventsConfig } from './selection'

/**
 * What a message shows of an object that is gone (its version as remembered): the node's own message (type, pool,
 * host) and its summary (src/destinations/from-events.ts: name, power state, IP address, a VM's VIFs, a VIF's MAC,
 * device and network), so that a VM deleted while Node-RED was stopped still says which MACs to release.
 */
const FIELDS_MESSAGES_READ = [
  'id',
  'type',
  'name_label',
  '$pool',
  '$container',
  'power_state',
  'mainIpAddress',
  'VIFs',
  'mac',
  'MAC',
  'device',
  'network',
  '$network',
  'networkName',
]

/** The fields kept of each object by a node that does not select `updated`: what its events and filters read. */
export const KEPT_FIELDS: readonly string[] = [
  ...new Set<string>([...FIELDS_FILTERS_READ, ...FIELDS_DERIVE_READS, ...FIELDS_MESSAGES_READ]),
]

/** Bumped when what is remembered changes meaning: an older snapshot is then discarded, never misread. */
const SNAPSHOT_VERSION = 1

/** What a node remembers across restarts, and what it was taken for. */
export interface ObjectsSnapshot {
  /** XO's JSON-RPC URL */
  server: string
  /** `selectionDigest` of the node's configuration */
  selection: string
  takenAt: string
  /** the selected objects, reduced by the node's projection */
  objects: XoObject[]
}

/** An object reduced to what a node needs to compare it later; values are shared with the original, not copied. */
export type Projection = (object: XoObject) => XoObject

/**
 * Without `updated`, only the fields the events and filters read; with it, every field but the ignored ones
 * (`memory.usage` drops one sub-field). Fields the events and filters read are kept even when ignored: the ignore
 * list only concerns `updated`.
 */
export function projectionFor(config: XoEventsConfig): Projection {
  if (!(config.events ?? []).includes('updated')) return pick(KEPT_FIELDS)
  const whole = new Set<string>()
  const partial = new Map<string, string[]>()
  for (const entry of ignoreEntries(config.ignore)) {
    const dot = entry.indexOf('.')
    const field = dot === -1 ? entry : entry.slice(0, dot)
    if (KEPT_FIELDS.includes(field)) continue
    if (dot === -1) whole.add(field)
    else partial.set(field, [...(partial.get(field) ?? []), entry.slice(dot + 1)])
  }
  return (object) => {
    const kept: Record<string, unknown> = {}
    for (const field in object) {
      const value = object[field]
      if (value === undefined || whole.has(field)) continue
      const subs = partial.get(field)
      kept[field] = subs ? withoutKeys(value, subs) : value
    }
    return kept as XoObject
  }
}

function pick(fields: readonly string[]): Projection {
  return (object) => {
    const kept: Record<string, unknown> = {}
    for (const field of fields) if (object[field] !== undefined) kept[field] = object[field]
    return kept as XoObject
  }
}

function withoutKeys(value: unknown, keys: string[]): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) }
  for (const key of keys) delete copy[key]
  return copy
}

/** Identifies what a node selects and keeps: a snapshot taken for another selection means nothing to it. */
export function selectionDigest(config: XoEventsConfig): string {
  const sorted = (list: Iterable<string>) => [...new Set(list)].sort()
  const filter = (spec: MatchSpec | undefined) => {
    const value = (spec?.value ?? '').trim()
    return value ? { mode: spec?.mode ?? 'exact', value } : null
  }
  const canonical = JSON.stringify({
    version: SNAPSHOT_VERSION,
    kept: KEPT_FIELDS,
    types: sorted(config.types ?? []),
    events: sorted(config.events ?? []),
    filters: [filter(config.nameFilter), filter(config.tagFilter), filter(config.poolFilter), filter(config.idFilter)],
    ignore: sorted(ignoreEntries(config.ignore)),
  })
  return createHash('sha256').update(canonical).digest('hex').slice(0, 24)
}

/** The selected objects, reduced: built only when a snapshot is written, never on each change. */
export function takeSnapshot(
  objects: Iterable<XoObject>,
  selects: (object: XoObject) => boolean,
  project: Projection,
  about: { server: string; selection: string },
  now = new Date(),
): ObjectsSnapshot {
  const kept: XoObject[] = []
  for (const object of objects) if (selects(object)) kept.push(project(object))
  return { server: about.server, selection: about.selection, takenAt: now.toISOString(), objects: kept }
}

/** Whether a stored value is a snapshot at all (a file written by something else, or by hand, may not be). */
export function isSnapshot(value: unknown): value is ObjectsSnapshot {
  const v = value as Partial<ObjectsSnapshot> | null
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.server === 'string' &&
    typeof v.selection === 'string' &&
    typeof v.takenAt === 'string' &&
    Array.isArray(v.objects) &&
    v.objects.every(
      (o) => typeof o === 'object' && o !== null && typeof o.id === 'string' && typeof o.type === 'string',
    )
  )
}

/** Why a snapshot cannot be compared with what the node sees now (undefined: it can); `server` checked when given. */
export function mismatch(
  snapshot: ObjectsSnapshot,
  expected: { selection: string; server?: string },
): string | undefined {
  if (snapshot.selection !== expected.selection) return 'another selection (types, events, filters or ignored fields)'
  if (expected.server !== undefined && snapshot.server !== expected.server) return `another XO (${snapshot.server})`
  return undefined
}

/** A change found by comparing a snapshot with XO's objects now. */
export interface FoundChange {
  /** between the remembered version and the current one reduced alike: what the selection reads */
  change: ObjectChange
  /** what the message shows: the object as XO has it now, or as remembered when it is gone */
  object: XoObject
}

interface CurrentObjects {
  get(id: string): XoObject | undefined
  values(): Iterable<XoObject>
}

/**
 * What happened between the snapshot and now, once per object: created (selected now, not remembered), changed
 * (its reduced version differs: fields not kept never count), removed (remembered, gone). Objects now out of the
 * node's filters or types are passed on too: the selection decides, as it does for live changes.
 */
export function changesSince(
  remembered: Iterable<XoObject>,
  current: CurrentObjects,
  selects: (object: XoObject) => boolean,
  project: Projection,
  lookup: (id: string) => XoObject | undefined,
): FoundChange[] {
  const before = new Map<string, XoObject>()
  for (const object of remembered) before.set(object.id, object)
  const found: FoundChange[] = []
  for (const object of current.values()) {
    const old = before.get(object.id)
    if (!old && !selects(object)) continue
    const now = project(object)
    if (old && deepEqual(old, now)) continue
    found.push({ change: new ObjectChange('enter', now, old, lookup), object })
  }
  for (const [id, old] of before) {
    if (!current.get(id)) found.push({ change: new ObjectChange('exit', old, undefined, lookup), object: old })
  }
  return found
}
