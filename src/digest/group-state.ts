import type { DigestItem } from '../destinations/digest-message'
import type { ObjectRef } from '../destinations/summary'

type Place = { id: string; name?: string }

/**
 * An open group, as plain JSON: what a snapshot keeps across a restart. Shared values (`pool`, `host`, `user`,
 * `type`) are null once two messages differ.
 */
export interface GroupState {
  key: string
  labels: Record<string, string>
  /** when it is next looked at (ms): its first send after the wait, then each interval or repeat */
  due: number
  /** sends made: the next send's id is `key@opened#seq` */
  seq: number
  /**
   * When the group opened (ISO 8601, the engine's clock): the key is the same for every incident of its kind, this
   * tells one from the next (absent from a snapshot of an older version: its first message's time stands in)
   */
  opened?: string
  lastSentAt?: number
  /** when its last message came (ms, the engine's clock; absent from an older snapshot) */
  lastAddedAt?: number
  /** gathered since the last send, or a problem recovered since: worth sending */
  changed: boolean
  count: number
  newCount: number
  counts: Record<string, number>
  items: DigestItem[]
  firstAt: string
  lastAt: string
  severity: 'problem' | 'info'
  /** the kind of its first problem: what the title says went wrong */
  problemKind?: string
  /** what its subjects underwent (titleOf): of its first message, and of its first problem */
  verb: string
  problemVerb?: string
  /** its problems are calls that failed: the title names the method first */
  failedCall?: true
  /** every problem it has is a VM's own (a host down inhibits those on it, a new master its whole pool) */
  vmProblems?: boolean
  /** held back unsent by an inhibition: if it ends all recovered, it is never told */
  heldBack?: true
  /** problems gathered, and of them recovered since */
  problems: number
  recovered: number
  /** of them, those whose object was removed (a VM deleted while stopped) */
  removed?: number
  /** problems not recovered, by what pairs them with their recovery */
  open: Record<string, number>
  openCount: number
  /**
   * what it inhibits while open, each with why: the VM problems of a pool on `host` (a host down), or of the whole
   * pool without one (a new master)
   */
  inhibits: Array<{ pool: string; why: string; host?: string }>
  /** the hosts each of its VM problems was on (by pair): a host down inhibits those on it */
  problemHosts?: Record<string, string[]>
  subject?: ObjectRef
  /** distinct subjects, at most SUBJECTS_KEPT (the title then says "more than") */
  subjects: string[]
  type?: string | null
  pool?: Place | null
  host?: Place | null
  user?: { id?: string; name?: string } | null
}

export const SUBJECTS_KEPT = 1000

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Whether a snapshot's group has the shape this engine relies on: a snapshot comes back from a file or a shared
 * store, possibly written by another version.
 */
export function isGroupState(value: unknown): value is GroupState {
  return (
    isObject(value) &&
    typeof value.key === 'string' &&
    Number.isFinite(value.due) &&
    typeof value.seq === 'number' &&
    typeof value.count === 'number' &&
    typeof value.newCount === 'number' &&
    typeof value.openCount === 'number' &&
    typeof value.firstAt === 'string' &&
    typeof value.lastAt === 'string' &&
    typeof value.verb === 'string' &&
    isObject(value.labels) &&
    isObject(value.counts) &&
    isObject(value.open) &&
    Array.isArray(value.items) &&
    Array.isArray(value.inhibits) &&
    Array.isArray(value.subjects)
  )
}
