import { EventEmitter } from 'node:events'
import { summaryLine } from '../destinations/event'
import type { Translate } from '../common/status'
import type { XoObject } from '../xo/object-store'
import type { ObjectChange } from '../events/change'
import type { Changes } from '../events/diff'
import type { ObjectEventPayload, XoEventMessage } from '../events/message'
import type { EventSelection } from '../events/selection'
import { SettlingCreations, type SettlingOptions } from '../events/settling'
import type { FoundChange } from '../events/snapshot'

// A new VM is complete (its own VIFs, who made it) a few hundred milliseconds after XO first shows it.
const VM_QUIET_MS = 1000
const VM_SETTLE_MAX_MS = 10_000

/** The objects events read: the connection's object store. */
export interface EventObjects {
  readonly loaded: boolean
  get(id: string): XoObject | undefined
  values(): Iterable<XoObject>
}

/** What decides, with a shared Redis or with *remember*, whether a change goes out (and hears that it went). */
export interface ChangeGate {
  accept(change: ObjectChange): boolean
  sent?(change: ObjectChange): void
}

/** The metrics of the messages (prom-client's counter and histogram). */
export interface EventMetrics {
  events: { inc(labels: { server: string; type: string; event: string }): void }
  eventLag: { observe(labels: { server: string }, seconds: number): void }
}

export interface ObjectEventsOptions {
  selection: EventSelection
  objects: EventObjects
  /**
   * A live creation of a VM waits until XO has finished making it, and goes out as the VM then is. Not with a
   * shared Redis: the next leader must find every change the last one did not send, and a creation held here
   * would count as sent (a leader that dies within the second would lose it).
   */
  holdCreations: boolean
  /** `initial` may go out as soon as the objects are loaded (without *remember* and without a shared Redis) */
  initialAllowed: boolean
  send(msg: XoEventMessage): void
  metrics: EventMetrics
  /** the config node as metrics name it, and when XO's latest notification came in (performance.now(), 0: none) */
  server: { label: string; notifiedAt(): number }
  log(message: string): void
  error(message: string): void
  /** the node's texts (`log.withPool`, `log.vanished`, `errors.failed`) */
  t: Translate
  settling?: Partial<SettlingOptions>
  now?: () => number
}

/** A change found by comparing with what was sent before, at a start or at a takeover. */
export type FoundAs = FoundChange & { foundAtTakeover?: unknown }

const isLive = (detail?: Record<string, unknown>) =>
  detail?.foundAtStart === undefined && detail?.foundAtTakeover === undefined

/** Counts turns of the event loop: XO's batch of changes is applied in one turn. */
export class TurnCounter {
  #turn = 0
  #ends: NodeJS.Immediate | undefined

  current(): number {
    this.#ends ??= setImmediate(() => {
      this.#turn++
      this.#ends = undefined
    })
    return this.#turn
  }

  stop(): void {
    if (this.#ends) clearImmediate(this.#ends)
    this.#ends = undefined
  }
}

/**
 * The messages of one xo-events node: what goes out for each change of XO's objects (its selected events, with the
 * names of the pool and host), a new VM once XO has made it, nothing for the VMs of a pool XO connects to or loses,
 * and `initial` once. Emits `status` when the figures its status shows have changed.
 */
export class ObjectEvents extends EventEmitter<{ status: [] }> {
  #count = 0
  #unfinished = 0
  #withPool = 0
  readonly #o: ObjectEventsOptions
  readonly #settling: SettlingCreations
  readonly #turns = new TurnCounter()
  readonly #poolsAppeared = new Map<string, number>()
  readonly #poolsGone = new Map<string, number>()
  readonly #removalsChecked = new Set<NodeJS.Immediate>()
  #initialSent = false
  #initialAllowed: boolean

