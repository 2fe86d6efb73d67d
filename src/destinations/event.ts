import { isDigest } from './digest-message'
import { summarizeCall, summarizeHook } from './from-call'
import { summarizeDigest } from './from-digest'
import { summarizeObjectEvent } from './from-events'
import { isXoEventSummary, type XoEventSummary } from './summary'
import { formatDuration, isRecord, str } from './text'

export { isXoEventSummary, type ObjectRef, type XoEventSummary } from './summary'

/**
 * Summarises a message of xo-hook (`msg.xo.phase`), xo-events (`msg.payload.event`), xo-call (`msg.xo.method`) or
 * xo digest (`msg.payload` a digest). `now` gives the time of events and calls, which carry none.
 */
export function summarizeMessage(
  msg: { topic?: unknown; payload?: unknown; xo?: unknown },
  now: () => Date = () => new Date(),
  detail = true,
): XoEventSummary | { error: string } {
  if (!isRecord(msg)) return { error: 'not a message' }
  const { xo, payload } = msg
  // First: a digest stands for its group whatever else the message kept of the ones it gathered.
  if (isDigest(payload)) return summarizeDigest(payload)
  if (isRecord(xo) && (xo.phase === 'pre' || xo.phase === 'post') && str(xo.method) && str(xo.callId)) {
    return summarizeHook(xo, payload, now, detail)
  }
  if (isRecord(payload) && str(payload.event) && str(payload.type) && str(payload.id))
    return summarizeObjectEvent(payload, now, detail)
  if (isRecord(xo) && str(xo.method)) return summarizeCall(xo, payload, now, detail)
  return {
    error:
      'not a message of xo-hook (msg.xo.phase), xo-events (msg.payload.event), xo-call (msg.xo.method) or xo digest',
  }
}

/**
 * `msg.summary` of every message of the package: what happened, in one line a person reads at once
 * ("admin@admin.net started VM web-01 on pool sim-pool in 0.8 s", "VM db-01 migrated from xcp-host-1 to
 * xcp-host-2"). Cheap: neither facts nor the raw payload are built.
 */
export function summaryLine(msg: { topic?: unknown; payload?: unknown; xo?: unknown }): string | undefined {
  const s = summarizeMessage(msg, () => new Date(), false)
  if (!isXoEventSummary(s)) return undefined
  const took =
    s.ok && s.phase !== 'pre' && s.durationMs !== undefined && s.durationMs >= 100
      ? ` in ${formatDuration(s.durationMs)}`
      : ''
  return `${s.title}${took}${s.replayed ? " (from XO's audit log)" : ''}`
}
