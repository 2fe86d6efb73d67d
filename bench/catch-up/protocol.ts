/**
 * What the catch-up scenario's parent (the audit-log server) and its forked children say to each other over IPC.
 * Every child is the same script (child.ts), forked alike; only the variant it runs differs.
 */

export const VARIANTS = {
  baseline: 'baseline: download + JSON.parse',
  catchUp: 'catch-up: CatchUp + emit',
  undici: 'undici download + JSON.parse',
  // The same two after three whole downloads in the same process: a long-running Node-RED's case.
  baselineWarm: 'baseline, warm (4th download)',
  undiciWarm: 'undici, warm (4th download)',
} as const
export type Variant = keyof typeof VARIANTS

export interface RunSpec {
  /** the audit-log server, e.g. http://127.0.0.1:40123 */
  baseUrl: string
  records: number
  /** the oldest record's id: the catch-up's saved cursor, so every other record is missed */
  oldestId: string
}

export interface ChildResult {
  variant: Variant
  /** from the first call to XO until done */
  wallMs: number
  cpuUserUs: number
  cpuSystemUs: number
  /** process.memoryUsage().rss just before the run, after a full GC */
  rssBefore: number
  /** process.resourceUsage().maxRSS (KiB) before and after the run */
  maxRssBeforeKiB: number
  maxRssAfterKiB: number
  /** heapUsed after a full GC, before and after the run (the catch-up still referenced, as a node keeps it) */
  heapUsedBefore: number
  heapUsedAfter: number
  gcExposed: boolean
  /** lines handed over by the downloads */
  lines: number
  downloads: number
  /** calls to XO (POST /rpc) */
  calls: number
  /** catch-up only: calls emitted, and how many of them had a summary line */
  emitted?: number
  summaries?: number
  /** catch-up only: warnings it gave (a record it could not turn into a call, a failed save…) */
  warnings?: string[]
}

export type ToChild = { type: 'run'; spec: RunSpec }

export type FromChild = { type: 'ready' } | { type: 'result'; result: ChildResult } | { type: 'error'; message: string }
