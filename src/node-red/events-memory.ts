import type { NodeAPI } from 'node-red'
import type { Coordinator } from '../coordination/coordinator'
import { LeadingObjects } from '../events/leading-objects'
import type { ChangeGate, ObjectEvents } from './events-objects'
import { RememberedObjects } from '../events/remembered-objects'
import type { EventSelection, XoEventsConfig } from '../events/selection'
import type { ObjectStore } from '../xo/object-store'
import type { EventsFigures } from './events-status'
import { snapshotIntervalMs, stateStoreOf } from './state'

export interface EventsMemoryOptions {
  RED: NodeAPI
  node: { id: string; log(message: string): void; warn(message: string): void }
  config: XoEventsConfig
  selection: EventSelection
  /** the types the node needs kept: its own and those naming related objects */
  needs: string[]
  objects: ObjectStore
  events: ObjectEvents
  coordinator: Coordinator | undefined
  /** XO's address, as the config node knows it now */
  server: () => string
  /** the reason of a failed last write, for the node's log */
  failed: (reason: string) => void
}

/** What an xo-events node keeps of what it sent, to tell what it did not send. */
export interface EventsMemory {
  /** decides whether a change goes out, undefined when every change does */
  gate: ChangeGate | undefined
  /** held creations go out as the node closes when nothing is remembered (they would be found at the next start) */
  remembers: boolean
  figures(): Pick<EventsFigures, 'shared' | 'notRemembered'>
  start(): void
  /**
   * The node closes: the last snapshot (or the leader's last records) is taken at once, before the config node,
   * closing in the same turn, stops XO's objects; resolves once written (a node redeployed in its place reads it).
   */
  close(removed: boolean): Promise<void>
}

/**
 * With a Redis shared with another Node-RED: only the leader sends, and records what it sent for the next one.
 * With *remember*: what the node knew before a restart or redeploy, compared once XO's objects are loaded. Changes
 * found so go out marked, and stand for `initial` events; `initial` waits until it is known nothing was remembered.
 */
export function eventsMemory(o: EventsMemoryOptions): EventsMemory {
  const { events, coordinator } = o
  const kept = {
    objects: o.objects,
    needs: o.needs,
    selection: o.selection,
    config: o.config,
    server: o.server,
    log: (m: string) => o.node.log(m),
    warn: (m: string) => o.node.warn(m),
  }
  if (coordinator) {
    const leading = new LeadingObjects({
      ...kept,
      snapshot: coordinator.snapshot(o.node.id),
      lease: coordinator.lease,
      found: events.found('foundAtTakeover'),
      fresh: () => events.fresh(),
      onRole: () => events.statusChanged(),
    })
    return {
      gate: leading,
      remembers: false,
      figures: () => ({ shared: { leading: leading.leading, role: coordinator.role }, notRemembered: false }),
      start: () => leading.start(),
      close: (removed) => leading.close(removed).catch(() => {}),
    }
  }
  if (o.config.remember !== true) {
    return {
      gate: undefined,
      remembers: false,
      figures: () => ({ notRemembered: false }),
      start: () => {},
      close: async () => {},
    }
  }
  const memory = new RememberedObjects({
    ...kept,
    state: stateStoreOf(o.RED),
    key: `xo-events/${o.node.id}`,
    writeIntervalMs: snapshotIntervalMs(o.RED),
    found: events.found('foundAtStart'),
    unsent: (id) => events.holds(id),
    fresh: (held) => events.fresh(held),
    onProblem: () => events.statusChanged(),
  })
  return {
    gate: memory,
    remembers: true,
    figures: () => ({ notRemembered: Boolean(memory.problem) }),
    start: () => void memory.start(),
    close: (removed) => {
      const closed = memory.close(removed)
      // The last snapshot was taken, leaving them out: a creation held now is found at the next start.
      events.forgetHeld()
      return closed.catch((error: Error) => o.failed(error?.message))
    },
  }
}
