import type { HookPost } from '../hooks/delivery'
import { validateHookBody } from '../hooks/delivery'

/**
 * A record of XO's audit plugin (xo-server-audit 0.15.1, see test/fixtures/xo/audit.json): one per state-changing
 * API call (`event: "apiCall"`, read-only methods are not recorded), plus a few other events (failed sign-ins,
 * consoles). Records are hash-chained from newest to oldest through `previousId`; the oldest has "nullId".
 */
export interface AuditRecord {
  id: string
  previousId: string
  /** when XO wrote the record (ms) */
  time: number
  event: string
  subject?: { userId?: string; userIp?: string; userName?: string }
  /** for `apiCall`: the post delivery of the call, without its user fields and type */
  data?: Record<string, unknown>
}

/** What ends the chain: the `previousId` of the oldest record. */
export const NULL_ID = 'nullId'

/** A line of the audit log as XO sent it, or undefined when it is not a record (said by the caller). */
export function asAuditRecord(line: unknown): AuditRecord | undefined {
  if (!line || typeof line !== 'object' || Array.isArray(line)) return undefined
  const r = line as Record<string, unknown>
  if (typeof r.id !== 'string' || r.id === '' || typeof r.previousId !== 'string' || typeof r.event !== 'string')
    return undefined
  if (typeof r.time !== 'number' || !Number.isFinite(r.time)) return undefined
  if (r.subject !== undefined && (typeof r.subject !== 'object' || r.subject === null)) return undefined
  if (r.data !== undefined && (typeof r.data !== 'object' || r.data === null || Array.isArray(r.data))) return undefined
  return r as unknown as AuditRecord
}

/**
 * The post delivery XO's web-hooks plugin sent (or would have sent) for the call of an `apiCall` record, with the
 * same keys in the same order: callId, userId, userName, userIp, method, params, timestamp, duration, result or
 * error, type. Undefined when the record does not describe a call completely.
 */
export function postDeliveryOf(record: AuditRecord): HookPost | undefined {
  if (record.event !== 'apiCall' || !record.data) return undefined
  const { callId, method, params, timestamp, duration } = record.data
  const subject = record.subject ?? {}
  const body: Record<string, unknown> = { callId }
  if (subject.userId !== undefined) body.userId = subject.userId
  if (subject.userName !== undefined) body.userName = subject.userName
  if (subject.userIp !== undefined) body.userIp = subject.userIp
  body.method = method
  body.params = params ?? {}
  body.timestamp = timestamp
  if (duration !== undefined) body.duration = duration
  if ('error' in record.data && record.data.error !== undefined) body.error = record.data.error
  else body.result = record.data.result
  body.type = 'post'
  const checked = validateHookBody(body)
  return 'error' in checked ? undefined : (checked.body as HookPost)
}
