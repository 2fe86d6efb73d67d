import { EventEmitter } from 'node:events'
import { backoffDelay, type BackoffPolicy } from './backoff'
import type { XoConnection, XoObjectsNotification } from './connection'
import { deepEqual } from './deep-equal'
import { describeValue, isRecord } from './json-rpc'
import { emitSafely } from './safe-emit'
import { objectProblem, type XoObject } from './xo-object'

export { objectProblem, type XoObject } from './xo-object'

/** An answer to `xo.getAllObjects` that is not an inventory: said as a bad frame of XO's. */
class MalformedInventory extends Error {}

/** XO's objects are downloaded again after a load that failed, this long after (growing with each failure). */
export const LOAD_RETRY: BackoffPolicy = { initialMs: 1000, maxMs: 60_000 }
/** `xo.getAllObjects` answers at once (the objects come by download); without an answer, the load is tried again. */
const LOAD_ANSWER_TIMEOUT_MS = 120_000

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
  #retry: BackoffPolicy
  #retryTimer: NodeJS.Timeout | undefined
  /** loads that failed in a row */
  #failures = 0

  constructor(connection: XoConnection, types: Iterable<string>, options: { retry?: BackoffPolicy } = {}) {
    super()
    this.setMaxListeners(0)
    this.#connection = connection
    this.#types = new Set(types)
    this.#retry = options.retry ?? LOAD_RETRY
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
    clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    this.#failures = 0
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
    clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    const generation = this.#generation
    this.#loading = true
    this.#reloadAfterLoad = false
    this.#buffered = []
    const fresh = new Map<string, XoObject>()
    const types = new Set(this.#types)
    let malformed = 0
    let firstProblem: string | undefined
    const keep = (object: unknown) => {
      const problem = objectProblem(object)
      if (problem !== undefined) {
        malformed++
        firstProblem ??= problem
        return
      }
      const o = object as XoObject
      if (types.has(o.type)) fresh.set(o.id, o)
    }
    const notJson = (error: Error) => {
      malformed++
      firstProblem ??= `a line that is not JSON (${error.message})`
    }
    try {
      // Nobody wants any object (yet): no need to download XO's whole inventory for nothing.
      if (types.size > 0) await this.#fetchAll(keep, notJson)
    } catch (error) {
      if (generation !== this.#generation) return
      this.#loading = false
      this.#buffered = []
      this.#failed(error as Error, resumed)
      return
    }
    if (generation !== this.#generation) return
    this.#failures = 0
    // The rest of the inventory loads; what was not an object of XO's is said once per load.
    if (malformed)
      this.#connection.reportBadFrame(`${malformed} malformed object(s) in its inventory, left out: ${firstProblem}`)
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

  /** A load that failed is tried again (while connected: a new connection loads anyway), later after each failure. */
  #failed(error: Error, resumed: boolean): void {
    if (error instanceof MalformedInventory) this.#connection.reportBadFrame(error.message)
    const delay = backoffDelay(this.#failures++, this.#retry)
    clearTimeout(this.#retryTimer)
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined
      if (this.#offs.length && this.#connection.isConnected) void this.#load(resumed)
    }, delay)
    if (this.listenerCount('error'))
      this.emit('error', new Error(`${error.message} (trying again in ${Math.ceil(delay / 1000)} s)`))
  }

  /** Listeners are nodes' code: one that throws must not stop the store nor the listeners after it. */
  #emit<E extends 'enter' | 'exit' | 'loaded'>(event: E, ...args: ObjectStoreEvents[E]): void {
    emitSafely(this, event, args, (error) => {
      emitSafely(
        this,
        'warning',
        [`an object ${event} listener failed: ${(error as Error)?.message ?? error}`],
        () => {},
      )
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

  async #fetchAll(keep: (object: unknown) => void, onBadLine: (error: Error) => void): Promise<void> {
    const connection = this.#connection
    // The NDJSON download streams; a single JSON-RPC reply for a large XO would be one huge frame.
    const reply = await connection.call<unknown>('xo.getAllObjects', { ndjson: true }, LOAD_ANSWER_TIMEOUT_MS)
    if (!isRecord(reply)) {
      throw new MalformedInventory(`an answer to xo.getAllObjects that is ${describeValue(reply)}, not objects`)
    }
    if (!('$getFrom' in reply)) {
      for (const object of Object.values(reply)) keep(object)
      return
    }
    // A path on XO's own HTTP server (`/api/…`), where the download goes with this connection's TLS settings.
    const getFrom = reply.$getFrom
    if (typeof getFrom !== 'string' || !/^\/(?![/\\])\S*$/.test(getFrom)) {
      throw new MalformedInventory(
        `an answer to xo.getAllObjects whose $getFrom is ${describeValue(getFrom)}, not a path`,
      )
    }
    // One object XO could not write is skipped (and said with the malformed ones); the rest of the inventory loads.
    await connection.download(getFrom, keep, { onBadLine })
  }

  #onNotification(notification: XoObjectsNotification): void {
    if (this.#loading) this.#buffered.push(notification)
    else if (this.#loaded) this.#apply(notification)
  }

  /** Applies a notification; the connection left out of it what is not an XO object (`objectProblem`). */
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
