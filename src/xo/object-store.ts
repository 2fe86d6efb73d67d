import { EventEmitter } from 'node:events'
import type { XoConnection, XoObjectsNotification } from './connection'
import { deepEqual } from '../events/diff'
import { emitSafely } from './safe-emit'

/** An object of XO's object stream (pool, host, VM, VIF, network, SR, VDI, message, task…). */
export interface XoObject {
  id: string
  type: string
  [field: string]: unknown
}

export interface ObjectStoreEvents {
  /** a snapshot was loaded (after every sign-in); `resumed` is true after a reconnection */
  loaded: [{ count: number; resumed: boolean }]
  enter: [XoObject, XoObject | undefined]
  exit: [XoObject]
  /** a snapshot could not be loaded */
  error: [Error]
  /** a listener failed: reported, and the store and the other listeners went on */
  warning: [string]
}

/**
 * XO's objects as the connection sees them: a snapshot from `xo.getAllObjects` after every sign-in, kept up to
 * date by the `all` notifications. One store per connection, shared by every node that needs objects.
 * Only the object types asked for are kept, so that a large XO does not cost memory nobody uses.
 */
export class ObjectStore extends EventEmitter<ObjectStoreEvents> {
  #objects = new Map<string, XoObject>()
  #types: Set<string>
  /** the types the current snapshot was taken with: a resync compares only those */
  #snapshotTypes = new Set<string>()
  #connection: XoConnection
  #loading = false
  /** types were added while a snapshot was on its way: it lacks them, load again once it is in */
  #reloadAfterLoad = false
  /** bumped by stop(): a load that started before must not fill the stopped store */
  #generation = 0
  #loaded = false
  #buffered: XoObjectsNotification[] = []
  #waiters = new Set<() => void>()
  /** `until` and `nextChange` waits, by object id */
  #watchers = new Map<string, Set<() => void>>()
  #offs: Array<() => void> = []

  constructor(connection: XoConnection, types: Iterable<string>) {
    super()
    this.setMaxListeners(0)
    this.#connection = connection
    this.#types = new Set(types)
  }

  get size(): number {
    return this.#objects.size
  }

  get loaded(): boolean {
    return this.#loaded
  }

  get(id: string): XoObject | undefined {
    return this.#objects.get(id)
  }

  /** Whether objects of this type are kept (as of the current snapshot). */
  keeps(type: string): boolean {
    return this.#snapshotTypes.has(type)
  }

  values(): IterableIterator<XoObject> {
    return this.#objects.values()
  }

