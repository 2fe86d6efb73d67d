import type { XoDigest } from './digest-message'
import { countsByKind } from './from-digest'
import { truncate } from './text'

// PagerDuty takes 512 KB; an incident's details are read by a person: the list stays short.
const ITEMS_MAX = 100
const KINDS_MAX = 50

/**
 * A digest's `custom_details`: what the group is (its id, key, labels, state), its counts, and its list, each
 * message with its time, kind, line and whether it went well. Ids and titles only: never a raw payload.
 */
export function digestDetails(d: XoDigest): Record<string, unknown> {
  const items = d.items.slice(0, ITEMS_MAX)
  const counts = countsByKind(d).slice(0, KINDS_MAX)
  return {
    digest_id: d.id,
    group: truncate(d.group, 1000),
    labels: Object.fromEntries(Object.entries(d.labels).map(([k, v]) => [truncate(k, 100), truncate(v, 1000)])),
    status: d.status,
    severity: d.severity,
    count: d.count,
    new_count: d.newCount,
    open: d.open,
    first_at: d.firstAt,
    last_at: d.lastAt,
    counts: Object.fromEntries(counts.map(([kind, count]) => [truncate(kind, 100), count])),
    items: items.map((item) => ({
      time: item.time,
      kind: truncate(item.kind, 100),
      title: truncate(item.title, 1000),
      ok: item.ok,
      ...(item.subject ? { subject_id: item.subject.id } : {}),
    })),
    more: d.more + (d.items.length - items.length),
  }
}

/** The PagerDuty `class` of a digest: the kind its group was made by, or its only kind; else `digest`. */
export function digestClass(d: XoDigest): string {
  const kinds = Object.keys(d.counts)
  return d.labels.kind ?? (kinds.length === 1 ? kinds[0] : 'digest')
}
