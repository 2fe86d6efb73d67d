import { type DigestEvent, digestEventOf, isVmProblem } from './digest-event'
import { hostsOf, inWindow, MaintenanceHosts, type Silence } from './silences'

export type DropReason = 'duplicate' | 'silenced' | 'inhibited' | 'not an event'
export type MuteReason = 'silenced' | 'inhibited'

/** Problems held at most: past it, a problem muted is dropped (counted) rather than held. */
const HELD_MAX = 5000

/** A problem held while muted, as a snapshot keeps it: the XO parts of its message, and when it came (ms). */
export interface HeldProblem {
  msg: Record<string, unknown>
  at: number
}

/** The problems held under one key (a pair, or an unpaired problem's id), and what mutes them. */
export interface HeldEntry {
  reason: MuteReason
  problems: HeldProblem[]
}

type Held = { reason: MuteReason; problems: Array<HeldProblem & { e: DigestEvent }> }

/** What becomes of a message no told problem awaits: dropped (with the problems it drops), held, or neither. */
export type Verdict =
  | { drop: DropReason; about: string; count: number; ids: string[] }
  | { muted: MuteReason }
  | undefined

/**
 * What keeps a message out of every group: a silence (a time window, a host in maintenance), or an inhibition (a
 * host down, for the VMs that were on it; a new master, for its pool). As Alertmanager's, they mute, they do not
 * forget: a problem muted is held, and told (as if it had just come) once nothing mutes it, if it is still open;
 * recovered meanwhile, it is dropped with its recovery. News muted is dropped.
 */
export class Suppressions {
  readonly #maintenance = new MaintenanceHosts()
  /** by pair (or id, for a problem nothing recovers), in the order they came */
  readonly #held = new Map<string, Held>()
  #heldCount = 0
  readonly #watchesMaintenance: boolean

  constructor(
    private readonly silences: readonly Silence[],
    /** whether a VM problem of a pool, on (or lately on) one of these hosts, is inhibited, when inhibition is on */
    private readonly inhibits: ((pool: string, hosts: readonly string[]) => boolean) | undefined,
    /** held problems given up (their object removed, the problem recovered in a group told of it) */
    private readonly dropped: (reason: DropReason, about: string, count: number, ids: string[]) => void,
  ) {
    this.#watchesMaintenance = silences.some((silence) => silence.kind === 'maintenance')
  }

  /** Problems held now (the status counts them as held). */
  get heldCount(): number {
    return this.#heldCount
  }

  /** What every message says of hosts' maintenance mode, whether it is gathered or not; whether it changed. */
  learn(e: Pick<DigestEvent, 'summary' | 'msg'>): boolean {
    return this.#watchesMaintenance && this.#maintenance.learn(e.summary, e.msg)
  }

  /** Whether the message is dropped or held, and why. */
  verdict(e: DigestEvent, now: number): Verdict {
    if (e.role === 'recovery' && e.pair) {
      const held = this.#take(e.pair)
      if (held) {
        const about = `${held.problems[0].e.summary.title}, then ${e.summary.title}`
        return { drop: held.reason, about, count: held.problems.length + 1, ids: idsOf(held, e) }
      }
    }
    const reason = this.#mutedBy(e, now)
    if (!reason) return undefined
    const about = e.summary.title
    if (e.role !== 'problem') return { drop: reason, about, count: 1, ids: [] }
    const key = e.pair ?? `id:${e.summary.id}`
    const held = this.#held.get(key)
    if (held?.problems.some((p) => p.e.summary.id === e.summary.id))
      return { drop: 'duplicate', about, count: 1, ids: [] }
    const problem = this.#heldOf(e.msg, now)
    if (!problem || this.#heldCount >= HELD_MAX) return { drop: reason, about, count: 1, ids: [] }
    if (held) {
      held.problems.push(problem)
      held.reason = reason
    } else this.#held.set(key, { reason, problems: [problem] })
    this.#heldCount++
    return { muted: reason }
  }

  /** The held problems nothing mutes any more, in the order they came, taken out: to be told as if just come. */
  release(now: number): DigestEvent[] {
    const released: DigestEvent[] = []
    for (const [key, held] of this.#held) {
      const reason = this.#mutedBy(held.problems.at(-1)!.e, now)
      if (reason) {
        held.reason = reason
        continue
      }
      this.#take(key)
      for (const { e } of held.problems) released.push(e)
    }
    return released
  }

  /** A problem recovered in a group (or asked for, or its object removed): its repeats held meanwhile are dropped. */
  recovered(pair: string): void {
    const held = this.#take(pair)
    if (held) this.dropped(held.reason, held.problems[0].e.summary.title, held.problems.length, idsOf(held))
  }

  /** An object removed: problems held about it will never recover. */
  removed(object: string): void {
    for (const key of [...this.#held.keys()]) if (key.endsWith(`:${object}`)) this.recovered(key)
  }

  snapshot(): { maintenance: string[]; held: Array<[string, HeldEntry]> } {
    const held = [...this.#held].map(([key, { reason, problems }]): [string, HeldEntry] => [
      key,
      { reason, problems: problems.map(({ msg, at }) => ({ msg, at })) },
    ])
    return { maintenance: this.#maintenance.list(), held }
  }

  /** What a snapshot kept; a held problem that is no event (another version's, damaged) is left aside. */
  restore(maintenance: readonly string[], held: ReadonlyArray<[string, HeldEntry]>): void {
    this.#maintenance.restore(maintenance)
    for (const entry of held) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1]?.problems)) continue
      const [key, { reason, problems }] = entry
      const kept = problems.flatMap((p) => (p && typeof p.at === 'number' ? (this.#heldOf(p.msg, p.at) ?? []) : []))
      if (kept.length === 0 || this.#heldCount + kept.length > HELD_MAX) continue
      this.#held.set(key, { reason: reason === 'inhibited' ? 'inhibited' : 'silenced', problems: kept })
      this.#heldCount += kept.length
    }
  }

  #take(key: string): Held | undefined {
    const held = this.#held.get(key)
    if (!held) return undefined
    this.#held.delete(key)
    this.#heldCount -= held.problems.length
    return held
  }

  // A copy of the XO parts of the message (what its summary, its group and its silences are made of), as JSON: a
  // snapshot keeps it, and the flow may change the message it sent. Undefined if it is no problem as JSON.
  #heldOf(msg: Record<string, unknown>, at: number): (HeldProblem & { e: DigestEvent }) | undefined {
    let copy: Record<string, unknown>
    try {
      copy = JSON.parse(JSON.stringify({ topic: msg?.topic, payload: msg?.payload, xo: msg?.xo }))
    } catch {
      return undefined
    }
    const e = digestEventOf(copy, () => at)
    return 'notAnEvent' in e || e.role !== 'problem' ? undefined : { msg: copy, at, e }
  }

  #mutedBy(e: DigestEvent, now: number): MuteReason | undefined {
    for (const silence of this.silences) {
      if (silence.kind === 'window' ? inWindow(silence, now) : this.#maintenance.covers(e.summary, e.msg))
        return 'silenced'
    }
    const pool = e.summary.pool?.id
    if (this.inhibits && pool && isVmProblem(e) && this.inhibits(pool, hostsOf(e.summary, e.msg))) return 'inhibited'
    return undefined
  }
}

const idsOf = (held: Held, recovery?: DigestEvent): string[] => [
  ...held.problems.map((p) => p.e.summary.id),
  ...(recovery ? [recovery.summary.id] : []),
]
