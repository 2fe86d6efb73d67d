import type { XoDigest } from './digest-message'
import type { ObjectRef } from './object-ref'

export type { ObjectRef } from './object-ref'

/**
 * The shape every destination formats from (an XoEventSummary and the objects it names). Kept apart from event.ts,
 * which builds summaries from messages through from-call.ts and from-events.ts: those two, and phrases.ts, need the
 * shape but not the builder.
 */

/**
 * What happened, in one shape whatever node saw it (xo-hook, xo-events, xo-call): every destination module
 * formats from this, so that a message reads the same in Slack, Teams, PagerDuty or a CloudEvent.
 */
export interface XoEventSummary {
  /** digest: a message of xo digest, the many messages of a group in one (see `digest`) */
  source: 'hook' | 'events' | 'call' | 'digest'
  /** deterministic, so that a retried delivery carries the same id and receivers can deduplicate */
  id: string
  /** the method (`vm.create`) or the xo-events topic (`VM.migrated`) */
  kind: string
  phase?: 'pre' | 'post'
  /** false for a failed call (post or xo-call error) */
  ok: boolean
  error?: { message: string; code?: number | string }
  user?: { id?: string; name?: string; ip?: string }
  /** the main object: the VM of vm.*, the host of host.*, the created VM of vm.create, the object of an event */
  subject?: ObjectRef
  /**
   * The object that came into being: the VM of a successful vm.create, vm.clone, vm.copy or restore, the snapshot
   * of vm.snapshot (post), the object of an xo-events `created`. Not the source a clone was made from.
   */
  created?: ObjectRef
  /** every object involved, by role (`vm`, `targetHost`, `template`…) */
  objects: Record<string, ObjectRef>
  pool?: { id: string; name?: string }
  host?: { id: string; name?: string }
  durationMs?: number
  /** xo-hook: the call came from XO's audit log, XO having missed its live delivery */
  replayed?: true
  /** ISO 8601 */
  time: string
  /** one readable line */
  title: string
  /** what is known, in reading order */
  facts: Array<{ label: string; value: string }>
  /** the original payload, with credentials (token.create's token, transfer paths) hidden */
  raw: unknown
  /** the digest itself (source 'digest'): what a destination needs to show the group whole, its list and counts */
  digest?: XoDigest
}

/**
 * Whether `summarizeMessage` summarised the message. Test with this, not `'error' in result`: a summary of a
 * failed call has an `error` too.
 */
export function isXoEventSummary(result: XoEventSummary | { error: string }): result is XoEventSummary {
  return 'kind' in result
}
