import type { StateStore } from '../state/state-store'
import { ThrottledWriter } from '../state/throttled-writer'
import type { XoObject } from '../xo/object-store'
import type { ObjectChange } from './change'
import type { EventSelection, XoEventsConfig } from './selection'
import {
  changesSince,
  type FoundChange,
  isSnapshot,
  mismatch,
  type ObjectsSnapshot,
  projectionFor,
  selectionDigest,
  takeSnapshot,
} from './snapshot'

/** At most one write of a node's snapshot this often, however busy XO is. */
export const WRITE_INTERVAL_MS = 5_000

/** What of the shared object store this needs (the store itself, or a test double). */
export interface ObjectsView {
  readonly loaded: boolean
  keeps(type: string): boolean
  get(id: string): XoObject | undefined
  values(): Iterable<XoObject>
  on(event: 'loaded', listener: () => void): unknown
  off(event: 'loaded', listener: () => void): unknown
}

/** What a node's objects kept beyond one process (a file, a shared store) are about. */
export interface SelectedObjectsOptions {
  objects: ObjectsView
  /** the types the node needs kept (its own and those its filters and events look up) */
  needs: Iterable<string>
  selection: EventSelection
  config: XoEventsConfig
  /** XO's URL as of now */
  server: () => string
  log: (message: string) => void
  warn: (message: string) => void
}

export interface RememberedObjectsOptions extends SelectedObjectsOptions {
  state: StateStore
  key: string
  /** what the node found since the snapshot, to send once each (called once, or never) */
  found: (changes: FoundChange[]) => void
  /** nothing usable remembered: the node starts as it always did, with the live changes held meanwhile */
  fresh: (held: ObjectChange[]) => void
  /** `problem` changed */
  onProblem?: () => void
  writeIntervalMs?: number
  /**
   * Objects whose creation the node has not sent yet (held until XO finished making them): left out of the
   * snapshot, so that a restart meanwhile finds them created instead of known.
   */
  unsent?: (id: string) => boolean
}

/**
 * A node's objects across restarts of Node-RED. At start, it reads what the node remembered and, once the shared
 * store has XO's objects, compares: what changed meanwhile goes to `found`. Live changes that come before that are
 * held, and dropped once compared (the comparison runs against the store as it is then, which includes them), or
 * handed back to `fresh` when nothing was remembered. Afterwards a live change of a selected object only marks the
 * snapshot stale; it is built from the store when written, at most once per interval, and a last time on close.
 */
export class RememberedObjects {
  /** why the snapshot cannot be saved (shown in the node's status), until a save works again */
  problem: string | undefined
  #phase: 'reading' | 'waiting' | 'live' | 'closed' = 'reading'
  #held: ObjectChange[] = []
  #remembered: ObjectsSnapshot | undefined
  /** taken when the node closes: the store may be cleared (its config node closing) before the write happens */
  #final: ObjectsSnapshot | undefined
  readonly #digest: string
  readonly #project
  readonly #needs: string[]
  readonly #writer: ThrottledWriter<ObjectsSnapshot | undefined>
  readonly #warned = new Set<string>()
  readonly #watchesPools: boolean

  constructor(private readonly o: RememberedObjectsOptions) {
    this.#digest = selectionDigest(o.config)
    this.#project = projectionFor(o.config)
    this.#needs = [...new Set(o.needs)]
    this.#watchesPools = Boolean(o.config.poolFilter?.value?.trim())
    // Nothing is written from a store that is not ready: every object would look created after the restart.
    const current = () => this.#final ?? (this.#phase === 'live' && this.#ready() ? this.#take() : undefined)
    this.#writer = new ThrottledWriter(this.#sink(), o.key, current, o.writeIntervalMs ?? WRITE_INTERVAL_MS, (error) =>
      this.#failed(error),
    )
    o.objects.on('loaded', this.#onLoaded)
  }

