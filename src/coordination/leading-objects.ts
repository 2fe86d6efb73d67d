import type { ObjectChange } from '../events/change'
import type { SelectedObjectsOptions } from '../events/remembered-objects'
import { changesSince, FoundChange, projectionFor, selectionDigest } from '../events/snapshot'
import type { XoObject } from '../xo/object-store'
import type { LeaseRole } from './lease'
import { SentObject, sentField, SharedSnapshot } from './shared-snapshot'

/** What of the lease the node reads: whether it leads now, and when that changes. */
export interface LeaseView {
  readonly leading: boolean
  readonly role: LeaseRole
  on(event: 'role', listener: (role: LeaseRole) => void): unknown
  off(event: 'role', listener: (role: LeaseRole) => void): unknown
}

export interface LeadingObjectsOptions extends SelectedObjectsOptions {
  snapshot: SharedSnapshot
  lease: LeaseView
  /** what changed since the last leader's last message: sent once each, in the order XO made them */
  found: (changes: FoundChange[]) => void
  /** nothing was ever sent for this node (the first leader): it starts as a node always did */
  fresh: () => void
  /** the role changed (for the status) */
  onRole: (role: LeaseRole) => void
  now?: () => number
  /** `HISTORY_MS` and how often old history is dropped (tests shorten them) */
  historyMs?: number
  sweepMs?: number
}

/** One state of an object as a follower saw it: the JSON it would have sent ('' gone or not selected). */
interface Seen {
  json: string
  at: number
  seq: number
  /** the change that led to it (none for the state before the first change seen) */
  change?: ObjectChange
}

const RETRY_MS = 1_000
/** States kept per object while following: a leader dead for longer than this many changes of one object is compared instead. */
const HISTORY_PER_OBJECT = 32
/**
 * How far back a follower keeps what it saw: an object that has not changed for this long is dropped (the leader,
 * alive then, recorded it), and older states of one that has are dropped but the last one before. Only a takeover
 * later than this after the leader's last record (Redis away for longer) falls back to comparing.
 */
export const HISTORY_MS = 10 * 60_000
const SWEEP_MS = 60_000
/** Objects written per script at most. */
const FLUSH_PAIRS = 500

/**
 * An xo-events node among instances sharing a Redis: only the leader sends. What it sends is written to the shared
 * snapshot right after, object by object, with when. A follower keeps XO's objects warm and, for each selected
 * object, the last states it saw. The instance that takes over (the leader died, paused, or lost Redis) finds, for
 * each object, the state the last leader sent among those it saw (the same JSON, the nearest in time) and sends
 * every change after it, in XO's order: each change once, even when an object changed several times meanwhile.
 * Objects it has no such history for are compared with what is now in XO, as after a restart.
 */
export class LeadingObjects {
  #phase: 'following' | 'taking-over' | 'leading' | 'closed' = 'following'
  /** what the snapshot holds, as written by this leader (id → JSON): unchanged objects are not written again */
  #sent = new Map<string, string>()
  #history = new Map<string, Seen[]>()
  #seq = 0
  #pending: string[] = []
  #flushing = false
  #takeover = 0
  #retry: NodeJS.Timeout | undefined
  #sweep: NodeJS.Timeout | undefined
  readonly #project
  readonly #digest: string
  readonly #needs: string[]
  readonly #now: () => number
  readonly #historyMs: number

  constructor(private readonly o: LeadingObjectsOptions) {
    this.#project = projectionFor(o.config)
    this.#digest = selectionDigest(o.config)
    this.#needs = [...new Set(o.needs)]
    this.#now = o.now ?? Date.now
    this.#historyMs = o.historyMs ?? HISTORY_MS
  }

  get leading(): boolean {
    return this.#phase === 'leading'
  }

