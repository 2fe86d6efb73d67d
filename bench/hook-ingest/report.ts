/**
 * Turns the phases' results into what a reader needs: one table per mode, the ratios of the xo-hook node to
 * its two baselines, whether the aims hold, and the hook-ingest part of the last line of JSON for machines. Only ratios and the p99 aim
 * are judged: absolute figures depend on the machine and on whatever else it runs.
 */
import type { BenchConfig } from '../config'
import { errorCount, type PhaseResult } from '../protocol'

export const TARGETS = {
  bare: 'a  bare node:http (read, JSON.parse, 200)',
  nodeRedCore: 'b  Node-RED http in -> http response',
  xoHook: 'c  xo-hook, enrichment off',
  xoHookEnriched: 'c+ xo-hook, enrichment on',
  listener: 'd  xo-hook on its own listener',
  listenerEnriched: 'd+ the same, enrichment on',
  listenerShared: 'e  d sharing a Redis, catch-up on',
} as const
export type TargetKey = keyof typeof TARGETS
export type Mode = 'fixedRate' | 'fullSpeed'

export interface Measured extends PhaseResult {
  /** the parent's CPU time (user + system) per acknowledged delivery, warm-up included: what one delivery costs */
  cpuUsPerDelivery: number
  /** the parent's event-loop delay over the phase (warm-up included) */
  loopDelayP99Ms: number
  loopDelayMaxMs: number
  /** xo-hook targets: messages out of the flow for this phase, and how long after the last ack they were all out */
  flowed?: number
  catchUpMs?: number
}

export type Results = Record<Mode, Partial<Record<TargetKey, Measured>>>

const round = (value: number, digits: number) => Number(value.toFixed(digits))
const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? round(a / b, 3) : null)

function table(title: string, rows: Partial<Record<TargetKey, Measured>>): string[] {
  const head =
    `${'target'.padEnd(40)}${'acks/s'.padStart(9)}${'sent/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p90 ms'.padStart(9)}` +
    `${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}${'loop max'.padStart(9)}${'cpu us/dlv'.padStart(11)}${'gen busy'.padStart(9)}${'errors'.padStart(8)}  flow`
  const lines = [title, head]
  for (const key of Object.keys(TARGETS) as TargetKey[]) {
    const r = rows[key]
    if (!r) continue
    const l = r.latencyMs
    const flow = r.flowed === undefined ? '' : `${r.flowed}/${r.ackedTotal} out, +${r.catchUpMs} ms`
    lines.push(
      TARGETS[key].padEnd(40) +
        r.throughput.toFixed(0).padStart(9) +
        r.sendRate.toFixed(0).padStart(9) +
        [l.p50, l.p90, l.p99, l.max, r.loopDelayMaxMs].map((v) => v.toFixed(2).padStart(9)).join('') +
        r.cpuUsPerDelivery.toFixed(0).padStart(11) +
        `${(r.generatorBusy * 100).toFixed(0)} %`.padStart(9) +
        String(errorCount(r.errors)).padStart(8) +
        `  ${flow}`,
    )
  }
  return lines
}

export function ratios(results: Results) {
  const out: Record<string, Record<string, number | null>> = {}
  for (const c of ['xoHook', 'xoHookEnriched', 'listener', 'listenerEnriched'] as const) {
    for (const base of ['bare', 'nodeRedCore'] as const) {
      const full = (k: TargetKey) => results.fullSpeed[k]
      const fixed = (k: TargetKey) => results.fixedRate[k]
      out[`${c}/${base}`] = {
        fullSpeedThroughput: ratio(full(c)?.throughput, full(base)?.throughput),
        fullSpeedP99: ratio(full(c)?.latencyMs.p99, full(base)?.latencyMs.p99),
        fixedRateP99: ratio(fixed(c)?.latencyMs.p99, fixed(base)?.latencyMs.p99),
        cpuPerDelivery: ratio(full(c)?.cpuUsPerDelivery, full(base)?.cpuUsPerDelivery),
      }
    }
  }
  // What the shared store costs per delivery: e against the same instance without it.
  const full = (k: TargetKey) => results.fullSpeed[k]
  const fixed = (k: TargetKey) => results.fixedRate[k]
  out['listenerShared/listener'] = {
    fullSpeedThroughput: ratio(full('listenerShared')?.throughput, full('listener')?.throughput),
    fullSpeedP99: ratio(full('listenerShared')?.latencyMs.p99, full('listener')?.latencyMs.p99),
    fixedRateP99: ratio(fixed('listenerShared')?.latencyMs.p99, fixed('listener')?.latencyMs.p99),
    cpuPerDelivery: ratio(full('listenerShared')?.cpuUsPerDelivery, full('listener')?.cpuUsPerDelivery),
  }
  return out
}

