import type { XoDigest } from '../destinations/digest-message'
import type { XoEventSummary } from '../destinations/summary'
import { isRecord } from '../destinations/text'
import { type DigestEvent, digestEventOf, isVmProblem } from './digest-event'
import { systemClock, type TimerClock } from '../common/timer-clock'
import { DueQueue } from './due-queue'
import { allRecovered, digestOf, explain, gather, openGroup, settle } from './group'
import { type GroupKey, groupOf } from './group-labels'
import { Inhibitors, inhibitionOf } from './inhibitors'
import { OpenProblems } from './open-problems'
import { type GroupState, isGroupState } from './group-state'
import { hostsOf, type Silence } from './silences'
import { PowerIntents } from './power-intents'
import { SeenEvents } from './seen-events'
import { type DropReason, type HeldEntry, type MuteReason, Suppressions } from './suppressions'
import { titleOf } from './title'

export type { GroupKey } from './group-labels'
export type { Silence } from './silences'

export type { DropReason, MuteReason } from './suppressions'

export interface DigestOptions {
  /** the labels a group is made by (the node's default: kind and pool); problems always group apart from news */
  groupBy: GroupKey[]
  /** how long a new group gathers before its first send (the node's default: 10 s) */
  groupWaitMs: number
  /** at most one send per group in this time, when it changed (5 min) */
  groupIntervalMs: number
  /** an unchanged group with problems still open is sent again after this (4 h) */
  repeatIntervalMs: number
  /**
   * how long an open problem group is repeated with no new message before it is given up and closed, since nothing
   * may ever recover it (XO tells an event once, never again while it lasts): the node's "Repeat for" (24 h); 0 or
   * absent, as long as it is open
   */
  repeatForMs?: number
  /** pair problems with recoveries, send "resolved" */
  resolve: boolean
  /** refuse an event gathered already (same id: a replayed call, a change seen again) */
  dedup: boolean
  /** the messages a digest lists, the first ones (20) */
  maxItems: number
  silences: Silence[]
  /** a host down mutes the problems of the VMs that were on it, a new master those of every VM of its pool */
  inhibit: boolean
  /** tests: a clock they move; by default the system's, its timers not keeping the process alive */
  clock?: TimerClock
  send(digest: XoDigest): void
  /**
   * What it did not send and why, for a node's log and status: every message dropped is told (`count` of them at
   * once when a whole group is), as `stats().dropped` counts them; how often to say so is the caller's choice.
   */
  dropped?(reason: DropReason, about: string, count: number): void
  /** An open problem group given up after `repeatForMs` (its title): not repeated, nor resolved, any more. */
  gaveUp?(title: string): void
}

/** What is open, JSON-able: kept across a restart or redeploy. */
export interface DigestSnapshot {
  version: 1
  groups: GroupState[]
  /** the latest event ids gathered, still refused, with until when (ms) */
  seen: Array<[string, number]>
  /** hosts in maintenance mode */
  maintenance: string[]
  /** problems held while muted (silenced, inhibited), told once nothing mutes them if they are still open */
  held?: Array<[string, HeldEntry]>
}

/**
 * `muted`: a problem held out of its group while a silence or an inhibition holds (told in it afterwards if still
 * open, dropped with its recovery if it recovers before).
 */
type Added = { accepted: true; group: string; muted?: MuteReason } | { accepted: false; reason: DropReason }

interface OpenGroup {
  state: GroupState
  /** distinct subjects, to count them in O(1) */
  subjects: Set<string>
}

// How long an event id is refused again, at least: XO's audit log replays missed calls minutes later.
const SEEN_AT_LEAST_MS = 60 * 60_000
// Recoveries remembered at most (their twins come within seconds; the oldest go first).
const RECOVERED_KEPT = 10_000
// The due queue's entry for looking at held problems again, which no group's key can be.
const HELD_KEY = '\u0000held'
// While problems are held, how often a window silence is looked at again: its bounds are in minutes.
const HELD_LOOK_MS = 60_000
const nextHeldLook = (now: number): number => Math.floor(now / HELD_LOOK_MS) * HELD_LOOK_MS + HELD_LOOK_MS

