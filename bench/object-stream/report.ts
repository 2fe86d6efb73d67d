/**
 * The object-stream scenario's table, ratios and aim, and its part of the final JSON line. Absolute figures
 * move with the machine and its other work; the ratio Node-RED / baseline of each CPU round (both receivers on
 * the same frames at the same time) is what is judged: its median, with its spread over the rounds.
 */
import type { ObjectStreamConfig } from '../config'
import type { LoadResult } from './protocol'
import type { ObjectStreamResults, Round, StreamFigures } from './scenario'
import { type Spread, spreadText } from './spread'

export const CPU_RATIO_AIM = 1.5

const round = (value: number, digits: number) => Number(value.toFixed(digits))
const MB = 1024 * 1024
const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 3) : null)
const rssGrowth = (l: LoadResult) => l.rssAfter - l.rssBefore
const heapGrowth = (l: LoadResult) => l.heapUsedAfter - l.heapUsedBefore
const perSecond = (n: number, r: Round) => (r.durationMs > 0 ? (n * 1000) / r.durationMs : 0)

/** The lag round shown: the one with the median Node-RED p99 (undefined without lag rounds). */
function lagRound(r: ObjectStreamResults): Round | undefined {
  const sorted = [...r.lagRounds].sort((a, b) => a.nodeRed.lagMs!.p99 - b.nodeRed.lagMs!.p99)
  return sorted[Math.floor((sorted.length - 1) / 2)]
}

export function objectStreamRatios(r: ObjectStreamResults) {
  const lag = lagRound(r)
  return {
    cpu: round(r.cpuRatio.median, 3),
    loadTime: ratio(r.load.nodeRed.loadMs, r.load.baseline.loadMs),
    rssGrowth: ratio(rssGrowth(r.load.nodeRed), rssGrowth(r.load.baseline)),
    heapGrowth: ratio(heapGrowth(r.load.nodeRed), heapGrowth(r.load.baseline)),
    lagP99: lag ? ratio(lag.nodeRed.lagMs!.p99, lag.baseline.lagMs!.p99) : null,
  }
}

const spreadJson = (s: Spread, digits: number) => ({
  median: round(s.median, digits),
  p25: round(s.p25, digits),
  p75: round(s.p75, digits),
  min: round(s.min, digits),
  max: round(s.max, digits),
  rounds: s.count,
})

function loadJson(l: LoadResult) {
  return {
    loadMs: round(l.loadMs, 1),
    kept: l.kept,
    rssBeforeMB: round(l.rssBefore / MB, 1),
    rssAfterMB: round(l.rssAfter / MB, 1),
    rssGrowthMB: round(rssGrowth(l) / MB, 1),
    heapUsedBeforeMB: round(l.heapUsedBefore / MB, 1),
    heapUsedAfterMB: round(l.heapUsedAfter / MB, 1),
  }
}

/** The median CPU round's figures of one receiver, and the lag of the lag round shown. */
function streamJson(f: StreamFigures, r: Round, lag: StreamFigures | undefined) {
  return {
    messages: f.messages,
    ...(f.perNode
      ? { perNode: f.perNode, eventsPerSecond: round(perSecond(f.messages, r), 1) }
      : { framesPerSecond: round(perSecond(f.messages, r), 1) }),
    updatesPerSecond: round(perSecond(r.updates, r), 1),
    ...(lag?.lagMs
      ? {
          lagMs: {
            p50: round(lag.lagMs.p50, 3),
            p90: round(lag.lagMs.p90, 3),
            p99: round(lag.lagMs.p99, 3),
            max: round(lag.lagMs.max, 3),
            samples: lag.lagMs.count,
          },
        }
      : {}),
    cpuMs: round(f.cpuMs, 1),
    cpuUserMs: round(f.cpuUserMs, 1),
    cpuSystemMs: round(f.cpuSystemMs, 1),
    cpuUsPerUpdate: round(f.cpuUsPerUpdate, 2),
    eventLoopUtilization: round(f.eventLoopUtilization, 3),
  }
}

