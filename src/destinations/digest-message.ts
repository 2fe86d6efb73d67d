import type { ObjectRef } from './object-ref'

/** One message of a group, as a digest lists it (bounded: the first ones, then "and N more"). */
export interface DigestItem {
  /** the event's id (XoEventSummary.id): what de-duplicates a replayed call or a change seen twice */
  id: string
  /** the method (`vm.start`) or the xo-events topic (`VM.started`) */
  kind: string
  /** its one readable line */
  title: string
  /** ISO 8601 */
  time: string
  ok: boolean
  subject?: ObjectRef
}

/**
 * What an xo digest node sends for a group (`msg.payload`): one message in place of the many it gathered, each
 * time the group is due (its first wait, then at most once per interval while it changes, again after the repeat
 * interval while it stays open), and once more when the group's problems have all recovered (`status: resolved`).
 */
export interface XoDigest {
  kind: 'digest'
  /** the group's key, stable for its whole life (a PagerDuty dedup key, a thread): made from its labels */
  group: string
  /**
   * this send's id, the same if the same send is made again, another for each send and each incident (group, when
   * it opened, sequence): receivers deduplicate on it
   */
  id: string
  /** the values the group was made by (`{ pool: 'sim-pool', kind: 'VM.started' }`), by grouping key */
  labels: Record<string, string>
  /** firing: news, or problems still open; resolved: every problem of the group recovered */
  status: 'firing' | 'resolved'
  /** problem: something failed or went down (paging); info: things happened */
  severity: 'problem' | 'info'
  /** the one line a person reads ("web-01 and 11 other VMs started on pool A by admin in 40 s") */
  title: string
  /** messages in the group since it opened, de-duplicated */
  count: number
  /** of them, since the group was last sent */
  newCount: number
  /** by kind (`{ 'VM.started': 12 }`) */
  counts: Record<string, number>
  /** problems not recovered yet */
  open: number
  /** ISO 8601 of the first and last message */
  firstAt: string
  lastAt: string
  /** the messages, oldest first, at most the node's list limit */
  items: DigestItem[]
  /** messages left out of `items` ("and 38 more") */
  more: number
  /** what every message of the group shares, when it does */
  pool?: { id: string; name?: string }
  host?: { id: string; name?: string }
  user?: { id?: string; name?: string }
}

/** Whether a message's payload is a digest of xo digest. */
export function isDigest(payload: unknown): payload is XoDigest {
  return (
    typeof payload === 'object' &&
    payload !== null &&
    (payload as { kind?: unknown }).kind === 'digest' &&
    typeof (payload as { group?: unknown }).group === 'string' &&
    Array.isArray((payload as { items?: unknown }).items)
  )
}
