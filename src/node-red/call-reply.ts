import { summaryLine } from '../destinations/event'
import type { StatusSpec, Translate } from '../common/status'
import type { XoApiError } from '../xo/errors'
import type { XoCallInfo } from '../call/message'
import { obfuscate } from '../call/obfuscate'
import { transferOf } from '../call/transfer'

/** What was called, with what, for how long: `msg.xo` is made of it (secrets obfuscated). */
export interface CallDone {
  method: string
  params: Record<string, unknown>
  durationMs: number
}

/**
 * The status of a connected xo call node once it made calls: how many, how many failed, how many wait (yellow
 * when some failed). Any other status (connecting, down…) is shown as the connection gives it.
 */
export function callStatus(
  spec: StatusSpec,
  counts: { ok: number; failed: number },
  queued: number,
  t: Translate,
): StatusSpec {
  if (spec.fill !== 'green' || counts.ok + counts.failed === 0) return spec
  const text = t('status.counts', { count: counts.ok + counts.failed, failed: counts.failed, queued })
  return { fill: counts.failed ? 'yellow' : 'green', shape: 'dot', text }
}

/** Writes a failed call on its message: `msg.xo` with XO's error (name, message, code, data) and `msg.summary`. */
export function failedCall(msg: Record<string, unknown>, call: CallDone, error: Error): void {
  const e = error as Partial<XoApiError>
  msg.xo = {
    method: call.method,
    params: obfuscate(call.params) as Record<string, unknown>,
    durationMs: call.durationMs,
    error: { name: error.name, message: error.message, code: e.code, data: e.data },
  } satisfies XoCallInfo
  msg.summary = summaryLine(msg)
}

/**
 * Writes XO's answer on its message (with `setResult`, at the node's output property) with `msg.xo` and
 * `msg.summary`. A transfer answer (download or upload) also gets `url` and `method` for an http request node,
 * its URL made absolute with `httpBase`.
 */
export function answeredCall(
  msg: Record<string, unknown>,
  call: CallDone,
  result: unknown,
  httpBase: string,
  setResult: (value: unknown) => void,
): void {
  const transfer = transferOf(result, httpBase)
  setResult(transfer ? { ...(result as object), url: transfer.url } : result)
  if (transfer) Object.assign(msg, { url: transfer.url, method: transfer.method })
  msg.xo = {
    method: call.method,
    params: obfuscate(call.params) as Record<string, unknown>,
    durationMs: call.durationMs,
  } satisfies XoCallInfo
  msg.summary = summaryLine(msg)
}