function roundJson(r: Round) {
  return {
    cpuRatio: round(r.cpuRatio, 3),
    nodeRedCpuMs: round(r.nodeRed.cpuMs, 1),
    baselineCpuMs: round(r.baseline.cpuMs, 1),
    ...(r.shared && r.storeRatio !== undefined
      ? { sharedCpuMs: round(r.shared.cpuMs, 1), storeRatio: round(r.storeRatio, 3) }
      : {}),
    eventsPerSecond: round(perSecond(r.nodeRed.messages, r), 1),
    ...(r.nodeRed.lagMs && r.baseline.lagMs
      ? { nodeRedLagP99Ms: round(r.nodeRed.lagMs.p99, 3), baselineLagP99Ms: round(r.baseline.lagMs.p99, 3) }
      : {}),
    notifications: r.notifications,
    durationMs: round(r.durationMs, 1),
    simulatorCpuMs: round(r.simulatorCpuMs, 1),
  }
}

export function renderObjectStream(
  r: ObjectStreamResults,
  config: ObjectStreamConfig,
): { lines: string[]; json: Record<string, unknown> } {
  const m = r.median
  const lag = lagRound(r)
  const gc = r.load.nodeRed.gcExposed && r.load.baseline.gcExposed
  const byType = Object.entries(r.objectsByType)
    .sort((a, b) => b[1] - a[1])
    .map(([t, n]) => `${t} ${n}`)
    .join(', ')
  const head =
    `${'receiver'.padEnd(38)}${'load ms'.padStart(8)}${'RSS before'.padStart(11)}${'RSS after'.padStart(10)}${'+RSS MB'.padStart(8)}` +
    `${'+heap MB'.padStart(9)}${'CPU ms median'.padStart(14)}${'IQR'.padStart(12)}${'min-max'.padStart(12)}${'us/update'.padStart(10)}` +
    `${'lag p50'.padStart(8)}${'lag p99'.padStart(8)}${'lag max'.padStart(8)}`
  const row = (label: string, l: LoadResult, cpu: Spread, lagged: StreamFigures | undefined) =>
    label.padEnd(38) +
    l.loadMs.toFixed(0).padStart(8) +
    `${(l.rssBefore / MB).toFixed(1)} MB`.padStart(11) +
    `${(l.rssAfter / MB).toFixed(1)} MB`.padStart(10) +
    (rssGrowth(l) / MB).toFixed(1).padStart(8) +
    (heapGrowth(l) / MB).toFixed(1).padStart(9) +
    cpu.median.toFixed(0).padStart(14) +
    `${cpu.p25.toFixed(0)}-${cpu.p75.toFixed(0)}`.padStart(12) +
    `${cpu.min.toFixed(0)}-${cpu.max.toFixed(0)}`.padStart(12) +
    ((cpu.median * 1000) / config.updates).toFixed(1).padStart(10) +
    (lagged?.lagMs
      ? [lagged.lagMs.p50, lagged.lagMs.p99, lagged.lagMs.max].map((v) => v.toFixed(1).padStart(8)).join('')
      : '-'.padStart(8).repeat(3))
  const ratios = objectStreamRatios(r)
  const show = (x: number | null) => (x === null ? '-' : x.toFixed(3))
  const holds = r.cpuRatio.median <= CPU_RATIO_AIM
  const lagLine = lag
    ? `lag round${r.lagRounds.length > 1 ? `s (${r.lagRounds.length}, the median one shown)` : ''}: every message timed (the probe finds its frame); ` +
      `CPU Node-RED ${lag.nodeRed.cpuMs.toFixed(0)} ms, baseline ${lag.baseline.cpuMs.toFixed(0)} ms, ratio ${lag.cpuRatio.toFixed(3)} (not judged)`
    : 'no lag round (BENCH_OBJECT_LAG_ROUNDS=0)'
  const lines = [
    `object stream: ${r.objects} objects (${byType}) from ${config.vms} simulated VMs`,
    `${config.rounds} CPU rounds of ${config.updates} updates in notifications of ${config.minBatch}-${config.maxBatch} objects, at most ${config.window} in flight, ` +
      `after ${r.warmupUpdates} warm-up updates and ${r.lagRounds.length} lag round(s); ${(r.elapsedMs / 1000).toFixed(0)} s in all`,
    `both receivers forked alike (V8 flags: ${config.v8Flags.join(' ') || "V8's defaults"}), each frame acknowledged alike; loads one at a time, the churn to both at once; ` +
      "in CPU rounds nothing is measured per message (Node-RED's probe counts, the baseline parses and applies each frame to its map); " +
      `memory ${gc ? 'after a full GC (--expose-gc)' : 'WITHOUT a GC first (gc not exposed)'}; lag (lag round) from the frame sent to the message out (baseline: to the frame parsed)`,
    head,
    row('baseline: ws + JSON.parse + Map apply', r.load.baseline, r.cpuMs.baseline, lag?.baseline),
    row('Node-RED: xo-server + 3 xo-events', r.load.nodeRed, r.cpuMs.nodeRed, lag?.nodeRed),
    `  median round: ${m.notifications} notifications (${(m.updates / m.notifications).toFixed(0)} objects on average), ${perSecond(m.updates, m).toFixed(0)} updates/s, ` +
      `${perSecond(m.nodeRed.messages, m).toFixed(0)} xo-events messages/s; by node: ${Object.entries(
        m.nodeRed.perNode ?? {},
      )
        .map(([name, n]) => `${name} ${n}`)
        .join(', ')}`,
    `  event-loop utilisation: Node-RED ${(m.nodeRed.eventLoopUtilization * 100).toFixed(0)} %, baseline ${(m.baseline.eventLoopUtilization * 100).toFixed(0)} %; ` +
      `simulator CPU ${m.simulatorCpuMs.toFixed(0)} ms over ${m.durationMs.toFixed(0)} ms (when near 100 %, the simulator set the pace)`,
    `  ${lagLine}`,
    `ratio Node-RED / baseline, CPU: ${spreadText(r.cpuRatio, 3)}`,
    `  every CPU round: ${r.rounds.map((x) => x.cpuRatio.toFixed(3)).join(', ')}`,
    `ratios Node-RED / baseline: load time ${show(ratios.loadTime)}, RSS growth ${show(ratios.rssGrowth)}, heap growth ${show(ratios.heapGrowth)}, lag p99 ${show(ratios.lagP99)}`,
    `aim: ${holds ? 'holds ' : 'MISSED'}  objectStream.cpuAtMost1_5  CPU Node-RED / baseline, median of the CPU rounds <= ${CPU_RATIO_AIM} (${r.cpuRatio.median.toFixed(3)})`,
    ...(r.storeRatio
      ? [
          `ratio with a shared store (Redis, leading alone, each sent object recorded) / without, CPU: ${spreadText(r.storeRatio, 3)} (not judged)`,
        ]
      : []),
  ]
  const json = {
    objects: r.objects,
    objectsByType: r.objectsByType,
    vms: config.vms,
    updates: m.updates,
    notifications: m.notifications,
    batch: { min: config.minBatch, max: config.maxBatch, mean: round(m.updates / m.notifications, 1) },
    window: config.window,
    v8Flags: config.v8Flags,
    warmupUpdates: r.warmupUpdates,
    gcExposed: gc,
    elapsedMs: round(r.elapsedMs, 0),
    durationMs: round(m.durationMs, 1),
    simulatorCpuMs: round(m.simulatorCpuMs, 1),
    operations: m.operations,
    nodeRed: { ...loadJson(r.load.nodeRed), ...streamJson(m.nodeRed, m, lag?.nodeRed) },
    baseline: { ...loadJson(r.load.baseline), ...streamJson(m.baseline, m, lag?.baseline) },
    cpuRatio: spreadJson(r.cpuRatio, 3),
    ...(r.storeRatio ? { storeRatio: spreadJson(r.storeRatio, 3) } : {}),
    cpuMs: { nodeRed: spreadJson(r.cpuMs.nodeRed, 1), baseline: spreadJson(r.cpuMs.baseline, 1) },
    rounds: r.rounds.map(roundJson),
    lagRounds: r.lagRounds.map(roundJson),
    ratios,
    aims: { cpuAtMost1_5: holds },
  }
  return { lines, json }
}
