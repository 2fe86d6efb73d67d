/**
 * The catch-up scenario's table, ratios, and its part of the final JSON line. Absolute figures move with the
 * machine and its other work; the ratios to the baseline, run in the same round, are what is judged.
 */
import type { CatchUpConfig } from '../config'
import type { ChildResult, Variant } from './protocol'
import { VARIANTS } from './protocol'
import type { CatchUpResults, RoundResult } from './scenario'
import { PAGE_SIZE } from './scenario'

const MB = 1024 * 1024
const round = (value: number, digits: number) => Number(value.toFixed(digits))
const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 3) : null)
const show = (x: number | null) => (x === null ? '-' : x.toFixed(3))

const cpuMs = (r: ChildResult) => (r.cpuUserUs + r.cpuSystemUs) / 1000
/** from the RSS just before the run to the process's peak (maxRSS) at its end */
const peakGrowth = (r: ChildResult) => r.maxRssAfterKiB * 1024 - r.rssBefore
/** false: the run did not raise the process's peak (start-up had reached it), so its own peak is not known */
const peakRaised = (r: ChildResult) => r.maxRssAfterKiB > r.maxRssBeforeKiB
const heapGrowth = (r: ChildResult) => r.heapUsedAfter - r.heapUsedBefore

function ratios(r: RoundResult) {
  return {
    catchUpVsBaseline: {
      wall: ratio(r.catchUp.wallMs, r.baseline.wallMs),
      cpu: ratio(cpuMs(r.catchUp), cpuMs(r.baseline)),
      peakRssGrowth: ratio(peakGrowth(r.catchUp), peakGrowth(r.baseline)),
    },
    undiciVsNodeHttp: {
      wall: ratio(r.undici.wallMs, r.baseline.wallMs),
      cpu: ratio(cpuMs(r.undici), cpuMs(r.baseline)),
    },
    undiciVsNodeHttpWarm: {
      wall: ratio(r.undiciWarm.wallMs, r.baselineWarm.wallMs),
      cpu: ratio(cpuMs(r.undiciWarm), cpuMs(r.baselineWarm)),
    },
  }
}

function variantJson(r: ChildResult) {
  return {
    records: r.lines,
    ...(r.emitted !== undefined ? { emitted: r.emitted } : {}),
    downloads: r.downloads,
    calls: r.calls,
    wallMs: round(r.wallMs, 1),
    cpuMs: round(cpuMs(r), 1),
    cpuUserMs: round(r.cpuUserUs / 1000, 1),
    cpuSystemMs: round(r.cpuSystemUs / 1000, 1),
    rssBeforeMB: round(r.rssBefore / MB, 1),
    peakRssMB: round((r.maxRssAfterKiB * 1024) / MB, 1),
    peakRssGrowthMB: round(peakGrowth(r) / MB, 1),
    peakRaised: peakRaised(r),
    heapGrowthMB: round(heapGrowth(r) / MB, 2),
  }
}

export function renderCatchUp(
  r: CatchUpResults,
  config: CatchUpConfig,
): { lines: string[]; json: Record<string, unknown> } {
  const m = r.median
  const variants = Object.keys(VARIANTS) as Variant[]
  const gc = variants.every((v) => m[v].gcExposed)
  const head =
    `${'variant'.padEnd(40)}${'records'.padStart(8)}${'wall ms'.padStart(9)}${'CPU ms'.padStart(8)}` +
    `${'RSS before'.padStart(11)}${'+peak RSS MB'.padStart(13)}${'+heap MB'.padStart(9)}${'downloads'.padStart(10)}`
  const row = (v: Variant) => {
    const x = m[v]
    return (
      VARIANTS[v].padEnd(40) +
      String(x.lines).padStart(8) +
      x.wallMs.toFixed(0).padStart(9) +
      cpuMs(x).toFixed(0).padStart(8) +
      `${(x.rssBefore / MB).toFixed(1)} MB`.padStart(11) +
      `${(peakGrowth(x) / MB).toFixed(1)}${peakRaised(x) ? '' : '*'}`.padStart(13) +
      (heapGrowth(x) / MB).toFixed(2).padStart(9) +
      String(x.downloads).padStart(10)
    )
  }
  const q = ratios(m)
  const medianIndex = r.rounds.indexOf(m)
  const lines = [
    `catch-up: ${r.records} audit records, ${(r.logBytes / MB).toFixed(1)} MB of NDJSON (${Math.round(r.logBytes / r.records)} bytes a record), ` +
      `served newest first by a stand-in for XO in the parent; the catch-up reads them in pages of ${PAGE_SIZE} (one call and one download each)`,
    `each variant in a fresh child (execArgv + --expose-gc), ${config.rounds} rounds in rotated order; shown: round ${medianIndex + 1}, ` +
      `the median CPU ratio catch-up / baseline; memory ${gc ? 'after a full GC' : 'WITHOUT a GC first (gc not exposed)'}`,
    head,
    ...variants.map(row),
    `  catch-up: ${m.catchUp.emitted} calls emitted (every record but its saved cursor), ${m.catchUp.calls} calls to XO; ` +
      "each message built as the xo-hook node builds it (describeCall, replayed, summaryLine), Node-RED's send left out",
    ...(variants.some((v) => !peakRaised(m[v]))
      ? ["  *: the run did not raise the process's peak RSS (start-up had set it): the growth shown is an upper bound"]
      : []),
    `ratios catch-up / baseline: wall ${show(q.catchUpVsBaseline.wall)}, CPU ${show(q.catchUpVsBaseline.cpu)} ` +
      `(rounds: ${r.rounds.map((x) => x.cpuRatio.toFixed(3)).join(', ')}), peak RSS growth ${show(q.catchUpVsBaseline.peakRssGrowth)}`,
    `ratios undici / baseline (node:http, what the package uses): wall ${show(q.undiciVsNodeHttp.wall)}, CPU ${show(q.undiciVsNodeHttp.cpu)} in a fresh process; ` +
      `warm: wall ${show(q.undiciVsNodeHttpWarm.wall)}, CPU ${show(q.undiciVsNodeHttpWarm.cpu)} (above 1: node:http is the faster)`,
  ]
  const json = {
    records: r.records,
    logBytes: r.logBytes,
    meanRecordBytes: Math.round(r.logBytes / r.records),
    pageSize: PAGE_SIZE,
    gcExposed: gc,
    medianRound: medianIndex + 1,
    ...Object.fromEntries(variants.map((v) => [v, variantJson(m[v])])),
    ratios: q,
    rounds: r.rounds.map((x) => ({ order: x.order, ...ratios(x) })),
    failures: r.failures,
  }
  return { lines, json }
}
