import type { StatusSpec, Translate } from '../common/status'
import { keaOutcome, type KeaCommand } from './kea'
import { basicAuth, jsonRequest } from './request'

/** What Kea answered to one command of a change. */
export interface KeaResult {
  command: string
  ok: boolean
  text: string
  result?: number
}

/** `msg.xoKea` while a change goes on: the commands still to send and the answers so far. */
export interface KeaProgress {
  pending: KeaCommand[]
  results: KeaResult[]
}

/** Where the commands go: Kea's URL, and Basic authentication when both user and password are set. */
export interface KeaEndpoint {
  url: string
  user: string
  password: string | undefined
}

/**
 * The message for the next command of a change (the first of `progress.pending`): the request for the http request
 * node, a copy a retry re-sends, `kea` for xo outcome, and `msg.xoKea` saying which command it is and what is left.
 */
export function keaRequest<M extends object>(msg: M, progress: KeaProgress, endpoint: KeaEndpoint) {
  const headers: Record<string, string> =
    endpoint.user && endpoint.password ? { Authorization: basicAuth(endpoint.user, endpoint.password) } : {}
  const [command, ...rest] = progress.pending
  const http = jsonRequest(endpoint.url, command, headers)
  return {
    ...msg,
    ...http,
    xoRequest: http,
    xoDestination: 'kea' as const,
    xoKea: { ...progress, pending: rest, current: command.command },
  }
}

/**
 * Reads the answer to the command sent last (`current`): Kea answers HTTP 200 even when a command fails, so its
 * `result` says. "Not found" on a delete is fine (the first step of an upsert). A failure ends the change; else the
 * next command follows, and once none is left the change is done.
 */
export function keaAnswered(
  answer: KeaProgress & { current: string },
  statusCode: unknown,
  payload: unknown,
): { next: KeaProgress } | { done: { ok: boolean; results: KeaResult[] } } {
  const outcome =
    Number(statusCode) === 200 ? keaOutcome(payload) : { ok: false, text: `HTTP ${statusCode ?? 'error'}` }
  const ok =
    outcome.ok || (answer.current === 'reservation-del' && (outcome as { notFound?: boolean }).notFound === true)
  const results = [
    ...answer.results,
    { command: answer.current, ok, text: outcome.text, result: (outcome as { result?: number }).result },
  ]
  if (ok && answer.pending.length > 0) return { next: { pending: answer.pending, results } }
  return { done: { ok, results } }
}

/** How many changes xo kea started, how many failed (yellow then), and what it did not send by reason. */
export function keaStatus(
  counts: { changes: number; failed: number },
  notSentSuffix: string,
  t: Translate,
): StatusSpec {
  return {
    fill: counts.failed ? 'yellow' : counts.changes ? 'green' : 'grey',
    shape: 'dot',
    text: t('status.kea', { count: counts.changes, failed: counts.failed }) + notSentSuffix,
  }
}