  /** Widens what is kept: a fresh snapshot is loaded for the new types (after the one on its way, if any). */
  addTypes(types: Iterable<string>): boolean {
    let added = false
    for (const type of types) {
      if (!this.#types.has(type)) {
        this.#types.add(type)
        added = true
      }
    }
    if (!added || this.#offs.length === 0) return added
    if (this.#loading) this.#reloadAfterLoad = true
    else if (this.#loaded && this.#connection.isConnected) void this.#load(false)
    return added
  }

  start(): void {
    if (this.#offs.length) return
    const onConnected = ({ resumed }: { resumed: boolean }) => void this.#load(resumed)
    const onNotification = (notification: XoObjectsNotification) => this.#onNotification(notification)
    this.#connection.on('connected', onConnected)
    this.#connection.on('notification', onNotification)
    this.#offs.push(
      () => this.#connection.off('connected', onConnected),
      () => this.#connection.off('notification', onNotification),
    )
    if (this.#connection.isConnected) void this.#load(false)
  }

  stop(): void {
    this.#generation++
    for (const off of this.#offs.splice(0)) off()
    for (const wake of this.#waiters) wake()
    this.#objects.clear()
    this.#loaded = false
    this.#loading = false
    this.#reloadAfterLoad = false
    this.#buffered = []
  }

  /** Resolves once a snapshot is loaded, or after `timeoutMs` (then `loaded` is still false). */
  whenLoaded(timeoutMs: number): Promise<boolean> {
    if (this.#loaded) return Promise.resolve(true)
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer)
        this.#waiters.delete(finish)
        this.off('loaded', finish)
        resolve(this.#loaded)
      }
      const timer = setTimeout(finish, timeoutMs)
      this.#waiters.add(finish)
      this.on('loaded', finish)
    })
  }

  /**
   * The object once `test` holds for it (given undefined while it does not exist), or whatever it is after
   * `timeoutMs`: a VM created a moment ago may not have reached the stream yet, a started one may not show as
   * running yet, a deleted one may still be there.
   */
  until(id: string, test: (object: XoObject | undefined) => boolean, timeoutMs: number): Promise<XoObject | undefined> {
    if (test(this.#objects.get(id))) return Promise.resolve(this.#objects.get(id))
    return this.#watch(id, timeoutMs, () => test(this.#objects.get(id)))
  }

  /** Resolves at the next change of the object (updated, removed, or a new snapshot), or after `timeoutMs`. */
  async nextChange(id: string, timeoutMs: number): Promise<XoObject | undefined> {
    return this.#watch(id, timeoutMs, () => true)
  }

  /**
   * Resolves with the object once `done()` says so after one of its changes (or a new snapshot), or after
   * `timeoutMs`. Watchers are kept by object id, not as listeners of the store: thousands of posts waiting at once
   * (a quarter of a second each at 10,000 deliveries/s) must not make every change, and every end of a wait, walk
   * them all.
   */
  #watch(id: string, timeoutMs: number, done: () => boolean): Promise<XoObject | undefined> {
    return new Promise((resolve) => {
      let watchers = this.#watchers.get(id)
      if (!watchers) this.#watchers.set(id, (watchers = new Set()))
      const own = watchers
      const finish = () => {
        clearTimeout(timer)
        this.#waiters.delete(finish)
        own.delete(check)
        if (own.size === 0 && this.#watchers.get(id) === own) this.#watchers.delete(id)
        resolve(this.#objects.get(id))
      }
      const check = () => done() && finish()
      const timer = setTimeout(finish, timeoutMs)
      this.#waiters.add(finish)
      own.add(check)
    })
  }

  /** Tells the watchers of `id` (all of them after a snapshot) that it changed. */
  #notify(id?: string): void {
    if (this.#watchers.size === 0) return
    const sets = id === undefined ? [...this.#watchers.values()] : [this.#watchers.get(id)]
    for (const watchers of sets) if (watchers) for (const check of [...watchers]) check()
  }

  async #load(resumed: boolean): Promise<void> {
    if (this.#loading) return
    const generation = this.#generation
    this.#loading = true
    this.#reloadAfterLoad = false
    this.#buffered = []
    const fresh = new Map<string, XoObject>()
    const types = new Set(this.#types)
    const keep = (object: unknown) => {
      const o = object as XoObject
      if (o && typeof o.id === 'string' && types.has(o.type)) fresh.set(o.id, o)
    }
    try {
      // Nobody wants any object (yet): no need to download XO's whole inventory for nothing.
      if (types.size > 0) await this.#fetchAll(keep)
    } catch (error) {
      if (generation !== this.#generation) return
      this.#loading = false
      this.#buffered = []
      if (this.listenerCount('error')) this.emit('error', error as Error)
      return
    }
    if (generation !== this.#generation) return
    const previous = this.#loaded ? this.#objects : undefined
    const previousTypes = this.#snapshotTypes
    this.#objects = fresh
    this.#snapshotTypes = types
    this.#loaded = true
    // What changed while the snapshot was on its way is newer than the snapshot: applied on top, after the
    // differences with what the store had before (after a reconnection: what changed while nobody listened).
    const buffered = this.#buffered
    this.#buffered = []
    this.#loading = false
    if (previous) this.#emitDifferences(previous, fresh, previousTypes)
    for (const notification of buffered) this.#apply(notification)
    this.#emit('loaded', { count: fresh.size, resumed })
    this.#notify()
    if (this.#reloadAfterLoad && this.#connection.isConnected) void this.#load(false)
  }

  /** Listeners are nodes' code: one that throws must not stop the store nor the listeners after it. */
  #emit<E extends 'enter' | 'exit' | 'loaded'>(event: E, ...args: ObjectStoreEvents[E]): void {
    emitSafely(this, event, args, (error) => {
      emitSafely(this, 'warning', [`an object ${event} listener failed: ${(error as Error)?.message ?? error}`], () => {})
    })
  }

  #emitDifferences(previous: Map<string, XoObject>, fresh: Map<string, XoObject>, types: Set<string>): void {
    for (const [id, object] of fresh) {
      if (!types.has(object.type)) continue
      const old = previous.get(id)
      if (!old || !deepEqual(old, object)) this.#emit('enter', object, old)
    }
    for (const [id, old] of previous) if (!fresh.has(id)) this.#emit('exit', old)
  }

  async #fetchAll(keep: (object: unknown) => void): Promise<void> {
    const connection = this.#connection
    // The NDJSON download streams; a single JSON-RPC reply for a large XO would be one huge frame.
    const reply = await connection.call<{ $getFrom?: string } | Record<string, unknown>>('xo.getAllObjects', { ndjson: true })
    const getFrom = (reply as { $getFrom?: unknown }).$getFrom
    if (typeof getFrom === 'string') {
      // One object XO could not write is skipped and said; the rest of the inventory still loads.
      await connection.download(getFrom, keep, {
        onBadLine: (error) => emitSafely(this, 'warning', [`an object of XO's inventory is not JSON (skipped): ${error.message}`], () => {}),
      })
    } else {
      for (const object of Object.values(reply)) keep(object)
    }
  }

  #onNotification(notification: XoObjectsNotification): void {
    if (this.#loading) this.#buffered.push(notification)
    else if (this.#loaded) this.#apply(notification)
  }

  #apply({ type, items }: XoObjectsNotification): void {
    if (!items || typeof items !== 'object') return
    if (type === 'enter') {
      for (const object of Object.values(items) as XoObject[]) {
        if (!object || !this.#types.has(object.type)) {
          // An object whose type changed to one not kept (template -> VM is kept both ways) leaves the store.
          const previous = object && this.#objects.get(object.id)
          if (previous) this.#remove(previous)
          continue
        }
        const previous = this.#objects.get(object.id)
        this.#objects.set(object.id, object)
        this.#emit('enter', object, previous)
        this.#notify(object.id)
      }
    } else if (type === 'exit') {
      for (const id of Object.keys(items)) {
        const previous = this.#objects.get(id)
        if (previous) this.#remove(previous)
      }
    }
  }

  #remove(object: XoObject): void {
    this.#objects.delete(object.id)
    this.#emit('exit', object)
    this.#notify(object.id)
  }
}