/**
 * One message per incident: gathers messages of xo-hook, xo-events and xo-call into groups (by the labels of
 * `groupBy`), and sends a digest of each group when it is due, as Prometheus Alertmanager does for alerts: a new
 * group after `groupWaitMs`, then at most once per `groupIntervalMs` while it changes, an unchanged group with
 * problems still open again after `repeatIntervalMs`, once `resolved` when its problems all recovered. An info
 * group (or any group without `resolve`) closes once sent and quiet for a group interval.
 */
export class DigestEngine {
  readonly #o: DigestOptions
  readonly #clock: TimerClock
  readonly #groups = new Map<string, OpenGroup>()
  /** open problems (their pair) → the group holding them, where their recovery goes */
  readonly #problems = new OpenProblems<OpenGroup>()
  readonly #inhibitors = new Inhibitors<OpenGroup>()
  readonly #suppressions: Suppressions
  readonly #seen: SeenEvents
  readonly #intents = new PowerIntents()
  /**
   * powers recovered lately (by pair, oldest first): until when the other source's telling of the same recovery is
   * a duplicate, and whether the object stream told it (its twin is then a call's)
   */
  readonly #recovered = new Map<string, { until: number; byEvents: boolean }>()
  readonly #queue: DueQueue
  #held = 0
  /** when held problems are next looked at, if they are */
  #heldLookAt: number | undefined
  #sent = 0
  #dropped = 0
  #stopped = false

