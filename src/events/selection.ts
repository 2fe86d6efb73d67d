import { deepEqual } from '../xo/deep-equal'
import type { XoObject } from '../xo/object-store'
import type { ObjectChange } from './change'
import { EVENT_NAMES } from './derive'
import type { Changes } from './diff'
import { compileObjectFilter, type MatchSpec, type ObjectFilter } from './filter'

/** What the editor stores for an `xo-events` node (filter keys avoid the node's own `name` and `id`). */
export interface XoEventsConfig {
  nameFilter?: MatchSpec
  tagFilter?: MatchSpec
  poolFilter?: MatchSpec
  idFilter?: MatchSpec
  types?: string[]
  events?: string[]
  /** fields whose changes do not count (`memory.usage` ignores one sub-field) */
  ignore?: string[] | string
  /** emit the matching objects as `initial` events when the node starts */
  initial?: boolean
  /** keep a snapshot of the selected objects across restarts of Node-RED, and send what changed meanwhile */
  remember?: boolean
}

export interface SelectedEvent {
  event: string
  detail?: Record<string, unknown>
  /** the changed fields that count (ignored ones left out) */
  changes: Changes
  /** the object as this node knew it, when that is not the change's object (it left the node's types) */
  object?: XoObject
}

export interface EventSelection {
  types: Set<string>
  initial: boolean
  matches(object: XoObject, lookup: Lookup): boolean
  select(change: ObjectChange, lookup: Lookup): SelectedEvent[]
}

type Lookup = (id: string) => XoObject | undefined

/** Noise: fields that change all the time without meaning anything to most flows. */
export const DEFAULT_IGNORE = [
  'current_operations',
  'memory.usage',
  'startTime',
  'xenTools',
  'pvDriversDetected',
  'managementAgentDetected',
  'residentVms',
]

const KNOWN_EVENTS = new Set<string>(Object.values(EVENT_NAMES).flat())
/** The events only `deriveEvents` names: a node selecting none of them never needs a change's derived events. */
const GENERIC_EVENTS = new Set<string>(EVENT_NAMES['*'].filter((e) => e !== 'tagged' && e !== 'untagged'))

/** Compiles a node's selection once, at deploy; every problem comes back as a message. */
export function compileSelection(config: XoEventsConfig): EventSelection | { error: string } {
  const types = new Set(config.types ?? [])
  if (types.size === 0) return { error: 'no object type selected' }
  const events = new Set(config.events ?? [])
  if (events.size === 0) return { error: 'no event selected' }
  const unknown = [...events].filter((e) => !KNOWN_EVENTS.has(e))
  if (unknown.length) return { error: `unknown events: ${unknown.join(', ')}` }
  const filter = compileObjectFilter({
    name: config.nameFilter,
    tag: config.tagFilter,
    pool: config.poolFilter,
    id: config.idFilter,
  })
  if (typeof filter === 'object') return filter
  const ignore = compileIgnore(config.ignore)
  const derives = [...events].some((e) => !GENERIC_EVENTS.has(e))
  const objectFilter: ObjectFilter = filter

  const select = (change: ObjectChange, lookup: Lookup): SelectedEvent[] => {
    const { object } = change
    const previous = change.previous
    // An object whose type changed (XO provisions a new VM as a template first) is new to a node that did not
    // see it under its former type, and gone for a node that saw it only under that type; whichever types the
    // store keeps for other nodes.
    if (previous && previous.type !== object.type) {
      if (!types.has(object.type)) {
        const gone = types.has(previous.type) && events.has('removed') && objectFilter(previous, lookup)
        return gone ? [{ event: 'removed', changes: {}, object: previous }] : []
      }
      if (!types.has(previous.type)) {
        if (!objectFilter(object, lookup)) return []
        return events.has('created') ? [{ event: 'created', changes: {} }] : []
      }
    }
    if (!types.has(object.type)) return []
    if (!objectFilter(object, lookup) && !(previous && objectFilter(previous, lookup))) return []
    if (change.kind === 'exit') return events.has('removed') ? [{ event: 'removed', changes: {} }] : []
    const selected: SelectedEvent[] = []
    if (!previous && events.has('created')) selected.push({ event: 'created', changes: {} })
    // Most changes interest no node (memory usage, running operations): decide before looking at fields.
    const wanted = derives ? change.derived.filter((derived) => events.has(derived.event)) : []
    if (wanted.length === 0 && !(previous && events.has('updated'))) return selected
    const changes = previous ? change.changesWithout(ignore) : {}
    const explained = new Set<string>()
    for (const derived of wanted) {
      selected.push({ event: derived.event, detail: derived.detail, changes })
      for (const field of derived.explains) explained.add(field)
    }
    if (previous && events.has('updated')) {
      const rest = Object.keys(changes).filter((field) => !explained.has(field))
      if (rest.length)
        selected.push({ event: 'updated', changes: Object.fromEntries(rest.map((f) => [f, changes[f]])) })
    }
    return selected
  }

  return {
    types,
    initial: config.initial === true,
    matches: (object, lookup) => types.has(object.type) && objectFilter(object, lookup),
    select,
  }
}

// One function per distinct list, so that nodes with the same list share what a change looks like through it.
const ignoreFunctions = new Map<string, (changes: Changes) => Changes>()

/** `current_operations, memory.usage` -> a function dropping those changes (sub-fields compared without them). */
export function compileIgnore(list: string[] | string | undefined): (changes: Changes) => Changes {
  const entries = ignoreEntries(list)
  const key = [...new Set(entries)].sort().join(',')
  let compiled = ignoreFunctions.get(key)
  if (!compiled) ignoreFunctions.set(key, (compiled = buildIgnore(entries)))
  return compiled
}

/** The entries of an ignore list as the editor stores it (a list, or text separated by commas or spaces). */
export function ignoreEntries(list: string[] | string | undefined): string[] {
  return (Array.isArray(list) ? list : String(list ?? '').split(/[\s,]+/)).map((e) => e.trim()).filter(Boolean)
}

function buildIgnore(entries: string[]): (changes: Changes) => Changes {
  const whole = new Set<string>()
  const partial = new Map<string, string[]>()
  for (const entry of entries) {
    const dot = entry.indexOf('.')
    if (dot === -1) whole.add(entry)
    else partial.set(entry.slice(0, dot), [...(partial.get(entry.slice(0, dot)) ?? []), entry.slice(dot + 1)])
  }
  if (whole.size === 0 && partial.size === 0) return (changes) => changes
  return (changes) => {
    const kept: Changes = {}
    for (const field in changes) {
      if (whole.has(field)) continue
      const subs = partial.get(field)
      if (subs && equalWithout(changes[field].before, changes[field].after, subs)) continue
      kept[field] = changes[field]
    }
    return kept
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  Boolean(value) && typeof value === 'object' && !Array.isArray(value)

/** Whether two values are deeply equal once `keys` are left out of them (when they are objects), without copying them. */
function equalWithout(a: unknown, b: unknown, keys: string[]): boolean {
  if (!isPlainObject(a) || !isPlainObject(b)) return !isPlainObject(a) && !isPlainObject(b) && deepEqual(a, b)
  const counted = (o: Record<string, unknown>) => Object.keys(o).filter((key) => !keys.includes(key))
  const inA = counted(a)
  if (inA.length !== counted(b).length) return false
  return inA.every((key) => Object.prototype.propertyIsEnumerable.call(b, key) && deepEqual(a[key], b[key]))
}
