/**
 * A minimal stand-in of the digest engine, with the agreed API: it groups messages by the grouping keys and sends
 * each group once its first wait is over, then again after the group interval when more came. Enough for the node
 * and its tests; no resolve, silences, inhibition nor repeat.
 */
import type { DigestItem, XoDigest } from '../destinations/digest-message'
import { isXoEventSummary, summarizeMessage, type XoEventSummary } from '../destinations/event'

export type GroupKey = 'kind' | 'method' | 'pool' | 'host' | 'user' | 'tag' | 'job' | 'type' | `property:${string}`

export type Silence = { kind: 'window'; from: string; to: string; days?: number[] } | { kind: 'maintenance' }

export type DropReason = 'duplicate' | 'silenced' | 'inhibited' | 'not an event'

export interface DigestClock {
  now(): number
  setTimer(fn: () => void, ms: number): unknown
  clearTimer(t: unknown): void
}

export interface DigestOptions {
  groupBy: GroupKey[]
  groupWaitMs: number
  groupIntervalMs: number
  repeatIntervalMs: number
  resolve: boolean
  dedup: boolean
  maxItems: number
  silences: Silence[]
  inhibit: boolean
  clock?: DigestClock
  send(digest: XoDigest): void
  dropped?(reason: DropReason, about: string): void
}

interface Group {
  key: string
  labels: Record<string, string>
  items: DigestItem[]
  count: number
  newCount: number
  sequence: number
  firstAt: string
  lastAt: string
  /** when it is due (ms of the clock), or null when nothing new waits */
  dueAt: number | null
}

export interface DigestSnapshot {
  groups: Group[]
  seen: string[]
}

const systemClock: DigestClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (t) => clearTimeout(t as NodeJS.Timeout),
}

export class DigestEngine {
  readonly #o: DigestOptions
  readonly #clock: DigestClock
  readonly #groups = new Map<string, Group>()
  readonly #timers = new Map<string, unknown>()
  readonly #seen = new Set<string>()
  #paused = false
  #sent = 0
  #dropped = 0

  constructor(options: DigestOptions) {
    this.#o = options
    this.#clock = options.clock ?? systemClock
  }

  add(msg: Record<string, unknown>): { accepted: true; group: string } | { accepted: false; reason: DropReason } {
    const summary = summarizeMessage(msg, () => new Date(this.#clock.now()), false)
    if (!isXoEventSummary(summary)) return this.#drop('not an event', summary.error)
    if (this.#o.dedup && this.#seen.has(summary.id)) return this.#drop('duplicate', summary.title)
    this.#seen.add(summary.id)
    const labels = this.#labels(summary, msg)
    const key = JSON.stringify(labels)
    let group = this.#groups.get(key)
    if (!group) {
      group = {
        key,
        labels,
        items: [],
        count: 0,
        newCount: 0,
        sequence: 0,
        firstAt: summary.time,
        lastAt: '',
        dueAt: null,
      }
      group.dueAt = this.#clock.now() + this.#o.groupWaitMs
      this.#groups.set(key, group)
    } else if (group.dueAt === null) {
      group.dueAt = this.#clock.now() + this.#o.groupIntervalMs
    }
    group.count++
    group.newCount++
    group.lastAt = summary.time
    const item: DigestItem = {
      id: summary.id,
      kind: summary.kind,
      title: summary.title,
      time: summary.time,
      ok: summary.ok,
    }
    if (summary.subject) item.subject = summary.subject
    if (group.items.length < this.#o.maxItems) group.items.push(item)
    this.#arm(group)
    return { accepted: true, group: key }
  }

  stats(): { groups: number; held: number; sent: number; dropped: number } {
    let held = 0
    for (const group of this.#groups.values()) held += group.newCount
    return { groups: this.#groups.size, held, sent: this.#sent, dropped: this.#dropped }
  }

  snapshot(): DigestSnapshot {
    return { groups: [...this.#groups.values()].map((g) => ({ ...g, items: [...g.items] })), seen: [...this.#seen] }
  }

  restore(snapshot: DigestSnapshot): void {
    for (const group of snapshot.groups) {
      this.#groups.set(group.key, { ...group, items: [...group.items] })
      this.#arm(this.#groups.get(group.key)!)
    }
    for (const id of snapshot.seen) this.#seen.add(id)
  }

  pause(): void {
    this.#paused = true
  }

  resume(): void {
    this.#paused = false
    for (const group of this.#groups.values()) this.#arm(group)
  }

  stop(): void {
    for (const timer of this.#timers.values()) this.#clock.clearTimer(timer)
    this.#timers.clear()
    this.#paused = true
  }

  #drop(reason: DropReason, about: string): { accepted: false; reason: DropReason } {
    this.#dropped++
    this.#o.dropped?.(reason, about)
    return { accepted: false, reason }
  }

  #labels(summary: XoEventSummary, msg: Record<string, unknown>): Record<string, string> {
    const labels: Record<string, string> = {}
    for (const key of this.#o.groupBy) {
      let value: unknown
      if (key === 'kind' || key === 'method') value = summary.kind
      else if (key === 'pool') value = summary.pool?.id
      else if (key === 'host') value = summary.host?.id
      else if (key === 'user') value = summary.user?.id ?? summary.user?.name
      else if (key === 'type') value = summary.subject?.type
      else if (key.startsWith('property:'))
        value = key
          .slice('property:'.length)
          .split('.')
          .reduce<unknown>(
            (at, part) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[part] : undefined),
            msg,
          )
      if (value !== undefined) labels[key] = String(value)
    }
    return labels
  }

  #arm(group: Group): void {
    if (this.#paused || group.dueAt === null || this.#timers.has(group.key)) return
    const wait = Math.max(0, group.dueAt - this.#clock.now())
    this.#timers.set(
      group.key,
      this.#clock.setTimer(() => {
        this.#timers.delete(group.key)
        this.#flush(group)
      }, wait),
    )
  }

  #flush(group: Group): void {
    if (this.#paused || group.dueAt === null) return
    group.sequence++
    const digest: XoDigest = {
      kind: 'digest',
      group: group.key,
      id: `${group.key}#${group.sequence}`,
      labels: group.labels,
      status: 'firing',
      severity: group.items.some((i) => !i.ok) ? 'problem' : 'info',
      title: `${group.count} events: ${Object.values(group.labels).join(', ') || 'all'}`,
      count: group.count,
      newCount: group.newCount,
      counts: {},
      open: 0,
      firstAt: group.firstAt,
      lastAt: group.lastAt,
      items: group.items,
      more: group.count - group.items.length,
    }
    for (const item of group.items) digest.counts[item.kind] = (digest.counts[item.kind] ?? 0) + 1
    group.newCount = 0
    group.dueAt = null
    this.#sent++
    this.#o.send(digest)
  }
}
