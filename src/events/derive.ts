import type { XoObject } from '../xo/object-store'
import type { Changes } from './diff'

/** A meaningful change of one object ("VM started"), beyond created / removed / updated. */
export interface DerivedEvent {
  event: string
  /** extra facts, e.g. `from` and `to` for a migration, `tags` for tagging */
  detail?: Record<string, unknown>
  /** the fields this event explains, which `updated` then does not repeat */
  explains: string[]
}

type Lookup = (id: string) => XoObject | undefined

const VM_TYPES = new Set(['VM'])
const RUNNING = 'Running'

/**
 * The fields whose changes `deriveEvents` reads: a change compares only these to derive its events, not the whole
 * object (the full diff is left for the nodes that send it). Add a field here when the code below starts reading
 * its change (test/unit/events/derive.spec.ts fails otherwise).
 */
export const FIELDS_DERIVE_COMPARES = ['power_state', '$container', 'enabled', 'tags'] as const

/**
 * The fields of an object (and of its changes) that `deriveEvents` reads. Objects remembered across a restart keep
 * these, so that what happened meanwhile derives as it would have live: add a field here when the code below starts
 * reading it (test/unit/events/snapshot.spec.ts fails otherwise). Looked-up objects (hosts) come from XO, not from
 * what was remembered. (The order is part of what a remembered snapshot was taken for: keep it.)
 */
export const FIELDS_DERIVE_READS = ['type', 'name', ...FIELDS_DERIVE_COMPARES] as const

/** What happened to an object between two versions (`previous` undefined: it was just created). */
export function deriveEvents(
  object: XoObject,
  previous: XoObject | undefined,
  changes: Changes,
  lookup: Lookup,
): DerivedEvent[] {
  const events: DerivedEvent[] = []
  if (!previous) {
    if (object.type === 'message' && object.name === 'ALARM') events.push({ event: 'alarm', explains: [] })
    return events
  }
  if (VM_TYPES.has(object.type)) vmEvents(object, previous, changes, lookup, events)
  if (object.type === 'host') hostEvents(object, previous, changes, events)
  if (changes.tags) tagEvents(changes.tags, events)
  return events
}

function vmEvents(vm: XoObject, previous: XoObject, changes: Changes, lookup: Lookup, events: DerivedEvent[]): void {
  const power = changes.power_state
  if (power) {
    const before = String(power.before)
    const after = String(power.after)
    const event =
      after === 'Halted'
        ? 'stopped'
        : after === 'Suspended'
          ? 'suspended'
          : after === 'Paused'
            ? 'paused'
            : after === RUNNING && (before === 'Suspended' || before === 'Paused')
              ? 'resumed'
              : after === RUNNING
                ? 'started'
                : undefined
    if (event) events.push({ event, detail: { from: before, to: after }, explains: ['power_state', '$container'] })
  }
  // A running VM whose resident host changed has migrated; there is no `$host`: `$container` is the host while
  // the VM runs (the pool when it is halted).
  const container = changes.$container
  if (container && !power && vm.power_state === RUNNING && previous.power_state === RUNNING) {
    const from = lookup(String(container.before))
    const to = lookup(String(container.after))
    if (from?.type === 'host' && to?.type === 'host') {
      events.push({
        event: 'migrated',
        detail: { from: { id: from.id, name: from.name_label }, to: { id: to.id, name: to.name_label } },
        explains: ['$container'],
      })
    }
  }
}

function hostEvents(host: XoObject, previous: XoObject, changes: Changes, events: DerivedEvent[]): void {
  const power = changes.power_state
  if (power) {
    if (power.after === RUNNING)
      events.push({ event: 'up', detail: { from: power.before, to: power.after }, explains: ['power_state'] })
    else if (power.before === RUNNING)
      events.push({ event: 'down', detail: { from: power.before, to: power.after }, explains: ['power_state'] })
  }
  const enabled = changes.enabled
  if (enabled && typeof host.enabled === 'boolean' && typeof previous.enabled === 'boolean') {
    events.push({ event: host.enabled ? 'enabled' : 'disabled', explains: ['enabled'] })
  }
}

function tagEvents(change: { before: unknown; after: unknown }, events: DerivedEvent[]): void {
  const before = new Set(Array.isArray(change.before) ? (change.before as string[]) : [])
  const after = new Set(Array.isArray(change.after) ? (change.after as string[]) : [])
  const added = [...after].filter((tag) => !before.has(tag))
  const removed = [...before].filter((tag) => !after.has(tag))
  if (added.length) events.push({ event: 'tagged', detail: { tags: added }, explains: ['tags'] })
  if (removed.length) events.push({ event: 'untagged', detail: { tags: removed }, explains: ['tags'] })
}

/** Every event name a flow can select, by object type ('*' = any type). */
export const EVENT_NAMES = {
  '*': ['created', 'removed', 'updated', 'tagged', 'untagged', 'initial'],
  VM: ['started', 'stopped', 'suspended', 'paused', 'resumed', 'migrated'],
  host: ['up', 'down', 'enabled', 'disabled'],
  message: ['alarm'],
} as const
