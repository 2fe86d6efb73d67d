import type { StatusSpec } from '../common/status'
import { backoffMs, classifyResponse, DESTINATIONS, type Destination, type XoOutcome } from './outcome'
import type { Translate } from '../common/status'

/** A text of xo outcome's catalogue, with its substitutions. */

const KNOWN = new Set<string>(DESTINATIONS)

/** What the editor stores for an `xo-outcome` node. */
export interface OutcomeConfig {
  destination?: string
  maxAttempts?: number | string
  maxDelay?: number | string
}

export interface OutcomeSettings {
  /** the destination the node is set to; undefined: as the destination node upstream tagged the message */
  destination: string | undefined
  maxAttempts: number
  maxDelayMs: number
}

export function outcomeSettings(config: OutcomeConfig): OutcomeSettings {
  return {
    destination: config.destination && config.destination !== 'auto' ? config.destination : undefined,
    maxAttempts: Number(config.maxAttempts) > 0 ? Number(config.maxAttempts) : 5,
    maxDelayMs: (Number(config.maxDelay) > 0 ? Number(config.maxDelay) : 300) * 1000,
  }
}

/**
 * Whose rules read an answer: the node's destination, else the one the message was tagged with, else a generic
 * receiver's. `unknown` names a destination asked for that this package does not know (read as generic).
 */
export function destinationOf(
  settings: OutcomeSettings,
  tagged: unknown,
): { destination: Destination; unknown?: string } {
  const name = settings.destination ?? (typeof tagged === 'string' ? tagged : undefined) ?? 'generic'
  return KNOWN.has(name) ? { destination: name as Destination } : { destination: 'generic', unknown: name }
}

/** Which output a message leaves by: delivered, retry later, failed for good. */
export type OutcomeOutput = 'ok' | 'retry' | 'failed'

/**
 * Reads the http request node's answer on `msg` the way `destination` means it and writes the verdict on it:
 * `msg.xoAttempt` (1 for the first try), `msg.xoOutcome`, and for a retry `msg.delay` (Retry-After, else backoff;
 * at most the longest wait) with the request put back (the http request node replaced payload and headers with the
 * answer's). A retry past the last attempt fails for good.
 */
export function readAnswer(
  msg: Record<string, unknown>,
  destination: Destination,
  settings: OutcomeSettings,
  backoff: (attempt: number) => number = backoffMs,
): OutcomeOutput {
  const outcome = classifyResponse(destination, {
    statusCode: msg.statusCode as number | string | undefined,
    headers: msg.headers as Record<string, unknown> | undefined,
    payload: msg.payload,
    error: msg.error,
  })
  const attempt = (Number(msg.xoAttempt) || 0) + 1
  msg.xoAttempt = attempt
  if (outcome.outcome === 'ok') {
    msg.xoOutcome = { outcome: 'ok', attempt } satisfies XoOutcome
    return 'ok'
  }
  if (outcome.outcome === 'retry' && attempt < settings.maxAttempts) {
    const delay = Math.min(settings.maxDelayMs, outcome.afterMs ?? backoff(attempt))
    msg.delay = delay
    if (msg.xoRequest && typeof msg.xoRequest === 'object') Object.assign(msg, msg.xoRequest)
    msg.xoOutcome = { outcome: 'retry', reason: outcome.reason, attempt, delayMs: delay } satisfies XoOutcome
    return 'retry'
  }
  const reason = outcome.outcome === 'retry' ? `${outcome.reason}; gave up after ${attempt} attempts` : outcome.reason
  msg.xoOutcome = { outcome: 'failed', reason, attempt } satisfies XoOutcome
  return 'failed'
}

/** How many answers xo outcome read, by output (yellow once one failed for good). */
export function outcomeStatus(counts: Record<OutcomeOutput, number>, t: Translate): StatusSpec {
  return {
    fill: counts.failed ? 'yellow' : 'green',
    shape: 'dot',
    text: t('status.counts', { ok: counts.ok, retry: counts.retry, failed: counts.failed }),
  }
}