  constructor(options: ObjectEventsOptions) {
    super()
    this.#o = options
    this.#initialAllowed = options.initialAllowed
    this.#settling = new SettlingCreations({
      quietMs: VM_QUIET_MS,
      maxMs: VM_SETTLE_MAX_MS,
      now: options.now,
      ...options.settling,
    })
  }

  /** messages sent */
  get count(): number {
    return this.#count
  }

  /** VMs removed before XO finished making them: neither their creation nor their removal went out */
  get unfinished(): number {
    return this.#unfinished
  }

  /** VMs that came or went with their pool (XO connected to it, or lost it): none was made or deleted */
  get withPool(): number {
    return this.#withPool
  }

  /** Whether the creation of `id` is held (not sent yet). */
  holds(id: string): boolean {
    return this.#settling.has(id)
  }

  /** A change of XO's objects; `gate`: what decides whether it goes out. */
  change(change: ObjectChange, gate?: ChangeGate): void {
    if (change.object.type === 'pool') {
      if (change.kind === 'exit') this.#poolsGone.set(change.object.id, this.#turns.current())
      else if (!change.previous) this.#poolsAppeared.set(change.object.id, this.#turns.current())
    }
    const vanished = change.kind === 'exit' && this.#settling.drop(change.object.id)
    if (vanished) {
      this.#unfinished++
      this.#o.log(this.#o.t('log.vanished', { name: String(change.object.name_label ?? change.object.id) }))
    } else if (change.kind === 'enter') this.#settling.changed(change.object.id)
    // With a shared Redis, what every change left is recorded, sent or silent (a field the events do not read, an
    // intermediate step of XO's): the next leader finds the leader's last view among the states it saw.
    if (gate && !gate.accept(change)) return
    if (vanished) return this.statusChanged()
    this.sendChange(change)
    gate?.sent?.(change)
  }

  // `shown` is what the message carries as the object: the change's own, or XO's full version of an object
  // compared at start on its remembered fields only.
  /** Sends what the node selects of a change; true when it sent something. */
  sendChange(change: ObjectChange, shown = change.object, extra?: Record<string, unknown>): boolean {
    let selected: ReturnType<EventSelection['select']>
    try {
      selected = this.#o.selection.select(change, (id) => this.#o.objects.get(id))
    } catch (error) {
      this.#o.error(this.#o.t('errors.failed', { reason: (error as Error).message }))
      return false
    }
    if (selected.length === 0) return false
    for (const e of selected) {
      const detail = extra ? { ...e.detail, ...extra } : e.detail
      if (e.object) this.#send(e.event, e.object, undefined, e.changes, detail)
      else this.#send(e.event, shown, e.event === 'created' ? undefined : change.previous, e.changes, detail)
    }
    this.statusChanged()
    return true
  }

  /**
   * Changes found by comparing with what was sent before (a restart, a takeover), each marked with how it was
   * found: they and the remembered objects already say what is there, so no `initial` events.
   */
  found(mark: 'foundAtStart' | 'foundAtTakeover'): (changes: FoundAs[]) => void {
    return (changes) => {
      this.#initialSent = true
      for (const found of changes)
        this.sendChange(found.change, found.object, { [mark]: found.foundAtTakeover ?? true })
      this.statusChanged()
    }
  }

  /** Nothing was remembered (or nobody led before): the changes held meanwhile go out, then `initial`. */
  fresh(held: ObjectChange[] = []): void {
    this.#initialAllowed = true
    for (const change of held) this.sendChange(change)
    this.sendInitial()
  }

  /** The objects are loaded. */
  loaded(): void {
    this.sendInitial()
    this.statusChanged()
  }

  /** The state at start, once per deployment, when asked for and allowed. */
  sendInitial(): void {
    const { selection, objects } = this.#o
    if (!selection.initial || this.#initialSent || !this.#initialAllowed || !objects.loaded) return
    this.#initialSent = true
    for (const object of objects.values())
      if (selection.matches(object, (id) => objects.get(id))) this.#send('initial', object, undefined, {})
    this.statusChanged()
  }

  statusChanged(): void {
    this.emit('status')
  }

  /** The node closes: checks pending are dropped; held creations go out now with `release`, else stay held. */
  stop(release: boolean): void {
    for (const checked of this.#removalsChecked) clearImmediate(checked)
    this.#removalsChecked.clear()
    this.#turns.stop()
    if (release) this.#settling.releaseAll()
  }

  /** Forgets the creations held (left out of the last snapshot: found created at the next start). */
  forgetHeld(): void {
    this.#settling.clear()
  }

  #send(
    event: string,
    object: XoObject,
    previous: XoObject | undefined,
    changes: Changes,
    detail?: Record<string, unknown>,
  ): void {
    if (event === 'created' && object.type === 'VM' && this.#o.holdCreations && isLive(detail)) {
      const heldIn = this.#turns.current()
      return this.#settling.hold(object.id, () => {
        const current = this.#o.objects.get(object.id)
        if (this.#poolsAppeared.get(String(current?.$pool)) === heldIn) return this.#cameOrWentWithPool(object)
        if (current?.type === 'VM') this.#emit(event, current, undefined, changes, detail, false)
        this.statusChanged()
      })
    }
    // Whether its pool left too is known once XO's whole batch is applied.
    if (
      event === 'removed' &&
      object.type === 'VM' &&
      this.#o.holdCreations &&
      isLive(detail) &&
      typeof object.$pool === 'string'
    ) {
      const pool = object.$pool
      const removedIn = this.#turns.current()
      const checked = setImmediate(() => {
        this.#removalsChecked.delete(checked)
        if (this.#poolsGone.get(pool) === removedIn) return this.#cameOrWentWithPool(object)
        this.#emit(event, object, previous, changes, detail, false)
      })
      this.#removalsChecked.add(checked)
      return
    }
    // The changes XO makes while it makes the VM (its VIFs, its creation record) are part of its creation.
    if (event === 'updated' && this.#settling.has(object.id)) return
    this.#settling.release(object.id)
    this.#emit(event, object, previous, changes, detail)
  }

  /** `live`: sent as XO's notification came (not held meanwhile), so its lag is measured */
  #emit(
    event: string,
    object: XoObject,
    previous: XoObject | undefined,
    changes: Changes,
    detail?: Record<string, unknown>,
    live = true,
  ): void {
    const payload: ObjectEventPayload = { event, type: object.type, id: object.id, object, changes, ...detail }
    if (previous) payload.previous = previous
    if (object.type !== 'pool' && object.$pool) payload.pool = this.#named(object.$pool)
    if (typeof object.$container === 'string' && this.#o.objects.get(object.$container)?.type === 'host')
      payload.host = this.#named(object.$container)
    const msg: XoEventMessage = { topic: `${object.type}.${event}`, payload }
    msg.summary = summaryLine(msg)
    this.#o.send(msg)
    this.#count++
    const { metrics, server } = this.#o
    metrics.events.inc({ server: server.label, type: object.type, event })
    // The lag of live changes only: initial and found-at-start events come from a snapshot, not a notification.
    const notified = server.notifiedAt()
    if (live && notified && event !== 'initial' && isLive(detail))
      metrics.eventLag.observe({ server: server.label }, (performance.now() - notified) / 1000)
  }

  #named(id: unknown) {
    if (typeof id !== 'string') return undefined
    const name = this.#o.objects.get(id)?.name_label
    return typeof name === 'string' ? { id, name } : { id }
  }

  #cameOrWentWithPool(object: XoObject): void {
    this.#withPool++
    if (this.#withPool === 1) this.#o.log(this.#o.t('log.withPool', { name: String(object.name_label ?? object.id) }))
    this.statusChanged()
  }
}
