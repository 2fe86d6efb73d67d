import { keaOutcome } from './kea'
import type { HttpRequestMessage } from './request'
import { isRecord } from './text'

export type Outcome =
  | { outcome: 'ok' }
  | { outcome: 'retry'; afterMs?: number; reason: string }
  | { outcome: 'fail'; reason: string }

export const DESTINATIONS = [
  'slack',
  'mattermost',
  'teams',
  'pagerduty',
  'kea',
  'cloudevents',
  'gitlab',
  'github',
  'haproxy',
  'generic',
] as const

export type Destination = (typeof DESTINATIONS)[number]

/**
 * A destination node's message (xo slack, xo teams, xo pagerduty, xo cloudevent, xo ci, xo haproxy, and each
 * command of xo kea): the request for the core http request node, a copy of it that a retry re-sends (the http
 * request node replaces payload and headers with the answer's), and whose rules xo outcome reads the answer by.
 */
export interface DestinationMessage extends HttpRequestMessage {
  xoRequest: HttpRequestMessage
  xoDestination: Destination
  xoSummary?: { id: string; kind: string; title: string; ok?: boolean }
  [property: string]: unknown
}

/** `msg.xoOutcome` of a message out of xo outcome: output 1 `ok`, output 2 `retry`, output 3 `failed`. */
export type XoOutcome =
  | { outcome: 'ok'; attempt: number }
  | { outcome: 'retry'; reason: string; attempt: number; delayMs: number }
  | { outcome: 'failed'; reason: string; attempt: number }

/** A message out of xo outcome: the http request node's answer (the request again on output 2) and the verdict. */
export interface OutcomeMessage extends HttpResponse {
  xoOutcome: XoOutcome
  /** 1 for the first try */
  xoAttempt: number
  /** output 2: how long to wait (ms) before re-sending, for a delay node set to "msg.delay" */
  delay?: number
  xoRequest?: HttpRequestMessage
  xoDestination?: string
  [property: string]: unknown
}

export interface HttpResponse {
  statusCode?: number | string
  headers?: Record<string, unknown>
  payload?: unknown
  /**
   * Set when no answer came (refused, reset, timeout, DNS…). Node-RED's core http request node does not set
   * `msg.error`: it puts the error's code in `msg.statusCode` (`ECONNREFUSED`) and its text in `msg.payload`.
   */
  error?: unknown
}

const SNIPPET_MAX = 200

/**
 * What to do after the http request node answered: `ok`; `retry` (network errors and timeouts, 408, 429 with
 * its Retry-After, 5xx, and what each destination adds); `fail` for the rest, which a retry cannot fix (bad
 * payload, revoked URL or key: dead-letter it and tell a human). A 3xx is a failure: the node follows
 * redirects unless told not to. `now` (ms) reads Retry-After dates.
 */
export function classifyResponse(
  destination: Destination,
  response: HttpResponse,
  now: () => number = Date.now,
): Outcome {
  const status = Number(response.statusCode)
  if (response.statusCode === undefined || response.statusCode === '' || !Number.isInteger(status)) {
    return { outcome: 'retry', reason: `no answer: ${noAnswer(response)}` }
  }
  const body = bodyText(response.payload)
  const said = body ? `: ${snippet(body)}` : ''
  // GitHub says when its rate limit resets (403 or 429, no Retry-After on the primary limit): before the generic 429.
  if (
    destination === 'github' &&
    (status === 403 || status === 429) &&
    header(response.headers, 'x-ratelimit-remaining') === '0'
  ) {
    const reset = Number(header(response.headers, 'x-ratelimit-reset'))
    const afterMs =
      retryAfterMs(header(response.headers, 'retry-after'), now) ??
      (Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now()) : undefined)
    return { outcome: 'retry', ...(afterMs !== undefined ? { afterMs } : {}), reason: `GitHub rate limit${said}` }
  }
  if (status === 408 || status === 429 || status >= 500) {
    const afterMs = retryAfterMs(header(response.headers, 'retry-after'), now)
    return afterMs === undefined
      ? { outcome: 'retry', reason: `HTTP ${status}${said}` }
      : { outcome: 'retry', afterMs, reason: `HTTP ${status}${said}` }
  }
  if (destination === 'haproxy' && status === 409)
    return { outcome: 'retry', reason: `HAProxy configuration changed meanwhile (409)${said}` }
  if (status >= 300 && status < 400)
    return {
      outcome: 'fail',
      reason: `HTTP ${status} redirect to ${String(header(response.headers, 'location') ?? '?')}`,
    }
  if (status >= 400)
    return { outcome: 'fail', reason: `HTTP ${status}${failureDetail(destination, status, response.payload, body)}` }
  return success(destination, status, response.payload, body)
}

