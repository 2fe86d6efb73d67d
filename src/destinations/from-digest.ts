import type { DigestItem, XoDigest } from './digest-message'
import type { ObjectRef, XoEventSummary } from './summary'
import { oneLine } from './text'

/** A digest's group is paging: a problem not recovered yet. Resolved groups and info groups are not. */
export const isFiringProblem = (d: XoDigest): boolean => d.severity === 'problem' && d.status === 'firing'

/**
 * The summary of a message of xo digest: one event standing for its group, so that what every destination reads
 * (id, kind, ok, title, time, facts) works unchanged, and `digest` for the formats that show the group whole.
 */
export function summarizeDigest(d: XoDigest): XoEventSummary {
  return {
    source: 'digest',
    id: d.id,
    kind: 'digest',
    ok: !isFiringProblem(d),
    ...(d.user ? { user: { ...d.user } } : {}),
    objects: {},
    ...(d.pool ? { pool: { ...d.pool } } : {}),
    ...(d.host ? { host: { ...d.host } } : {}),
    time: d.lastAt,
    title: oneLine(d.title),
    facts: digestFacts(d),
    raw: d,
    digest: d,
  }
}

/** Counts by kind (most first), what is still open, when it started and ended, and the labels of the group. */
export function digestFacts(d: XoDigest): Array<{ label: string; value: string }> {
  const facts = countsByKind(d).map(([kind, count]) => ({ label: kind, value: String(count) }))
  if (d.severity === 'problem') facts.push({ label: 'Open problems', value: String(d.open) })
  facts.push({ label: 'First', value: d.firstAt }, { label: 'Last', value: d.lastAt })
  for (const [key, value] of Object.entries(d.labels)) facts.push({ label: key, value: oneLine(value) })
  return facts
}

/** `[['VM.migrated', 50], ['vm.start', 2]]`: most frequent first, then by name, so that a message reads the same. */
export function countsByKind(d: XoDigest): Array<[string, number]> {
  return Object.entries(d.counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
}

/** "firing" or "resolved", and for a problem group how many are still open. */
export function digestState(d: XoDigest): string {
  if (d.status === 'resolved') return 'resolved'
  return d.severity === 'problem' ? `firing, ${d.open} open` : 'firing'
}

/** `pool=sim-pool, kind=VM.migrated`: the labels the group was made by, in one line. */
export const labelLine = (d: XoDigest): string =>
  Object.entries(d.labels)
    .map(([key, value]) => `${key}=${oneLine(value)}`)
    .join(', ')

/** Where the group happened, for a link to XO: its host's page, else its pool's (both have one in XO). */
export function digestPlace(d: XoDigest): ObjectRef | undefined {
  if (d.host) return { ...d.host, type: 'host' }
  if (d.pool) return { ...d.pool, type: 'pool' }
  return undefined
}

/** `10:00:02` of an ISO 8601 time: the list's day is the digest's, said once with its first and last. */
export const clockTime = (time: string): string => /T(\d\d:\d\d:\d\d)/.exec(time)?.[1] ?? time

/** One line of the list: its time, and its title marked when it is a problem. */
export const itemLine = (item: DigestItem, failedMark: string): string =>
  `${clockTime(item.time)} ${item.ok ? '' : failedMark}${oneLine(item.title)}`

/** "and 30 more": listed by the digest node but not shown (`shown` of them were), plus those it left out. */
export function moreLine(d: XoDigest, shown: number): string | undefined {
  const more = d.more + Math.max(0, d.items.length - shown)
  return more > 0 ? `and ${more} more` : undefined
}