  start(): void {
    this.#sweep = setInterval(() => this.#forgetOld(), this.o.sweepMs ?? SWEEP_MS)
    this.#sweep.unref?.()
    this.o.lease.on('role', this.#onRole)
    this.o.objects.on('loaded', this.#onLoaded)
    this.#onRole(this.o.lease.role)
  }

  /** Whether this live change is sent by this instance (then `sent` must follow); otherwise it is remembered. */
  accept(change: ObjectChange): boolean {
    if (this.#phase === 'leading') {
      if (this.o.lease.leading) return true
      // The lease ran out before its timer said so (this process was paused): the next leader sends this one,
      // which may be this instance again once its lease is renewed.
      this.#stepBack()
    }
    if (this.#phase !== 'closed') this.#remember(change)
    return false
  }

  /** Records what a sent change left, for the instance that may take over. */
  sent(change: ObjectChange): void {
    if (this.#phase !== 'leading') return
    this.#record(change.object.id, this.#stateAfter(change))
  }

  async close(removed: boolean): Promise<void> {
    this.#phase = 'closed'
    clearTimeout(this.#retry)
    clearInterval(this.#sweep)
    this.#history.clear()
    this.o.lease.off('role', this.#onRole)
    this.o.objects.off('loaded', this.#onLoaded)
    await this.#flush()
    if (removed && this.o.lease.leading) await this.o.snapshot.forget().catch(() => {})
  }

  readonly #onRole = (role: LeaseRole) => {
    this.o.onRole(role)
    if (this.#phase === 'closed') return
    if (role.role === 'leader') {
      if (this.#phase === 'following') void this.#takeOver()
    } else {
      this.#follow()
    }
  }

  readonly #onLoaded = () => {
    if (this.#phase === 'taking-over' || (this.#phase === 'following' && this.o.lease.leading)) void this.#takeOver()
  }

  #selects(object: XoObject): boolean {
    return this.o.selection.matches(object, (id) => this.o.objects.get(id))
  }

  /** The JSON the leader writes for what a change left ('' when the object is gone or no longer selected). */
  #stateAfter(change: ObjectChange): string {
    return change.kind === 'enter' && this.#selects(change.object) ? JSON.stringify(this.#project(change.object)) : ''
  }

  #remember(change: ObjectChange): void {
    const { object, previous } = change
    let states = this.#history.get(object.id)
    if (!states) {
      if (!this.#selects(object) && !(previous && this.#selects(previous))) return
      // The state before the first change seen: the leader may have sent that one last.
      const before = previous && this.#selects(previous) ? JSON.stringify(this.#project(previous)) : ''
      states = [{ json: before, at: this.#now(), seq: ++this.#seq }]
      this.#history.set(object.id, states)
    }
    const json = this.#stateAfter(change)
    // A change of fields the node does not read sends nothing and leaves the same state: not kept.
    if (json === states[states.length - 1].json) return
    const now = this.#now()
    states.push({ json, at: now, seq: ++this.#seq, change })
    if (states.length > HISTORY_PER_OBJECT) states.splice(0, states.length - HISTORY_PER_OBJECT)
    while (states.length > 1 && states[1].at < now - this.#historyMs) states.shift()
  }

  /** Drops what no takeover will need: objects that have not changed within the history's time. */
  #forgetOld(): void {
    const oldest = this.#now() - this.#historyMs
    for (const [id, states] of this.#history) if (states[states.length - 1].at < oldest) this.#history.delete(id)
  }

  /** Objects with a history (for tests). */
  get remembered(): number {
    return this.#history.size
  }

  #follow(): void {
    if (this.#phase === 'closed') return
    this.#phase = 'following'
    this.#sent.clear()
    this.#pending = []
    this.#takeover++
  }

  /** Redis failed this leader: it stops sending, and takes over again (comparing) once it can. */
  #stepBack(): void {
    this.#follow()
    clearTimeout(this.#retry)
    this.#retry = setTimeout(() => {
      if (this.#phase === 'following' && this.o.lease.leading) void this.#takeOver()
    }, RETRY_MS)
    this.#retry.unref?.()
  }

  #ready(): boolean {
    return this.o.objects.loaded && this.#needs.every((type) => this.o.objects.keeps(type))
  }

  async #takeOver(): Promise<void> {
    const attempt = ++this.#takeover
    this.#phase = 'taking-over'
    if (!this.#ready()) return // again once the store is loaded
    let stored
    try {
      stored = await this.o.snapshot.load()
    } catch (error) {
      this.o.warn(`cannot read what the last leader sent: ${(error as Error).message}`)
      if (attempt === this.#takeover) this.#stepBack()
      return
    }
    if (attempt !== this.#takeover || this.#phase !== 'taking-over' || !this.o.lease.leading || !this.#ready()) return
    const about = { server: this.o.server(), selection: this.#digest }
    this.#sent.clear()
    if (!stored || stored.about.server !== about.server || stored.about.selection !== about.selection) {
      if (stored) this.o.log('what the last leader sent was for another XO or selection: starting afresh')
      await this.#startAfresh(attempt, about)
      return
    }
    for (const { object } of stored.objects) this.#sent.set(object.id, JSON.stringify(object))
    const found = this.#missed(stored.objects, stored.gone)
    this.#history.clear()
    this.#phase = 'leading'
    this.o.log(`leading: ${found.length} changes since the last leader's last message`)
    if (found.length) this.o.found(found)
    for (const { change } of found) this.sent(change)
  }

  /**
   * The first leader (or another selection): it sends from now on, as a node always did, while the whole snapshot
   * is written. Live changes sent meanwhile are recorded after it, in order, so none is lost or written stale.
   */
  async #startAfresh(attempt: number, about: { server: string; selection: string }): Promise<void> {
    const entries: Array<[string, string]> = []
    const at = this.#now()
    for (const object of this.o.objects.values()) {
      if (!this.#selects(object)) continue
      const json = JSON.stringify(this.#project(object))
      entries.push([object.id, sentField(json, at)])
      this.#sent.set(object.id, json)
    }
    this.#history.clear()
    this.#phase = 'leading'
    this.#flushing = true
    this.o.log('leading: nothing sent before, starting afresh')
    this.o.fresh()
    try {
      await this.o.snapshot.reset(about, entries)
    } catch (error) {
      this.#flushing = false
      this.o.warn(`cannot write the shared snapshot: ${(error as Error).message}`)
      if (attempt === this.#takeover) this.#stepBack()
      return
    }
    this.#flushing = false
    if (this.#phase === 'leading') void this.#flush()
  }

  /**
   * The changes the last leader did not send: for each object seen changing, those after the state it sent (same
   * JSON, nearest in time; for an object it had not sent or had sent as gone, after the first such state seen);
   * the other objects compared with XO as it is now.
   */
  #missed(sent: SentObject[], gone: Map<string, number>): FoundChange[] {
    const replayed: Array<{ seq: number; found: FoundChange }> = []
    const handled = new Set<string>()
    const sentById = new Map(sent.map((s) => [s.object.id, s]))
    for (const [id, states] of this.#history) {
      const last = sentById.get(id)
      const json = last ? JSON.stringify(last.object) : ''
      // When it was sent so (gone: when it was sent as gone); never sent: its first state seen gone or unselected.
      const at = last?.at ?? gone.get(id)
      let from = -1
      for (let i = 0; i < states.length; i++) {
        if (states[i].json !== json) continue
        if (at === undefined) {
          from = i
          break
        }
        if (from === -1 || Math.abs(states[i].at - at) < Math.abs(states[from].at - at)) from = i
      }
      if (from === -1) continue // seen too little of it: compared below
      handled.add(id)
      for (const state of states.slice(from + 1)) {
        if (state.change) replayed.push({ seq: state.seq, found: { change: state.change, object: state.change.object } })
      }
    }
    replayed.sort((a, b) => a.seq - b.seq)
    const objects = this.o.objects
    const rest = {
      get: (id: string) => (handled.has(id) ? undefined : objects.get(id)),
      *values() {
        for (const object of objects.values()) if (!handled.has(object.id)) yield object
      },
    }
    const lookup = (id: string) => objects.get(id)
    const compared = changesSince(sent.filter((s) => !handled.has(s.object.id)).map((s) => s.object), rest, (o) => this.#selects(o), this.#project, lookup)
    return [...replayed.map((r) => r.found), ...compared]
  }

  #record(id: string, json: string): void {
    if ((this.#sent.get(id) ?? '') === json) return
    if (json) this.#sent.set(id, json)
    else this.#sent.delete(id)
    // An object gone is recorded with its time too: a takeover matches it by time, as any other state.
    this.#pending.push(id, sentField(json, this.#now()))
    // Written in the same turn as the message went out: what is sent and what is recorded stay as close as can be.
    if (!this.#flushing) void this.#flush()
  }

  async #flush(): Promise<void> {
    if (this.#flushing) return
    this.#flushing = true
    try {
      while (this.#pending.length) {
        const pairs = this.#pending.splice(0, FLUSH_PAIRS * 2)
        try {
          await this.o.snapshot.apply(pairs)
        } catch (error) {
          // Not recorded: this instance must not lead on what it cannot record; the next leader sends it again
          // rather than never.
          this.o.warn(`cannot record sent changes: ${(error as Error).message}`)
          this.#stepBack()
        }
      }
    } finally {
      this.#flushing = false
    }
  }
}