function success(destination: Destination, status: number, payload: unknown, body: string): Outcome {
  switch (destination) {
    case 'slack':
      // Slack's webhooks answer 200 "ok", errors are plain-text codes.
      return body.trim() === 'ok'
        ? { outcome: 'ok' }
        : { outcome: 'fail', reason: `Slack answered HTTP ${status} ${snippet(body) || '(empty)'}` }
    case 'mattermost': {
      // Mattermost answers "ok", Rocket.Chat {"success": true}.
      const json = jsonOf(payload, body)
      return isRecord(json) && json.success === false
        ? { outcome: 'fail', reason: `HTTP ${status}: ${snippet(body)}` }
        : { outcome: 'ok' }
    }
    case 'kea': {
      const answer = keaOutcome(payload)
      if (answer.ok) return { outcome: 'ok' }
      return { outcome: 'fail', reason: `Kea result ${answer.result ?? '?'}: ${snippet(answer.text)}` }
    }
    default:
      // Teams Workflows 202 (queued: later failures show only in the flow's run history), PagerDuty 202,
      // GitHub 204, GitLab 201, HAProxy 200/202, CloudEvents receivers any 2xx.
      return { outcome: 'ok' }
  }
}

function failureDetail(destination: Destination, status: number, payload: unknown, body: string): string {
  const json = jsonOf(payload, body)
  if (destination === 'pagerduty' && isRecord(json)) {
    const errors = Array.isArray(json.errors) ? ` (${json.errors.join('; ')})` : ''
    return `: ${snippet(`${String(json.message ?? json.status ?? '')}${errors}`)}`
  }
  if ((destination === 'gitlab' || destination === 'github') && isRecord(json) && json.message !== undefined) {
    return `: ${snippet(typeof json.message === 'string' ? json.message : JSON.stringify(json.message))}`
  }
  if (destination === 'slack' && status === 410) return `: ${snippet(body)} (disable this route)`
  return body ? `: ${snippet(body)}` : ''
}

/** Retry-After in seconds or as an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(value: unknown, now: () => number = Date.now): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined
  const text = String(value).trim()
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000)
  const date = Date.parse(text)
  return Number.isFinite(date) ? Math.max(0, date - now()) : undefined
}

/**
 * The delay before retry number `attempt` (0 for the first retry): exponential from `baseMs` (1 s), capped at
 * `maxMs` (5 min), with full jitter (anywhere between 0 and that), so that many failed deliveries do not
 * all come back at the same instant.
 */
export function backoffMs(
  attempt: number,
  opts: { baseMs?: number; maxMs?: number; random?: () => number } = {},
): number {
  const base = opts.baseMs ?? 1000
  const max = opts.maxMs ?? 300_000
  const ceiling = Math.min(max, base * 2 ** Math.max(0, Math.min(attempt, 60)))
  return Math.floor((opts.random ?? Math.random)() * ceiling)
}

function header(headers: Record<string, unknown> | undefined, name: string): unknown {
  if (!headers) return undefined
  const value = Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1]
  return Array.isArray(value) ? value[0] : value
}

function bodyText(payload: unknown): string {
  if (payload === undefined || payload === null) return ''
  if (typeof payload === 'string') return payload
  if (Buffer.isBuffer(payload)) return payload.toString('utf8')
  try {
    return JSON.stringify(payload)
  } catch {
    return String(payload)
  }
}

function jsonOf(payload: unknown, body: string): unknown {
  if (typeof payload === 'object' && payload !== null && !Buffer.isBuffer(payload)) return payload
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}

const snippet = (text: string) =>
  (text.length > SNIPPET_MAX ? `${text.slice(0, SNIPPET_MAX - 1)}…` : text).replace(/\s+/g, ' ').trim()

/**
 * Why no answer came. The core http request node gives the error's code as the status code and
 * `<error> : <url>` as the payload: the URL is cut, as it may be the secret itself (Slack's and Teams' webhooks).
 */
function noAnswer(response: HttpResponse): string {
  if (response.error) return describeError(response.error)
  const code = typeof response.statusCode === 'string' ? response.statusCode.trim() : ''
  const text = snippet(bodyText(response.payload).replace(/ : https?:\/\/\S*$/, ''))
  if (code && text.includes(code)) return text
  return [code, text].filter((part) => part !== '').join(' ') || 'no status code'
}

function describeError(error: unknown): string {
  if (!error) return 'no status code'
  if (typeof error === 'string') return error
  if (isRecord(error) || error instanceof Error) {
    const e = error as { message?: unknown; code?: unknown }
    return [e.code, e.message].filter((part) => typeof part === 'string' && part !== '').join(' ') || 'unknown error'
  }
  return String(error)
}
