/**
 * What the bench's parent (the targets) and its forked load generator say to each other over IPC.
 * The generator runs in its own process so that sending and timing never share an event loop with a target.
 */

export interface PhaseSpec {
  /** fixedRate: open loop, `rate` deliveries/s whatever the target does; fullSpeed: closed loop, `concurrency` in flight */
  mode: 'fixedRate' | 'fullSpeed'
  port: number
  path: string
  warmupMs: number
  measureMs: number
  /** fixedRate only */
  rate: number
  /** fullSpeed: the requests in flight; fixedRate: the most connections the generator may use */
  connections: number
}

export interface LatencySummary {
  count: number
  p50: number
  p90: number
  p99: number
  max: number
  mean: number
}

export interface ErrorCounts {
  /** non-2xx answers, by status code */
  status: Record<string, number>
  /** connections closed or reset with a request in flight */
  resets: number
  /** no answer within the generator's deadline */
  timeouts: number
  /** answers that were not HTTP */
  protocol: number
}

export interface PhaseResult {
  mode: PhaseSpec['mode']
  /** acknowledged (2xx) deliveries per second, counted over the measuring window only */
  throughput: number
  /** deliveries sent per second over the measuring window (fixedRate: should match `rate`) */
  sendRate: number
  latencyMs: LatencySummary
  errors: ErrorCounts
  /** every 2xx answer of the phase, warm-up included (the flow should have seen as many deliveries) */
  ackedTotal: number
  /** fixedRate: the most deliveries that waited for a free connection at once */
  maxQueued: number
  /** the generator's own event-loop utilisation over the phase: near 1, the generator was the limit */
  generatorBusy: number
}

export type ToGenerator = { type: 'bodies'; bodies: string[] } | { type: 'run'; spec: PhaseSpec }

export type FromGenerator =
  | { type: 'ready' }
  | { type: 'result'; result: PhaseResult }
  | { type: 'error'; message: string }

export function errorCount(errors: ErrorCounts): number {
  return Object.values(errors.status).reduce((a, b) => a + b, 0) + errors.resets + errors.timeouts + errors.protocol
}