  /** Reads what was remembered; resolves once known (comparing may wait for the store). */
  async start(): Promise<void> {
    let stored: unknown
    try {
      stored = (await this.o.state.read<unknown>(this.o.key))?.value
    } catch (error) {
      this.o.warn(`cannot read the remembered objects: ${(error as Error).message}; starting without them`)
    }
    if (this.#phase !== 'reading') return
    if (stored === undefined) return this.#startFresh()
    if (!isSnapshot(stored)) {
      this.o.warn('the remembered objects are not a snapshot of this node (ignored; the next save replaces them)')
      return this.#startFresh()
    }
    const reason = mismatch(stored, { selection: this.#digest })
    if (reason) return this.#startFresh(`the remembered objects were taken for ${reason}: starting afresh`)
    this.#remembered = stored
    this.#phase = 'waiting'
    if (this.#ready()) this.#compare()
  }

  /** Whether the node sends this live change now (false: held or already part of what is compared at start). */
  accept(change: ObjectChange): boolean {
    if (this.#phase === 'live') {
      if (this.#concerns(change)) this.#writer.changed()
      return true
    }
    if (this.#phase === 'closed') return false
    // Held until it is known whether a comparison covers it: the store, compared as it is then, includes it.
    this.#held.push(change)
    if (this.#phase === 'waiting' && this.#ready()) this.#compare()
    return false
  }

  /**
   * The node closes: a last write of the current snapshot (taken now, from a ready store only), or, when the node
   * was removed (deleted, or disabled with its flow), its snapshot deleted: enabled again, it starts afresh rather than
   * replaying everything since. Never compared yet (XO never answered): what is stored stays, to be compared next time.
   */
  async close(removed: boolean): Promise<void> {
    const phase = this.#phase
    this.#phase = 'closed'
    this.o.objects.off('loaded', this.#onLoaded)
    if (removed) {
      this.#writer.cancel()
      await this.o.state
        .delete(this.o.key)
        .catch((error) => this.o.warn(`cannot delete the remembered objects: ${(error as Error).message}`))
      return
    }
    if (phase !== 'live' || !this.#ready()) return this.#writer.cancel()
    this.#final = this.#take()
    await this.#writer.flush()
  }

  readonly #onLoaded = () => {
    if (this.#phase === 'waiting' && this.#ready()) this.#compare()
    else if (this.#phase === 'live' && this.#ready()) this.#writer.changed()
  }

  #ready(): boolean {
    return this.o.objects.loaded && this.#needs.every((type) => this.o.objects.keeps(type))
  }

  #startFresh(why?: string): void {
    if (why) this.o.log(why)
    this.#phase = 'live'
    const held = this.#held
    this.#held = []
    this.o.fresh(held)
    if (this.#ready()) this.#writer.changed()
  }

  #compare(): void {
    const remembered = this.#remembered!
    this.#remembered = undefined
    const reason = mismatch(remembered, { selection: this.#digest, server: this.o.server() })
    if (reason) return this.#startFresh(`the remembered objects were taken for ${reason}: starting afresh`)
    this.#phase = 'live'
    this.#held = []
    const lookup = (id: string) => this.o.objects.get(id)
    const selects = (object: XoObject) => this.o.selection.matches(object, lookup)
    const found = changesSince(remembered.objects, this.o.objects, selects, this.#project, lookup)
    this.o.log(
      `compared ${remembered.objects.length} objects remembered at ${remembered.takenAt} with XO: ${found.length} changed meanwhile`,
    )
    this.#writer.changed()
    this.o.found(found)
  }

  #take(): ObjectsSnapshot {
    const lookup = (id: string) => this.o.objects.get(id)
    const unsent = this.o.unsent
    const selects = (object: XoObject) => this.o.selection.matches(object, lookup) && !unsent?.(object.id)
    return takeSnapshot(this.o.objects.values(), selects, this.#project, {
      server: this.o.server(),
      selection: this.#digest,
    })
  }

  /** Whether a change can alter the snapshot: a selected object (before or after), or a pool the pool filter names. */
  #concerns(change: ObjectChange): boolean {
    const lookup = (id: string) => this.o.objects.get(id)
    const { object, previous } = change
    if (this.o.selection.matches(object, lookup) || (previous && this.o.selection.matches(previous, lookup)))
      return true
    return this.#watchesPools && object.type === 'pool'
  }

  /** The state store, skipping a write that has nothing to write, and clearing a problem once a write works. */
  #sink(): StateStore {
    const state = this.o.state
    return {
      read: (key) => state.read(key),
      write: async (key, value) => {
        if (value === undefined) return 0
        const version = await state.write(key, value)
        if (this.problem !== undefined) {
          this.problem = undefined
          this.#warned.clear()
          this.o.onProblem?.()
        }
        return version
      },
      compareAndSet: (key, expected, value) => state.compareAndSet(key, expected, value),
      delete: (key) => state.delete(key),
    }
  }

  #failed(error: Error): void {
    const message = error?.message ?? String(error)
    if (!this.#warned.has(message)) {
      this.#warned.add(message)
      this.o.warn(`cannot save the remembered objects: ${message}`)
    }
    if (this.problem !== message) {
      this.problem = message
      this.o.onProblem?.()
    }
  }
}