/**
 * The aims: the own listener (d) near the bare server (half its full-speed throughput, p99 under 2 ms at the fixed
 * rate, at most twice its CPU per delivery), with enrichment on too; Node-RED's path (c) at least as fast as
 * Node-RED's own core flow, which is what its web stack allows (it stays near a tenth of the bare server).
 */
export function aims(results: Results, config: BenchConfig) {
  const out: Record<string, { holds: boolean; value: number | null; aim: string }> = {}
  const r = ratios(results)
  for (const c of ['xoHook', 'xoHookEnriched'] as const) {
    const vsCore = r[`${c}/nodeRedCore`].fullSpeedThroughput
    out[`${c}.atLeastAsFastAsNodeRedCore`] = {
      holds: vsCore !== null && vsCore >= 1,
      value: vsCore,
      aim: 'full-speed acks/s c/b >= 1',
    }
  }
  for (const d of ['listener', 'listenerEnriched'] as const) {
    const vsBare = r[`${d}/bare`].fullSpeedThroughput
    const cpu = r[`${d}/bare`].cpuPerDelivery
    const p99 = results.fixedRate[d]?.latencyMs.p99 ?? null
    out[`${d}.atLeastHalfOfBare`] = {
      holds: vsBare !== null && vsBare >= 0.5,
      value: vsBare,
      aim: 'full-speed acks/s d/a >= 0.5',
    }
    out[`${d}.p99Under2msAtFixedRate`] = {
      holds: p99 !== null && p99 < 2,
      value: p99 === null ? null : round(p99, 3),
      aim: `p99 < 2 ms at ${config.rate} deliveries/s`,
    }
    out[`${d}.cpuAtMostTwiceBare`] = { holds: cpu !== null && cpu <= 2, value: cpu, aim: 'CPU per delivery d/a <= 2' }
  }
  return out
}

function compact(r: Measured | undefined) {
  if (!r) return undefined
  return {
    throughput: round(r.throughput, 1),
    sendRate: round(r.sendRate, 1),
    p50Ms: round(r.latencyMs.p50, 3),
    p90Ms: round(r.latencyMs.p90, 3),
    p99Ms: round(r.latencyMs.p99, 3),
    maxMs: round(r.latencyMs.max, 3),
    samples: r.latencyMs.count,
    cpuUsPerDelivery: round(r.cpuUsPerDelivery, 1),
    loopDelayP99Ms: round(r.loopDelayP99Ms, 3),
    loopDelayMaxMs: round(r.loopDelayMaxMs, 3),
    generatorBusy: round(r.generatorBusy, 3),
    errors: errorCount(r.errors),
    ...(r.flowed === undefined ? {} : { flowed: r.flowed, acked: r.ackedTotal, catchUpMs: r.catchUpMs }),
  }
}

/** The tables, ratios and aims, and the scenario's part of the final JSON line (printed by run.ts, with the other scenario's). */
export function render(
  results: Results,
  config: BenchConfig,
  context: Record<string, unknown>,
  failures: string[],
): { lines: string[]; json: Record<string, unknown> } {
  const lines = [
    ...table(
      `fixed rate: ${config.rate} deliveries/s, open loop, up to ${config.concurrency} keep-alive connections`,
      results.fixedRate,
    ),
    '',
    ...table(`full speed: closed loop, ${config.concurrency} keep-alive connections`, results.fullSpeed),
    '',
    'ratios (full-speed acks/s; p99 full speed; p99 fixed rate; CPU per delivery full speed):',
  ]
  const r = ratios(results)
  for (const [pair, v] of Object.entries(r)) {
    const show = (x: number | null) => (x === null ? '-' : x.toFixed(3)).padStart(8)
    lines.push(
      `  ${pair.padEnd(28)}${show(v.fullSpeedThroughput)}${show(v.fullSpeedP99)}${show(v.fixedRateP99)}${show(v.cpuPerDelivery)}`,
    )
  }
  lines.push('', 'aims:')
  const a = aims(results, config)
  for (const [name, v] of Object.entries(a))
    lines.push(`  ${v.holds ? 'holds ' : 'MISSED'}  ${name.padEnd(44)} ${v.aim} (${v.value ?? '-'})`)
  for (const failure of failures) lines.push(`ERROR: ${failure}`)
  const json = {
    bench: 'hook-ingest',
    ...context,
    fixedRate: { rate: config.rate, connections: config.concurrency, ...mapTargets(results.fixedRate) },
    fullSpeed: { concurrency: config.concurrency, ...mapTargets(results.fullSpeed) },
    ratios: r,
    aims: Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v.holds])),
    failures,
  }
  return { lines, json }
}

function mapTargets(rows: Partial<Record<TargetKey, Measured>>) {
  return Object.fromEntries(
    (Object.keys(TARGETS) as TargetKey[]).filter((k) => rows[k]).map((k) => [k, compact(rows[k])]),
  )
}
