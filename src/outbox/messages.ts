import { createHash } from 'node:crypto'
import type { XoOutcome } from '../destinations/outcome'
import type { HttpRequestMessage } from '../destinations/request'
import type { OutboxEntry, OutboxOutcome, OutboxRequest } from './outbox'

/**
 * What of a message the outbox keeps besides the request: what xo outcome and the flow read on the way back (xo
 * kea, given the answer, sends the change's next command from `xoKea`).
 */
const CARRIED = ['topic', 'xoDestination', 'xoSummary', 'xoOrigin', 'xoKea'] as const

/** The header that names a request the same way on every attempt, for receivers that deduplicate. */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key'

/** A message's request, as the outbox keeps it, with its id; an error when it is not a request. */
export function requestOf(msg: Record<string, unknown>): { id: string; request: OutboxRequest } | { error: string } {
  const url = typeof msg.url === 'string' ? msg.url.trim() : ''
  if (!url) return { error: 'no msg.url: not a request for the http request node' }
  const method = typeof msg.method === 'string' && msg.method ? msg.method.toUpperCase() : 'POST'
  const headers: Record<string, string> = {}
  if (msg.headers && typeof msg.headers === 'object') {
    for (const [name, value] of Object.entries(msg.headers as Record<string, unknown>)) {
      if (value !== undefined && value !== null) headers[name] = String(value)
    }
  }
  const carried: Record<string, unknown> = {}
  for (const key of CARRIED) if (msg[key] !== undefined) carried[key] = msg[key]
  const request: OutboxRequest = {
    url,
    method,
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(msg.payload !== undefined ? { payload: msg.payload } : {}),
    ...(Object.keys(carried).length ? { carried } : {}),
  }
  return { id: idOf(msg, request), request }
}

/**
 * The request's id: the one it was given (`msg.xoOutbox.id`), else one made from its event (the package's summary
 * id) and what it sends, so that the same event handed over twice (a call replayed from XO's audit log, a late
 * delivery) makes the same id, and two requests of one event (Kea's commands) two ids. A request without an event
 * is its own: the message's id.
 */
function idOf(msg: Record<string, unknown>, request: OutboxRequest): string {
  const given = attemptOf(msg)?.id
  if (typeof given === 'string' && given) return given
  const event = (msg.xoSummary as { id?: unknown } | undefined)?.id
  const basis = typeof event === 'string' && event ? event : String(msg._msgid ?? '')
  const hash = createHash('sha256')
  hash.update(JSON.stringify([basis, request.method, request.url, request.payload ?? null]))
  return hash.digest('base64url').slice(0, 24)
}

/**
 * `msg.xoOutbox` of an attempt still to be settled; undefined once the outbox settled it (`state` set): a message
 * from its second output, made into the next request (xo kea's next command) or sent on to another outbox, is a
 * new request, never an answer, and does not take the settled one's id.
 */
function attemptOf(msg: Record<string, unknown>): { id?: unknown } | undefined {
  const attempt = msg.xoOutbox as { id?: unknown; state?: unknown } | undefined
  return attempt && typeof attempt === 'object' && attempt.state === undefined ? attempt : undefined
}

/** What the node that made a request does to it before it is sent again (a signature made anew). */
export type Refresh = (request: HttpRequestMessage) => HttpRequestMessage

/**
 * The message to hand to the http request node for an attempt of `entry`; `refresh`, the request's maker's (when it
 * is deployed), makes anew what was only good for a while.
 */
export function messageOf(entry: OutboxEntry, refresh?: Refresh): Record<string, unknown> {
  const kept = entry.request
  const request = refresh ? refresh(kept as HttpRequestMessage) : kept
  const headers = { ...request.headers, [IDEMPOTENCY_HEADER]: entry.id }
  const asked = { url: request.url, method: request.method, headers, payload: request.payload }
  return {
    ...kept.carried,
    ...asked,
    // What xo outcome puts back for a retry, and counts attempts from.
    xoRequest: asked,
    xoAttempt: entry.attempts - 1,
    xoOutbox: { id: entry.id, attempt: entry.attempts },
  }
}

/** The outbox's reading of a message back from xo outcome: its id and what its answer means; undefined otherwise. */
export function outcomeOf(msg: Record<string, unknown>): { id: string; outcome: OutboxOutcome } | undefined {
  const id = attemptOf(msg)?.id
  const verdict = msg.xoOutcome as XoOutcome | undefined
  if (typeof id !== 'string' || !verdict || typeof verdict !== 'object') return undefined
  const statusCode = Number(msg.statusCode)
  const status = Number.isInteger(statusCode) && statusCode > 0 ? { statusCode } : {}
  switch (verdict.outcome) {
    case 'ok':
      return { id, outcome: { outcome: 'ok', ...status } }
    case 'retry':
      return { id, outcome: { outcome: 'retry', reason: verdict.reason, afterMs: verdict.delayMs, ...status } }
    case 'failed':
      return { id, outcome: { outcome: 'failed', reason: verdict.reason, ...status } }
    default:
      return undefined
  }
}