  constructor(options: DigestOptions) {
    // An interval of 0 would look at a changed group in a loop: a millisecond at least.
    this.#o = { ...options, groupIntervalMs: Math.max(1, options.groupIntervalMs) }
    this.#clock = options.clock ?? systemClock
    this.#seen = new SeenEvents(Math.max(SEEN_AT_LEAST_MS, options.repeatIntervalMs))
    this.#suppressions = new Suppressions(
      options.silences,
      options.inhibit ? (pool, hosts) => this.#inhibitors.inhibits(pool, hosts) : undefined,
      (reason, about, count, ids) => this.#dropHeld(reason, about, count, ids),
    )
    this.#queue = new DueQueue(this.#clock, (key, at) => this.#due(key, at))
  }

  add(msg: Record<string, unknown>): Added {
    if (!isRecord(msg)) return this.#drop('not an event', 'a message that is no object')
    const now = this.#clock.now()
    const e = digestEventOf(msg, () => now)
    const stopped = e.summary && this.#intents.learn(e.summary, now)
    if (stopped) this.#explain(`power:${stopped}`, e.summary!)
    if ('notAnEvent' in e) return this.#drop('not an event', e.notAnEvent)
    const s = e.summary
    if (e.role === 'problem' && s.source === 'events' && e.pair && this.#intents.intended(s, now)) {
      // Stopped on purpose: news (inhibiting nothing), and its coming back recovers nothing.
      e.role = 'info'
      e.pair = undefined
    }
    if (this.#o.dedup && this.#seen.has(s.id, now)) return this.#drop('duplicate', `${s.title} (${s.id})`)
    if (this.#suppressions.learn(e)) this.#lookAtHeld(now)
    // Held problems nothing mutes any more go to their groups first: this message may recover one.
    if (this.#heldLookAt !== undefined && this.#heldLookAt <= now) this.#releaseHeld(this.#heldLookAt)
    if (e.removes) this.#removed(e.removes, s, now)
    let problemGroup = e.pair ? this.#problems.get(e.pair) : undefined
    // A success recovers as well a failure of its method that made no object (a vm.create that failed).
    if (!problemGroup && e.role === 'recovery' && e.alsoRecovers) {
      e.pair = e.alsoRecovers.find((pair) => this.#problems.get(pair)) ?? e.pair
      problemGroup = this.#problems.get(e.pair!)
    }
    // The same recovery told twice (a host's start call, and its coming up in the object stream): once is enough.
    if (e.role === 'recovery' && e.pair && !problemGroup && this.#twin(e.pair, s, now))
      return this.#drop('duplicate', `${s.title} (recovered already)`)
    // A recovery always reaches the problem a person was told of, whatever silences or inhibits meanwhile.
    const recovers = !!problemGroup && e.role === 'recovery'
    // The same problem again (a call failing twice) belongs to the incident still open for it.
    const recurs = !!problemGroup && e.role === 'problem'
    if (!recovers) {
      const verdict = this.#suppressions.verdict(e, now)
      if (verdict && 'muted' in verdict) return this.#mute(e, verdict.muted, now)
      if (verdict) return this.#dropHeld(verdict.drop, verdict.about, verdict.count, verdict.ids)
    }
    // A host back up lifts what its going down inhibited, with or without `resolve`.
    if (e.role === 'recovery' && e.pair && s.pool && this.#inhibitors.lift(s.pool.id, e.pair)) this.#lookAtHeld(now)
    const group = recovers || recurs ? problemGroup! : this.#groupFor(e, now)
    const g = group.state
    gather(g, group.subjects, e, this.#o.maxItems, recovers)
    g.lastAddedAt = now
    this.#held++
    if (this.#o.dedup) this.#seen.add(s.id, now)
    if (e.role === 'problem' && e.pair && this.#o.resolve) this.#problems.open(e.pair, group)
    if (recovers) {
      this.#problems.close(e.pair!)
      this.#recoveredNow(e.pair!, s, now)
      this.#suppressions.recovered(e.pair!)
    }
    this.#inhibiting(e, group)
    this.#hasten(g, now)
    return { accepted: true, group: g.key }
  }

  // What a problem gathered inhibits, and the hosts a VM problem was on (what a host's going down inhibits).
  #inhibiting(e: DigestEvent, group: OpenGroup): void {
    if (!this.#o.inhibit || e.role !== 'problem') return
    const inhibition = inhibitionOf(e)
    if (inhibition) this.#inhibitors.add(inhibition, e.pair ?? `new:${e.summary.id}`, group)
    if (isVmProblem(e) && e.pair) (group.state.problemHosts ??= {})[e.pair] = hostsOf(e.summary, e.msg)
  }

  // Held: the status counts it as held, a snapshot keeps it, and it is looked at again while it is.
  #mute(e: DigestEvent, reason: MuteReason, now: number): Added {
    this.#lookAtHeld(nextHeldLook(now))
    return { accepted: true, group: this.#labeled(e).key, muted: reason }
  }

  // Held problems are looked at `at` (now, when what muted them may have ended), then every minute while any is.
  #lookAtHeld(at: number): void {
    if (this.#suppressions.heldCount === 0) return
    if (this.#heldLookAt !== undefined && this.#heldLookAt <= at) return
    this.#heldLookAt = at
    this.#queue.schedule(HELD_KEY, at)
  }

  // Problems nothing mutes any more are gathered as if they had just come: a new group's first wait, or the next
  // interval of their group told already.
  #releaseHeld(at: number): void {
    if (at !== this.#heldLookAt) return
    this.#heldLookAt = undefined
    const now = this.#clock.now()
    for (const e of this.#suppressions.release(now)) {
      const told = e.pair ? this.#problems.get(e.pair) : undefined
      const group = told ?? this.#groupFor(e, now)
      gather(group.state, group.subjects, e, this.#o.maxItems, false)
      this.#held++
      if (this.#o.dedup) this.#seen.add(e.summary.id, now)
      if (e.pair && this.#o.resolve) this.#problems.open(e.pair, group)
      this.#inhibiting(e, group)
      this.#hasten(group.state, now)
    }
    if (this.#suppressions.heldCount > 0) this.#lookAtHeld(nextHeldLook(now))
  }

  stats(): { groups: number; held: number; sent: number; dropped: number } {
    const held = this.#held + this.#suppressions.heldCount
    return { groups: this.#groups.size, held, sent: this.#sent, dropped: this.#dropped }
  }

  snapshot(): DigestSnapshot {
    const now = this.#clock.now()
    // A copy: the caller may keep it while groups go on gathering.
    return JSON.parse(
      JSON.stringify({
        version: 1,
        groups: [...this.#groups.values()].map(({ state }) => state),
        seen: this.#seen.list(now),
        ...this.#suppressions.snapshot(),
      } satisfies DigestSnapshot),
    )
  }

  /** Takes up what a snapshot kept; one of another shape (another version, damaged) is left aside, group by group. */
  restore(snapshot: DigestSnapshot): void {
    if (!isRecord(snapshot) || snapshot.version !== 1) return
    const now = this.#clock.now()
    const list = <T>(value: T[] | undefined): T[] => (Array.isArray(value) ? value : [])
    this.#seen.restore(list(snapshot.seen), now)
    for (const state of list(snapshot.groups)) {
      if (!isGroupState(state)) continue
      const group: OpenGroup = { state, subjects: new Set(state.subjects) }
      this.#groups.set(state.key, group)
      if (this.#o.resolve) for (const pair of Object.keys(state.open)) this.#problems.open(pair, group)
      this.#inhibitors.restore(group)
      // An older version kept each group's ids in it.
      const { ids } = state as { ids?: unknown }
      delete (state as { ids?: unknown }).ids
      if (Array.isArray(ids)) for (const id of ids) if (typeof id === 'string') this.#seen.add(id, now)
      this.#held += state.newCount
      this.#queue.schedule(state.key, state.due)
    }
    this.#suppressions.restore(list(snapshot.maintenance), list(snapshot.held))
    // What muted them may have ended while stopped.
    if (this.#suppressions.heldCount > 0) this.#lookAtHeld(now)
  }

  pause(): void {
    this.#queue.hold()
  }

  resume(): void {
    if (!this.#stopped) this.#queue.release()
  }

  stop(): void {
    this.#stopped = true
    this.#queue.hold()
  }

  // The first telling of a power's recovery by the other source (the call after the event, or the event after the
  // call) is its twin; the same source telling it again is another recovery (the VM stopped and started again).
  #twin(pair: string, s: XoEventSummary, now: number): boolean {
    const told = this.#recovered.get(pair)
    if (!told || told.until <= now || told.byEvents === (s.source === 'events')) return false
    this.#recovered.delete(pair)
    return true
  }

  // A power's recovery kept a group interval, to know its twin when it comes: a host's start call and its coming up
  // in the object stream are one recovery. Other recoveries (a call succeeding again) are each news of their own.
  #recoveredNow(pair: string, s: XoEventSummary, now: number): void {
    if (!pair.startsWith('power:')) return
    this.#recovered.delete(pair)
    this.#recovered.set(pair, { until: now + this.#o.groupIntervalMs, byEvents: s.source === 'events' })
    for (const [old, { until }] of this.#recovered) {
      if (until > now && this.#recovered.size <= RECOVERED_KEPT) break
      this.#recovered.delete(old)
    }
  }

  #groupFor(e: DigestEvent, now: number): OpenGroup {
    const { key, labels } = this.#labeled(e)
    let group = this.#groups.get(key)
    if (!group) {
      group = { state: openGroup(key, labels, e, now, now + this.#o.groupWaitMs), subjects: new Set() }
      this.#groups.set(key, group)
      this.#queue.schedule(key, group.state.due)
    }
    return group
  }

  #labeled(e: DigestEvent): { key: string; labels: Record<string, string> } {
    const labeled = groupOf(this.#o.groupBy, e.summary, e.msg)
    // Problems never share a group with news: what pages someone is about problems alone.
    return e.role === 'problem' ? { key: `${labeled.key}|problem`, labels: labeled.labels } : labeled
  }

  // A group sent and waiting for its repeat looks again at the next interval once it has news.
  #hasten(g: GroupState, now: number): void {
    if (g.lastSentAt === undefined) return
    const interval = this.#o.groupIntervalMs
    const next = g.lastSentAt + Math.max(1, Math.ceil((now - g.lastSentAt) / interval)) * interval
    if (next < g.due) {
      g.due = next
      this.#queue.schedule(g.key, next)
    }
  }

  #due(key: string, at: number): void {
    if (key === HELD_KEY) return this.#releaseHeld(at)
    const group = this.#groups.get(key)
    if (!group || group.state.due !== at) return
    const g = group.state
    const now = this.#clock.now()
    if (this.#holdBack(group, now)) return
    if (g.changed) {
      const resolved = this.#o.resolve && allRecovered(g)
      this.#send(g, resolved ? 'resolved' : 'firing', now)
      if (resolved) return this.#close(group)
      g.due = now + this.#o.groupIntervalMs
    } else if (this.#o.resolve && g.openCount > 0) {
      const repeatAt = (g.lastSentAt ?? now) + this.#o.repeatIntervalMs
      const giveUpAt = this.#giveUpAt(g)
      if (now >= giveUpAt) return this.#giveUp(group)
      // Told already, and now inhibited (its VMs' host down): not said again meanwhile.
      if (now >= repeatAt && !this.#inhibited(g)) this.#send(g, 'firing', now)
      g.due = Math.min(now >= repeatAt ? now + this.#o.repeatIntervalMs : repeatAt, giveUpAt)
    } else return this.#close(group)
    this.#queue.schedule(key, g.due)
  }

  /**
   * VM problems gathered before their cause was known (a VM's stop seen before its host's going down)
   * are held back, never told, while the cause is open, as if inhibited when they came; all recovered by the time
   * they could be told, they never are. Whether the group was held back (and looked at again later, or dropped).
   */
  #holdBack(group: OpenGroup, now: number): boolean {
    const g = group.state
    if (g.seq > 0 || !g.changed) return false
    const held = this.#inhibited(g)
    if (!held && !g.heldBack) return false
    if (this.#o.resolve && allRecovered(g)) {
      this.#dropGroup(group)
      return true
    }
    g.heldBack = true
    if (!held) return false
    g.due = now + this.#o.groupIntervalMs
    this.#queue.schedule(g.key, g.due)
    return true
  }

  // XO's events are told once: what no recovery came for in `repeatForMs` of quiet is likely never to get one.
  #giveUpAt(g: GroupState): number {
    const quietSince = g.lastAddedAt ?? g.lastSentAt
    return this.#o.repeatForMs && quietSince !== undefined ? quietSince + this.#o.repeatForMs : Infinity
  }

  // Closed unresolved: its problems are forgotten (a recovery coming later is news of its own), and what a
  // destination made of it (a PagerDuty incident) is left as it is.
  #giveUp(group: OpenGroup): void {
    this.#close(group)
    this.#o.gaveUp?.(titleOf(group.state, 'firing'))
  }

  #send(g: GroupState, status: XoDigest['status'], now: number): void {
    const digest = digestOf(g, status)
    g.seq++
    g.lastSentAt = now
    g.changed = false
    this.#held -= g.newCount
    g.newCount = 0
    this.#sent++
    this.#o.send(digest)
  }

  // XO's object stream shows a stop before the call's post comes: a problem not told yet was asked for after all.
  #explain(pair: string, s: XoEventSummary): void {
    // Held meanwhile, it is news that came during a silence or an inhibition: dropped.
    this.#suppressions.recovered(pair)
    const group = this.#problems.get(pair)
    if (!group || group.state.seq > 0) return
    explain(group.state, pair)
    this.#problems.close(pair)
    if (s.pool && this.#inhibitors.lift(s.pool.id, pair)) this.#lookAtHeld(this.#clock.now())
  }

  // An object removed (a VM deleted while stopped, after a call on it failed): its problems are settled, as the
  // group will tell; what its host's going down inhibited is lifted.
  #removed(object: string, s: XoEventSummary, now: number): void {
    for (const pair of this.#problems.about(object)) {
      const group = this.#problems.get(pair)!
      settle(group.state, pair, true)
      this.#hasten(group.state, now)
      this.#problems.close(pair)
      this.#suppressions.recovered(pair)
      if (s.pool && this.#inhibitors.lift(s.pool.id, pair)) this.#lookAtHeld(now)
    }
    this.#suppressions.removed(object)
  }

  // Every open problem of the group is a VM's, and each is inhibited (a host it was on down, or its pool's master
  // new): one on a healthy host is told.
  #inhibited(g: GroupState): boolean {
    if (!this.#o.inhibit || g.vmProblems !== true || !g.pool) return false
    const pool = g.pool.id
    const open = Object.keys(g.open)
    if (open.length === 0) return this.#inhibitors.inhibits(pool, [])
    return open.every((pair) => this.#inhibitors.inhibits(pool, g.problemHosts?.[pair] ?? []))
  }

  // A group held by an inhibition, and over before it was lifted: what it gathered is dropped as inhibited.
  #dropGroup(group: OpenGroup): void {
    this.#close(group)
    this.#drop('inhibited', titleOf(group.state, 'resolved'), group.state.count)
  }

  #close(group: OpenGroup): void {
    const g = group.state
    this.#groups.delete(g.key)
    this.#held -= g.newCount
    for (const pair of Object.keys(g.open)) this.#problems.close(pair, group)
    if (this.#inhibitors.close(group)) this.#lookAtHeld(this.#clock.now())
  }

  // Dropped with the problems held before it: their ids are refused a while, as those of a group are.
  #dropHeld(reason: DropReason, about: string, count: number, ids: string[]): Added {
    const now = this.#clock.now()
    for (const id of ids) this.#seen.add(id, now)
    return this.#drop(reason, about, count)
  }

  #drop(reason: DropReason, about: string, count = 1): Added {
    this.#dropped += count
    this.#o.dropped?.(reason, about, count)
    return { accepted: false, reason }
  }
}
