import type { XoMetrics } from '../metrics/xo-metrics'

/** What an xo-hook node counts for /metrics, labelled with its server. */
export interface HookMetrics {
  /** a live delivery emitted */
  delivered(method: string, phase: 'pre' | 'post'): void
  /** a call emitted from XO's audit log */
  caughtUp(method: string): void
  /** a delivery refused, by HTTP status */
  refused(status: number): void
  /** a gated pre held, or let go (`released`, `timeout`, `closed`) */
  gated(outcome: string): void
  /** a read of the audit log: `ok`, or why it could not be done */
  catchUpPass(outcome: string): void
}

export function hookMetrics(metrics: XoMetrics, server: string): HookMetrics {
  return {
    delivered: (method, phase) => metrics.deliveries.inc({ server, method, phase }),
    caughtUp: (method) => metrics.caughtUp.inc({ server, method }),
    refused: (status) => metrics.refusals.inc({ server, status: String(status) }),
    gated: (outcome) => metrics.gated.inc({ server, outcome }),
    catchUpPass: (outcome) => metrics.catchUpPasses.inc({ server, outcome }),
  }
}
