export interface BackoffPolicy {
  /** delay before the first retry */
  initialMs: number
  /** no delay is ever longer than this */
  maxMs: number
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 60_000 }

/**
 * Delay before retry number `attempt` (0-based): exponential, capped, with "equal jitter" (half fixed,
 * half random) so that many Node-RED instances restarted together do not reconnect to XO in lockstep,
 * while a retry never comes sooner than half the nominal delay.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt, 0), 30)
  const nominal = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent)
  return Math.round(nominal / 2 + random() * (nominal / 2))
}
