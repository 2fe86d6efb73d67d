import type { LeaseRole } from '../coordination/leader-lease'
import { sentField, type SharedSnapshot, type StoredSnapshot } from '../coordination/shared-snapshot'
import type { XoObject } from '../xo/object-store'
import type { ObjectChange } from './change'
import type { SelectedObjectsOptions } from './remembered-objects'
import { changesSince, type FoundChange, projectionFor, selectionDigest } from './snapshot'

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
  found: (changes: TakeoverChange[]) => void
  /** nothing was ever sent for this node (the first leader): it starts as a node always did */
  fresh: () => void
  /** the role changed (for the status) */
  onRole: (role: LeaseRole) => void
  now?: () => number
  /** `HISTORY_MS` and how often old history is dropped (tests shorten them) */
  historyMs?: number
  sweepMs?: number
  /** `HEARTBEAT_MS` (tests shorten it) */
  heartbeatMs?: number
}

/**
 * How a change found at a takeover was found: `seen` by this instance as XO made it, while it followed (its history
 * reaches back to what the last leader recorded of the object); `compared`: only XO's object as it is now was
 * compared with what the last leader recorded (no history across the gap: several changes may show as one).
 */
export type FoundAtTakeover = 'seen' | 'compared'

export type TakeoverChange = FoundChange & { foundAtTakeover: FoundAtTakeover }

/** One state of an object as a follower saw it: the JSON it would have sent ('' gone or not selected). */
interface Seen {
  json: string
  /** when it began (the first state of a history: from when this instance knows it was so) */
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
/**
 * How far apart two instances may see the same change of XO, on their clocks (same host or NTP) with their event
 * loops' delays: a takeover tells which state seen is the one the last leader recorded only within this.
 */
export const SKEW_MS = 250
/** How often a leader says in Redis that it recorded everything it sent, even when nothing changes. */
export const HEARTBEAT_MS = 1_000
/** Objects written per script at most. */
const FLUSH_PAIRS = 500

/**
 * An xo-events node among instances sharing a Redis: only the leader sends. What it sends is written to the shared
 * snapshot right after, object by object, with when, and every second the time up to which it recorded all it sent.
 * A follower keeps XO's objects warm and, for each selected object, the states it saw with when each began. The
 * instance that takes over (the leader died, paused, or lost Redis) finds, for each object, the one state it saw
 * that can be the one the last leader recorded: equal to it, begun by the time it was recorded and lasting until
 * the leader's last record (within `SKEW_MS`), in a history that reaches back before that; it sends every change
 * after it, in XO's order, marked `seen`: each change once, even when an object changed several times meanwhile.
 * Anything else (no history reaching back, as in an instance that just started, or a state that could be either
 * of two) is compared with what is now in XO, as after a restart, marked `compared`, and counted in the log: a
 * takeover never takes a later copy of a repeated state for the one recorded, so it never skips a change silently.
 */
export class LeadingObjects {
  #phase: 'following' | 'taking-over' | 'leading' | 'closed' = 'following'
  /** what the snapshot holds, as written by this leader (id → JSON): unchanged objects are not written again */
  #sent = new Map<string, string>()
  #history = new Map<string, Seen[]>()
  #seq = 0
  #pending: string[] = []
  #flushing = false
  /**
   * What this instance sent while it led that Redis never acknowledged (it failed mid-write, or went away): pairs as
   * written, recorded when this instance leads again if nobody led meanwhile, so that it is not sent twice.
   */
  #owed: string[] = []
  /** when this instance stopped leading: everything owed was sent by then */
  #owedUntil = 0
  /** the `until` this instance wrote last, and any whose answer never came: the snapshot ending at one of them means nobody led since */
  #ownUntils = new Set<number>()
  #takeover = 0
  #retry: NodeJS.Timeout | undefined
  #sweep: NodeJS.Timeout | undefined
  #heartbeat: NodeJS.Timeout | undefined
  /** since when this instance saw every change of XO's objects (Infinity: not loaded yet) */
  #since = Infinity
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
    this.#heartbeat = setInterval(() => {
      if (this.#phase === 'leading' && !this.#flushing && !this.#pending.length) void this.#flush(true)
    }, this.o.heartbeatMs ?? HEARTBEAT_MS)
    this.#heartbeat.unref?.()
    if (this.o.objects.loaded) this.#since = this.#now()
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

