/**
 * The object-stream scenario's table, ratios and aim, and its part of the final JSON line. Absolute figures
 * move with the machine and its other work; the ratios Node-RED / baseline are what is judged.
 */
import type { ObjectStreamConfig } from '../config'
import type { LoadResult } from './protocol'
import type { ObjectStreamResults, Round, StreamFigures } from './scenario'

export const CPU_RATIO_AIM = 2

const round = (value: number, digits: number) => Number(value.toFixed(digits))
const MB = 1024 * 1024
const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 3) : null)
const rssGrowth = (l: LoadResult) => l.rssAfter - l.rssBefore
const heapGrowth = (l: LoadResult) => l.heapUsedAfter - l.heapUsedBefore

export function objectStreamRatios(r: ObjectStreamResults) {
  const m = r.median
  return {
    cpu: ratio(m.nodeRed.cpuMs, m.baseline.cpuMs),
    loadTime: ratio(r.load.nodeRed.loadMs, r.load.baseline.loadMs),
    rssGrowth: ratio(rssGrowth(r.load.nodeRed), rssGrowth(r.load.baseline)),
    heapGrowth: ratio(heapGrowth(r.load.nodeRed), heapGrowth(r.load.baseline)),
    lagP99: ratio(m.nodeRed.lagMs.p99, m.baseline.lagMs.p99),
  }
}

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

function streamJson(f: StreamFigures) {
  return {
    messages: f.messages,
    ...(f.perNode ? { perNode: f.perNode, eventsPerSecond: round(f.perSecond, 1) } : { framesPerSecond: round(f.perSecond, 1) }),
    updatesPerSecond: round(f.updatesPerSecond, 1),
    lagMs: { p50: round(f.lagMs.p50, 3), p90: round(f.lagMs.p90, 3), p99: round(f.lagMs.p99, 3), max: round(f.lagMs.max, 3), samples: f.lagMs.count },
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
    eventsPerSecond: round(r.nodeRed.perSecond, 1),
    nodeRedLagP99Ms: round(r.nodeRed.lagMs.p99, 3),
    baselineLagP99Ms: round(r.baseline.lagMs.p99, 3),
    notifications: r.notifications,
    simulatorCpuMs: round(r.simulatorCpuMs, 1),
  }
}

export function renderObjectStream(r: ObjectStreamResults, config: ObjectStreamConfig): { lines: string[]; json: Record<string, unknown> } {
  const m = r.median
  const gc = r.load.nodeRed.gcExposed && r.load.baseline.gcExposed
  const byType = Object.entries(r.objectsByType).sort((a, b) => b[1] - a[1]).map(([t, n]) => `${t} ${n}`).join(', ')
  const head = `${'receiver'.padEnd(35)}${'load ms'.padStart(8)}${'RSS before'.padStart(11)}${'RSS after'.padStart(10)}${'+RSS MB'.padStart(8)}` +
    `${'+heap MB'.padStart(9)}${'events/s'.padStart(9)}${'updates/s'.padStart(10)}${'lag p50'.padStart(8)}${'lag p99'.padStart(8)}` +
    `${'lag max'.padStart(8)}${'CPU ms'.padStart(8)}${'us/update'.padStart(10)}`
  const row = (label: string, l: LoadResult, f: StreamFigures, events: boolean) =>
    label.padEnd(35) + l.loadMs.toFixed(0).padStart(8) + `${(l.rssBefore / MB).toFixed(1)} MB`.padStart(11) +
    `${(l.rssAfter / MB).toFixed(1)} MB`.padStart(10) + (rssGrowth(l) / MB).toFixed(1).padStart(8) + (heapGrowth(l) / MB).toFixed(1).padStart(9) +
    (events ? f.perSecond.toFixed(0) : '-').padStart(9) + f.updatesPerSecond.toFixed(0).padStart(10) +
    [f.lagMs.p50, f.lagMs.p99, f.lagMs.max].map((v) => v.toFixed(1).padStart(8)).join('') +
    f.cpuMs.toFixed(0).padStart(8) + f.cpuUsPerUpdate.toFixed(1).padStart(10)
  const ratios = objectStreamRatios(r)
  const show = (x: number | null) => (x === null ? '-' : x.toFixed(3))
  const holds = ratios.cpu !== null && ratios.cpu < CPU_RATIO_AIM
  const lines = [
    `object stream: ${r.objects} objects (${byType}) from ${config.vms} simulated VMs`,
    `${config.rounds} rounds of ${config.updates} updates in notifications of ${config.minBatch}-${config.maxBatch} objects, at most ${config.window} in flight, ` +
      `after ${r.warmupUpdates} warm-up updates; shown: the round with the median CPU ratio (${m.notifications} notifications, ${(m.updates / m.notifications).toFixed(0)} objects on average)`,
    `both receivers forked alike; loads one at a time, the churn to both at once; memory ${gc ? 'after a full GC (--expose-gc)' : 'WITHOUT a GC first (gc not exposed)'}; ` +
      'lag from the frame sent to the message out (baseline: to the frame parsed)',
    head,
    row('baseline: ws + JSON.parse only', r.load.baseline, m.baseline, false),
    row('Node-RED: xo-server + 3 xo-events', r.load.nodeRed, m.nodeRed, true),
    `  messages by xo-events node: ${Object.entries(m.nodeRed.perNode ?? {}).map(([name, n]) => `${name} ${n}`).join(', ')}`,
    `  event-loop utilisation: Node-RED ${(m.nodeRed.eventLoopUtilization * 100).toFixed(0)} %, baseline ${(m.baseline.eventLoopUtilization * 100).toFixed(0)} %; ` +
      `simulator CPU ${m.simulatorCpuMs.toFixed(0)} ms over ${m.durationMs.toFixed(0)} ms (when near 100 %, the simulator set the pace)`,
    `ratios Node-RED / baseline: CPU ${show(ratios.cpu)} (rounds: ${r.rounds.map((x) => x.cpuRatio.toFixed(3)).join(', ')}), load time ${show(ratios.loadTime)}, ` +
      `RSS growth ${show(ratios.rssGrowth)}, heap growth ${show(ratios.heapGrowth)}, lag p99 ${show(ratios.lagP99)}`,
    `aim: ${holds ? 'holds ' : 'MISSED'}  objectStream.cpuUnder2  CPU Node-RED / parse-only < ${CPU_RATIO_AIM} (${show(ratios.cpu)})`,
  ]
  const json = {
    objects: r.objects,
    objectsByType: r.objectsByType,
    vms: config.vms,
    updates: m.updates,
    notifications: m.notifications,
    batch: { min: config.minBatch, max: config.maxBatch, mean: round(m.updates / m.notifications, 1) },
    window: config.window,
    warmupUpdates: r.warmupUpdates,
    gcExposed: gc,
    durationMs: round(m.durationMs, 1),
    simulatorCpuMs: round(m.simulatorCpuMs, 1),
    operations: m.operations,
    nodeRed: { ...loadJson(r.load.nodeRed), ...streamJson(m.nodeRed) },
    baseline: { ...loadJson(r.load.baseline), ...streamJson(m.baseline) },
    rounds: r.rounds.map(roundJson),
    ratios,
    aims: { cpuUnder2: holds },
  }
  return { lines, json }
}
