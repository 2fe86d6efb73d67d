import { isXoEventSummary, summarizeMessage, type XoEventSummary } from '../destinations/event'
import { isRecord, stableHash, str } from '../destinations/text'

/**
 * A message as the digest sees it: its summary (without facts or the raw payload, which a digest never shows) and
 * what it means for an incident: a problem, the recovery of one (`pair` ties them), or news.
 */
export interface DigestEvent {
  summary: XoEventSummary
  msg: Record<string, unknown>
  role: 'problem' | 'recovery' | 'info'
  /** what a problem and its recovery share: the same host's power, the same method on the same object */
  pair?: string
  /** a call that succeeded: the pairs of its method's failures that made no object, which it recovers as well */
  alsoRecovers?: string[]
  /** a problem of the whole pool (a host of it down, its master changed): inhibits its VMs' problems */
  poolWide?: boolean
  /** the object it removed (xo-events' `removed`, a VM deleted): its problems will never recover */
  removes?: string
}

const HOST_STOPS = new Set(['host.stop', 'host.restart', 'host.emergencyShutdownHost'])

/** The summary of a message, or why it is no event of a digest (with the summary when there is one). */
export function digestEventOf(
  msg: Record<string, unknown>,
  now: () => number,
): DigestEvent | { notAnEvent: string; summary?: XoEventSummary } {
  const summary = summarizeMessage(msg, () => new Date(now()), false)
  if (!isXoEventSummary(summary)) return { notAnEvent: summary.error }
  // A digest is many events already: gathered again, it would be counted as one.
  if (summary.source === 'digest') return { notAnEvent: 'a digest of another xo digest node' }
  // Its post follows (or was already gathered): counting both would say every call twice.
  if (summary.phase === 'pre') return { notAnEvent: `${summary.kind} about to run (its post is what counts)`, summary }
  // xo-events' listing of what exists when it starts: nothing happened.
  if (summary.source === 'events' && summary.kind.endsWith('.initial'))
    return { notAnEvent: `${summary.kind}: the state at start, not a change` }
  fullId(summary, msg)
  const e: DigestEvent = { summary, msg, ...roleOf(summary, msg) }
  const removed = summary.source === 'events' ? summary.kind.endsWith('.removed') : summary.kind === 'vm.delete'
  if (removed && summary.ok && summary.subject) e.removes = summary.subject.id
  return e
}

// A one-line summary leaves the object's digest out of an event's id and the call's hash out of an xo-call's:
// put them back, as the full summary has them, so that two distinct changes of one object stay distinct.
function fullId(summary: XoEventSummary, msg: Record<string, unknown>): void {
  if (!summary.id.endsWith(':')) return
  const payload = isRecord(msg.payload) ? msg.payload : {}
  if (summary.source === 'events') summary.id += stableHash(payload.object ?? payload.previous ?? summary.time)
  else if (summary.source === 'call') {
    const xo = msg.xo as Record<string, unknown>
    const params = isRecord(xo.params) ? xo.params : {}
    summary.id += stableHash({ method: summary.kind, params, time: summary.time })
  }
}

function roleOf(s: XoEventSummary, msg: Record<string, unknown>): Omit<DigestEvent, 'summary' | 'msg'> {
  const id = s.subject?.id ?? ''
  if (s.source === 'events') {
    switch (s.kind) {
      case 'host.down':
        return { role: 'problem', pair: `power:${id}`, poolWide: true }
      case 'host.up':
        return { role: 'recovery', pair: `power:${id}` }
      case 'VM.stopped':
        return { role: 'problem', pair: `power:${id}` }
      case 'VM.started':
        return { role: 'recovery', pair: `power:${id}` }
      case 'message.alarm':
        // An alarm of XAPI (a threshold crossed, a bond down) is a problem, but XO says nothing when it is over.
        return { role: 'problem' }
      case 'pool.updated': {
        const changes = isRecord(msg.payload) ? (msg.payload as Record<string, unknown>).changes : undefined
        // A new master: the pool's hosts and VMs were unreachable a while; nothing "recovers" it.
        return isRecord(changes) && changes.master ? { role: 'problem', poolWide: true } : { role: 'info' }
      }
      default:
        return { role: 'info' }
    }
  }
  // Someone shutting a host down is the host's incident (the same as its going down, which the object stream shows
  // a moment later), its start the recovery: one group, one page, whichever of the two a flow listens to.
  if (s.ok && HOST_STOPS.has(s.kind)) return { role: 'problem', pair: `power:${id}`, poolWide: true }
  if (s.ok && s.kind === 'host.start') return { role: 'recovery', pair: `power:${id}` }
  // A call that failed, and the same method on the same object succeeding later (its recovery). One that failed
  // making nothing (vm.create, user.create: there is no object yet) is recovered by the next success of the method
  // by the same caller, by anyone's when it names none (xo-call's); such pairs name no object (`by-` is no id).
  const byCaller = `call:${s.kind}:by-${s.user?.id ?? ''}`
  const pair = id ? `call:${s.kind}:${id}` : byCaller
  if (!s.ok) return { role: 'problem', pair }
  return { role: 'recovery', pair, alsoRecovers: [...new Set([byCaller, `call:${s.kind}:by-`])] }
}

/** Whether a problem is a VM's own (what a pool-wide problem inhibits). */
export const isVmProblem = (e: DigestEvent): boolean => e.role === 'problem' && !e.poolWide && isVm(e.summary)

export const isVm = (s: XoEventSummary): boolean => s.subject?.type === 'VM'

/** The value at a dotted path of the message (`payload.object.name_label`), as a label: scalars only. */
export function valueAt(msg: Record<string, unknown>, path: string): string | undefined {
  let value: unknown = msg
  for (const part of path.split('.')) {
    if (!isRecord(value) && !Array.isArray(value)) return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : str(value)
}