  /** Records what an accepted change left (sent or not: the state as this leader sees it), for the instance that may take over. */
  sent(change: ObjectChange): void {
    if (this.#phase !== 'leading') return
    this.#record(change.object.id, this.#stateAfter(change))
  }

  async close(removed: boolean): Promise<void> {
    this.#phase = 'closed'
    clearTimeout(this.#retry)
    clearInterval(this.#sweep)
    clearInterval(this.#heartbeat)
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

  readonly #onLoaded = (loaded?: { resumed?: boolean }) => {
    // After a reconnection, what changed while nobody listened came as one difference: what was seen before
    // proves nothing about that time.
    if (this.#since === Infinity || loaded?.resumed) {
      this.#since = this.#now()
      this.#history.clear()
    }
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
      if (this.#since === Infinity) return
      if (!this.#selects(object) && !(previous && this.#selects(previous))) return
      // The state before the first change seen: the leader may have sent that one last. Known so since this
      // instance listens, or for the history's time at least (an object with no history had not changed for
      // that long when it was dropped).
      const before = previous && this.#selects(previous) ? JSON.stringify(this.#project(previous)) : ''
      states = [{ json: before, at: this.#quietSince(), seq: ++this.#seq }]
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

  /** Since when an object this instance keeps no history of has surely not changed. */
  #quietSince(): number {
    return Math.max(this.#since, this.#now() - this.#historyMs)
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
    if (this.#phase === 'leading') {
      // Sent, not yet written: owed (a write in flight that fails is put back in front of it).
      this.#owed.push(...this.#pending)
      this.#owedUntil = this.#now()
    }
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
    let stored: StoredSnapshot | undefined
    try {
      stored = await this.o.snapshot.load()
    } catch (error) {
      this.o.warn(`cannot read what the last leader sent: ${(error as Error).message}`)
      if (attempt === this.#takeover) this.#stepBack()
      return
    }
    if (attempt !== this.#takeover || this.#phase !== 'taking-over' || !this.o.lease.leading || !this.#ready()) return
    if (this.#owed.length) {
      try {
        stored = await this.#recordOwed(stored)
      } catch (error) {
        this.o.warn(`cannot record what was sent before Redis failed: ${(error as Error).message}`)
        if (attempt === this.#takeover) this.#stepBack()
        return
      }
      if (attempt !== this.#takeover || this.#phase !== 'taking-over' || !this.o.lease.leading) return
    }
    const about = { server: this.o.server(), selection: this.#digest }
    this.#sent.clear()
    if (!stored || stored.about.server !== about.server || stored.about.selection !== about.selection) {
      if (stored) this.o.log('what the last leader sent was for another XO or selection: starting afresh')
      await this.#startAfresh(attempt, about)
      return
    }
    for (const { object } of stored.objects) this.#sent.set(object.id, JSON.stringify(object))
    const { found, compared } = this.#missed(stored)
    this.#history.clear()
    this.#phase = 'leading'
    this.o.log(`leading: ${found.length} changes since the last leader's last message`)
    if (compared) {
      this.o.log(
        `${compared} objects only compared with XO at this takeover (no history here reaching back to what the last leader recorded): several changes of one of them meanwhile show as one, marked foundAtTakeover 'compared'`,
      )
    }
    if (found.length) this.o.found(found)
    for (const { change } of found) this.sent(change)
    // The snapshot ends where this leader begins, found changes or not: what a former leader still owes is not
    // taken for the end of its own record any more.
    if (!found.length) void this.#flush(true)
  }

  /**
   * What this instance sent before Redis failed it, never recorded: written now that it leads again, if the snapshot
   * still ends where this instance's record did (nobody led meanwhile); else the leader that did found those
   * changes itself, and they are dropped. Answers the snapshot to take over from.
   */
  async #recordOwed(stored: StoredSnapshot | undefined): Promise<StoredSnapshot | undefined> {
    const owed = this.#owed
    if (!stored || stored.until === undefined || !this.#ownUntils.has(stored.until)) {
      this.#owed = []
      this.o.log(
        `${owed.length / 2} changes sent before Redis failed were never recorded, and the snapshot changed since (another instance led, or Redis lost it): it is taken over as it is`,
      )
      return stored
    }
    await this.o.snapshot.apply(owed, this.#owedUntil)
    this.#owed = []
    this.#ownUntils = new Set([this.#owedUntil])
    return this.o.snapshot.load()
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
   * The changes the last leader did not send: for each object seen changing, those after the state it recorded,
   * where that state is proven (`#recorded`); the other objects compared with XO as it is now. `compared`: how
   * many objects could only be compared.
   */
  #missed(stored: StoredSnapshot): { found: TakeoverChange[]; compared: number } {
    const { objects: sent, gone } = stored
    const replayed: Array<{ seq: number; found: TakeoverChange }> = []
    const handled = new Set<string>()
    let unproven = 0
    const sentById = new Map(sent.map((s) => [s.object.id, s]))
    // Until then the last leader had recorded all it sent: each object was, as it saw it, as last recorded.
    let last = stored.until ?? -Infinity
    for (const { at } of sent) last = Math.max(last, at)
    for (const at of gone.values()) last = Math.max(last, at)
    for (const [id, states] of this.#history) {
      const record = sentById.get(id)
      // Never recorded, or recorded as gone: gone or not selected as the last leader saw it.
      const from = this.#recorded(
        states,
        record ? JSON.stringify(record.object) : '',
        record?.at ?? gone.get(id) ?? last,
        last,
      )
      if (from === undefined) {
        unproven++
        continue // compared below
      }
      handled.add(id)
      for (const state of states.slice(from + 1)) {
        if (state.change)
          replayed.push({
            seq: state.seq,
            found: { change: state.change, object: state.change.object, foundAtTakeover: 'seen' },
          })
      }
    }
    replayed.sort((a, b) => a.seq - b.seq)
    const objects = this.o.objects
    // Objects without a history did not change since `#quietSince`: proven unchanged when that reaches back.
    if (!(this.#quietSince() <= last - SKEW_MS)) {
      const counted = new Set<string>()
      for (const { object } of sent) if (!this.#history.has(object.id)) counted.add(object.id)
      for (const object of objects.values())
        if (!this.#history.has(object.id) && this.#selects(object)) counted.add(object.id)
      unproven += counted.size
    }
    const rest = {
      get: (id: string) => (handled.has(id) ? undefined : objects.get(id)),
      *values() {
        for (const object of objects.values()) if (!handled.has(object.id)) yield object
      },
    }
    const lookup = (id: string) => objects.get(id)
    const compared = changesSince(
      sent.filter((s) => !handled.has(s.object.id)).map((s) => s.object),
      rest,
      (o) => this.#selects(o),
      this.#project,
      lookup,
    )
    return {
      found: [
        ...replayed.map((r) => r.found),
        ...compared.map((c): TakeoverChange => ({ ...c, foundAtTakeover: 'compared' })),
      ],
      compared: unproven,
    }
  }

  /**
   * Which of the states seen is the one the last leader recorded (`json` at `at`, still so at `last` as it saw
   * it), or undefined when that cannot be told for sure. The history must reach back before `last` (less the
   * skew); the state must equal it, have begun by `at` and lasted until `last` (within the skew: the first state of
   * a history may have begun before it); exactly one may: a repeated state elsewhere in time is not taken for it.
   */
  #recorded(states: Seen[], json: string, at: number, last: number): number | undefined {
    const lo = last - SKEW_MS
    const hi = at + SKEW_MS
    if (!(states[0].at <= lo)) return undefined
    let found: number | undefined
    for (let i = 0; i < states.length; i++) {
      if (states[i].json !== json) continue
      const end = i + 1 < states.length ? states[i + 1].at : Infinity
      if (end < lo || (i > 0 && states[i].at > hi)) continue
      if (found !== undefined) return undefined
      found = i
    }
    return found
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

  /** `heartbeat`: written even with nothing pending, to say until when everything sent is recorded. */
  async #flush(heartbeat = false): Promise<void> {
    if (this.#flushing) return
    this.#flushing = true
    try {
      while (this.#pending.length || heartbeat) {
        heartbeat = false
        const pairs = this.#pending.splice(0, FLUSH_PAIRS * 2)
        // Everything sent until now is in this write or an earlier one (messages and records go in the same turn).
        const until = this.#pending.length ? undefined : this.#now()
        if (until !== undefined) this.#ownUntils.add(until)
        try {
          await this.o.snapshot.apply(pairs, until)
          if (until !== undefined) this.#ownUntils = new Set([until])
        } catch (error) {
          // Sent but maybe not recorded: owed, before what was sent after it.
          this.#owed.unshift(...pairs)
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
