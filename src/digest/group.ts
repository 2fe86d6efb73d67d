import type { DigestItem, XoDigest } from '../destinations/digest-message'
import type { ObjectRef } from '../destinations/summary'
import { type DigestEvent, isVmProblem } from './digest-event'
import { type GroupState, SUBJECTS_KEPT } from './group-state'
import { titleOf, verbOf } from './title'

type Shared<T> = T | null | undefined

// What every message shares: the first one's value, null once one differs (compared by id).
function share<T extends { id?: string; name?: string }>(kept: Shared<T>, value: T | undefined, first: boolean) {
  if (first) return value
  if (kept === null) return null
  return kept?.id === value?.id && kept?.name === value?.name ? kept : null
}

/** A group that opens with `e` at `now`: due after the group wait. */
export function openGroup(
  key: string,
  labels: Record<string, string>,
  e: DigestEvent,
  now: number,
  due: number,
): GroupState {
  const s = e.summary
  return {
    key,
    labels,
    due,
    seq: 0,
    opened: new Date(now).toISOString(),
    changed: true,
    count: 0,
    newCount: 0,
    counts: {},
    items: [],
    firstAt: s.time,
    lastAt: s.time,
    severity: 'info',
    verb: verbOf(s),
    problems: 0,
    recovered: 0,
    open: {},
    openCount: 0,
    inhibits: [],
    ...(s.subject ? { subject: refOf(s.subject) } : {}),
    subjects: [],
  }
}

/** Gathers `e` into the group, in O(1). `recovers`: it recovers an open problem of the group. */
export function gather(
  g: GroupState,
  subjects: Set<string>,
  e: DigestEvent,
  maxItems: number,
  recovers: boolean,
): void {
  const s = e.summary
  const first = g.count === 0
  g.count++
  g.newCount++
  g.changed = true
  g.counts[s.kind] = (g.counts[s.kind] ?? 0) + 1
  if (g.items.length < maxItems) g.items.push(itemOf(e))
  if (first || s.time < g.firstAt) g.firstAt = s.time
  if (first || s.time > g.lastAt) g.lastAt = s.time
  g.pool = share(g.pool, s.pool, first)
  g.host = share(g.host, s.host, first)
  g.user = share(g.user, s.user && { id: s.user.id, name: s.user.name }, first)
  if (first) g.type = s.subject?.type
  else if (g.type !== s.subject?.type && !recovers) g.type = null
  const subject = s.subject?.id
  if (subject && !recovers && g.subjects.length < SUBJECTS_KEPT && !subjects.has(subject)) {
    subjects.add(subject)
    g.subjects.push(subject)
  }
  if (e.role === 'problem') {
    g.severity = 'problem'
    g.problems++
    g.problemKind ??= s.kind
    g.problemVerb ??= verbOf(s)
    if (s.source !== 'events' && !s.ok) g.failedCall = true
    g.vmProblems = g.vmProblems !== false && isVmProblem(e)
    if (e.pair) {
      g.open[e.pair] = (g.open[e.pair] ?? 0) + 1
      g.openCount++
    }
  } else if (recovers && e.pair) settle(g, e.pair, false)
}

/** An open problem of the group recovered, or its object was removed (`removed`): it is open no more. */
export function settle(g: GroupState, pair: string, removed: boolean): void {
  const open = g.open[pair] ?? 0
  delete g.open[pair]
  g.openCount -= open
  g.recovered += open
  if (removed) g.removed = (g.removed ?? 0) + open
  g.changed = true
}

const itemOf = ({ summary: s }: DigestEvent): DigestItem => {
  const item: DigestItem = { id: s.id, kind: s.kind, title: s.title, time: s.time, ok: s.ok }
  if (s.subject) item.subject = refOf(s.subject)
  return item
}

// What a list shows of an object: its VIFs, tags and places would weigh on every digest and snapshot.
function refOf(o: ObjectRef): ObjectRef {
  const ref: ObjectRef = { id: o.id }
  if (o.type) ref.type = o.type
  if (o.name) ref.name = o.name
  return ref
}

/**
 * A problem of the group turns out to have been asked for (a stop whose call came after XO's object stream showed
 * it): news, no longer a problem.
 */
export function explain(g: GroupState, pair: string): void {
  const open = g.open[pair] ?? 0
  delete g.open[pair]
  g.openCount -= open
  g.problems -= open
  g.changed = true
  if (g.problems > 0) return
  g.severity = 'info'
  g.problemKind = undefined
  g.problemVerb = undefined
  g.vmProblems = undefined
}

/** Whether every problem the group had recovered (what a resolved digest says). */
export const allRecovered = (g: GroupState): boolean =>
  g.openCount === 0 && g.problems > 0 && g.recovered > 0 && Object.keys(g.open).length === 0

/** The digest of the group as it is now. */
export function digestOf(g: GroupState, status: XoDigest['status']): XoDigest {
  const digest: XoDigest = {
    kind: 'digest',
    group: g.key,
    // Unique to the send for ever: a second incident of the same key (the same host down again next week) counts
    // its sends from 0 again, and receivers deduplicating on the id (CloudEvents' source + id) would drop them.
    id: `${g.key}@${g.opened ?? g.firstAt}#${g.seq}`,
    labels: { ...g.labels },
    status,
    severity: g.severity,
    title: titleOf(g, status),
    count: g.count,
    newCount: g.newCount,
    counts: { ...g.counts },
    open: g.openCount,
    firstAt: g.firstAt,
    lastAt: g.lastAt,
    items: g.items.slice(),
    more: g.count - g.items.length,
  }
  // Copies: a flow may change the message it gets, and the group goes on.
  if (g.pool) digest.pool = { ...g.pool }
  if (g.host) digest.host = { ...g.host }
  if (g.user) digest.user = { ...g.user }
  return digest
}
