import type { XoDigest } from './digest-message'
import { countsByKind } from './from-digest'
import { byteLength, truncate } from './text'

const NAME_MAX = 256
const TITLE_MAX = 1000
// A group is made by a few kinds; labels are a few names: bounded all the same, the event must fit 64 KiB.
const KINDS_MAX = 100

type Named = { id: string; type?: string; name?: string }

const thin = (o: Named | undefined): Named | undefined =>
  o && { id: o.id, ...(o.type ? { type: o.type } : {}), ...(o.name ? { name: truncate(o.name, NAME_MAX) } : {}) }

/**
 * The `data` of a digest's CloudEvent: the group (key, labels, state), its counts and its list, each message with
 * its own id (a receiver that also got the messages one by one can match them), kind, line, time and object.
 * The list is halved until the data fits `maxBytes`, what is cut counted in `more`.
 */
export function digestData(d: XoDigest, maxBytes: number): Record<string, unknown> {
  let items = d.items
  let data = dataOf(d, items)
  while (items.length > 0 && byteLength(data) > maxBytes) {
    items = items.slice(0, Math.floor(items.length / 2))
    data = dataOf(d, items)
  }
  return data
}

function dataOf(d: XoDigest, items: XoDigest['items']): Record<string, unknown> {
  return {
    kind: 'digest',
    group: d.group,
    status: d.status,
    severity: d.severity,
    ok: !(d.severity === 'problem' && d.status === 'firing'),
    title: truncate(d.title, TITLE_MAX),
    labels: Object.fromEntries(
      Object.entries(d.labels).map(([k, v]) => [truncate(k, NAME_MAX), truncate(v, NAME_MAX)]),
    ),
    count: d.count,
    newCount: d.newCount,
    counts: Object.fromEntries(
      countsByKind(d)
        .slice(0, KINDS_MAX)
        .map(([kind, count]) => [truncate(kind, NAME_MAX), count]),
    ),
    open: d.open,
    firstAt: d.firstAt,
    lastAt: d.lastAt,
    items: items.map((item) => ({
      id: item.id,
      kind: item.kind,
      title: truncate(item.title, TITLE_MAX),
      time: item.time,
      ok: item.ok,
      ...(item.subject ? { subject: thin(item.subject) } : {}),
    })),
    more: d.more + (d.items.length - items.length),
    ...(d.user ? { user: { ...d.user, ...(d.user.name ? { name: truncate(d.user.name, NAME_MAX) } : {}) } } : {}),
    ...(d.pool ? { pool: thin(d.pool) } : {}),
    ...(d.host ? { host: thin(d.host) } : {}),
  }
}

/**
 * For "VMs only": a digest whose every message is about a VM (not a snapshot, a template…). What is not listed is
 * known by its kind only: it passes when every kind is a VM's object event (`VM.started`); a call's kind names a
 * method, not what it was about, so a digest of calls with some left out does not pass.
 */
export const onlyVms = (d: XoDigest): boolean =>
  d.items.every((item) => item.subject?.type === 'VM') &&
  (d.more === 0 || Object.keys(d.counts).every((kind) => kind.startsWith('VM.')))
