/**
 * The object-stream scenario: XO's object stream into the xo-events nodes, judged only against a baseline run
 * side by side, in the same kind of process (both forked from here, with --expose-gc), on the same frames. The
 * simulator, here in the parent, holds ~50,000 objects and churns them (XoSimulator.churn): every frame goes to
 * both receivers at once, and the next one only once both have taken in all but `window - 1` of those sent. The
 * pace is the slowest process's: on 2 cores, often the simulator's.
 *   1. initial load: each receiver alone (the baseline first), from deploy / first connection to loaded, and
 *      its resident memory before and after (each after a full GC);
 *   2. a warm-up churn (not measured), `lagRounds` lag rounds (every message timed, from the frame being sent to
 *      the message out; baseline: to its frame parsed), then `rounds` CPU rounds of `updates` updates each, in
 *      which the receivers do nothing per message but count it: their CPU time, compared round by round (both
 *      took in the same frames at the same time), is what is judged, as the median ratio and its spread.
 */
import http from 'node:http'
import { startProfile } from '../cpu-profile'
import { LatencyRecorder } from '../latency'
import type { ObjectStreamConfig } from '../config'
import { XoSimulator } from '../../src/simulator'
import type { LatencySummary } from '../protocol'
import { now, type LoadResult, type StreamResult } from './protocol'
import { ReceiverProcess } from './receiver-process'
import { EVENT_NODES } from './flows'
import { type Spread, spreadOf } from './spread'

const ACK_TIMEOUT_MS = 30_000

/** xo.getAllObjects {ndjson: true} and its download, read and discarded. */
async function drainDownload(simulator: XoSimulator): Promise<void> {
  const { $getFrom } = (await simulator.invoke('xo.getAllObjects', { ndjson: true })) as { $getFrom: string }
  await new Promise<void>((resolve, reject) => {
    http
      .get(simulator.url + $getFrom, (response) => {
        response.on('data', () => {})
        response.on('end', resolve)
        response.on('error', reject)
      })
      .on('error', reject)
  })
}

/** One receiver over one measured churn. */
export interface StreamFigures {
  /** process.cpuUsage() over the churn (user, system, both) */
  cpuUserMs: number
  cpuSystemMs: number
  cpuMs: number
  cpuUsPerUpdate: number
  eventLoopUtilization: number
  /** Node-RED: messages out of the xo-events nodes (per node in `perNode`); baseline: frames parsed */
  messages: number
  perNode?: Record<string, number>
  /** lag rounds only: from the frame handed to the sockets to each message out (baseline: to the frame parsed) */
  lagMs?: LatencySummary
}

/** One measured churn of `updates` updates, both receivers fed the same frames. */
export interface Round {
  /** a CPU round (nothing measured per message: the one compared) or a lag round */
  kind: 'cpu' | 'lag'
  updates: number
  notifications: number
  operations: Record<string, number>
  /** the simulator's (the parent's) CPU time over the churn, for reference */
  simulatorCpuMs: number
  /** from the first frame sent to the last one acknowledged by both receivers (the parent's clock) */
  durationMs: number
  nodeRed: StreamFigures
  baseline: StreamFigures
  /** CPU Node-RED / baseline */
  cpuRatio: number
  /** the same Node-RED sharing a Redis (leading alone, recording each object it sends), when one was given */
  shared?: StreamFigures
  /** CPU shared / Node-RED: what the store costs per object change */
  storeRatio?: number
}

export interface ObjectStreamResults {
  objects: number
  objectsByType: Record<string, number>
  warmupUpdates: number
  load: { nodeRed: LoadResult; baseline: LoadResult }
  /** the CPU rounds, in order */
  rounds: Round[]
  lagRounds: Round[]
  /** the CPU round whose ratio is nearest the median: the one the table shows */
  median: Round
  /** over the CPU rounds: the ratio Node-RED / baseline, and each receiver's CPU time */
  cpuRatio: Spread
  /** CPU with a shared store / without, when a Redis was given */
  storeRatio?: Spread
  cpuMs: { nodeRed: Spread; baseline: Spread }
  /** the whole scenario, from the simulator's start to the last round (ms) */
  elapsedMs: number
}

const cpuText = (f: StreamFigures) => `${f.cpuUserMs.toFixed(0)} + ${f.cpuSystemMs.toFixed(0)} ms`

interface SentFrame {
  size: number
  sentAt: number
}

export async function runObjectStream(
  config: ObjectStreamConfig,
  stops: Array<() => Promise<void>>,
  log: (line: string) => void,
  redisUrl?: string,
): Promise<ObjectStreamResults> {
  const started = now()
  // Notifications as they are made (no XO-like lag): the lag is measured from the frame handed to the sockets.
  const simulator = await XoSimulator.start({ timeScale: 0.01, size: config.vms, seed: 1, notificationLagMs: 0 })
  stops.push(() => simulator.stop())
  const objectsByType: Record<string, number> = {}
  for (const o of simulator.objects.values()) objectsByType[o.type] = (objectsByType[o.type] ?? 0) + 1
  const objects = simulator.objects.size
  log(`  object stream: simulator with ${objects} objects (${config.vms} VMs); starting both receivers`)

  const [nodeRed, baseline, shared] = await Promise.all([
    ReceiverProcess.fork('nodeRed', config.v8Flags),
    ReceiverProcess.fork('parseOnly', config.v8Flags),
    ...(redisUrl ? [ReceiverProcess.fork('nodeRedShared', config.v8Flags, { BENCH_REDIS_URL: redisUrl })] : []),
  ])
  stops.push(
    () => nodeRed.stop(),
    () => baseline.stop(),
  )
  if (shared) stops.push(() => shared.stop())
  const receivers = shared ? [nodeRed, baseline, shared] : [nodeRed, baseline]
  const token = simulator.issueToken('admin@admin.net')

  // 1. Initial load, one receiver at a time: neither shares the simulator or the CPUs with the other. A first
  // download, thrown away, warms the simulator's own NDJSON path so that the first receiver does not pay for it.
  await drainDownload(simulator)
  const baselineLoad = await baseline.load(simulator.url, token)
  log(`  object stream: baseline loaded ${baselineLoad.kept} objects in ${baselineLoad.loadMs.toFixed(0)} ms`)
  const nodeRedLoad = await nodeRed.load(simulator.url, token)
  log(`  object stream: Node-RED loaded ${nodeRedLoad.kept} objects in ${nodeRedLoad.loadMs.toFixed(0)} ms`)
  if (shared) {
    const sharedLoad = await shared.load(simulator.url, token)
    log(
      `  object stream: Node-RED with a shared store loaded ${sharedLoad.kept} objects in ${sharedLoad.loadMs.toFixed(0)} ms`,
    )
  }

  // 2. The churn, paced by the slower receiver.
  const sent: SentFrame[] = []
  const allAcked = () => Promise.all(receivers.map((r) => r.waitAcked(sent.length, ACK_TIMEOUT_MS)))
  const stream = async (updates: number, seed: number) => {
    await allAcked()
    const result = await simulator.churn({
      updates,
      seed,
      minBatch: config.minBatch,
      maxBatch: config.maxBatch,
      // At least one turn of the event loop between two frames, so the last one's bytes leave before the next is built.
      pace: async () => {
        await Promise.all(receivers.map((r) => r.waitAcked(sent.length - config.window + 1, ACK_TIMEOUT_MS)))
        await new Promise((resolve) => setImmediate(resolve))
      },
      onBatch: (batch) => sent.push({ size: batch.ids.length, sentAt: batch.sentAt }),
    })
    if (result.updates !== updates) throw new Error(`the churn sent ${result.updates} of ${updates} updates`)
    await allAcked()
    return { ...result, ackedAt: now() }
  }
  if (config.warmupUpdates > 0) await stream(config.warmupUpdates, 11)

  // The lag rounds first: the last round is a CPU round, the one BENCH_PROFILE records.
  const plan = [...Array<'lag'>(config.lagRounds).fill('lag'), ...Array<'cpu'>(config.rounds).fill('cpu')]
  const all: Round[] = []
  for (const [i, kind] of plan.entries()) {
    const profile = i === plan.length - 1
    await Promise.all(receivers.map((r) => r.begin({ lag: kind === 'lag', profile })))
    const first = sent.length
    const stopProfile = profile ? await startProfile('object-stream-simulator') : async () => {}
    const simulatorCpu = process.cpuUsage()
    const result = await stream(config.updates, 12 + i)
    const simulatorUsed = process.cpuUsage(simulatorCpu)
    await stopProfile()
    const streams = await Promise.all(receivers.map((r) => r.end(sent.length)))
    const [nodeRedStream, baselineStream, sharedStream] = streams
    const measured = sent.slice(first)

    // Every receiver must have seen exactly the churn's frames, in order.
    for (const [j, s] of streams.entries()) {
      const r = receivers[j]
      if (
        s.framesBefore !== first ||
        s.frameItems.length !== measured.length ||
        s.frameItems.some((n, j) => n !== measured[j].size)
      ) {
        throw new Error(
          `the ${r.kind} receiver saw other frames than the churn sent (${s.framesBefore}+${s.frameItems.length} frames, expected ${first}+${measured.length})`,
        )
      }
    }
    const figures = (s: StreamResult, names?: readonly string[]): StreamFigures => {
      const cpuUs = s.cpuUserUs + s.cpuSystemUs
      const f: StreamFigures = {
        cpuUserMs: s.cpuUserUs / 1000,
        cpuSystemMs: s.cpuSystemUs / 1000,
        cpuMs: cpuUs / 1000,
        cpuUsPerUpdate: cpuUs / config.updates,
        eventLoopUtilization: s.eventLoopUtilization,
        messages: s.messages.reduce((a, b) => a + b, 0),
        ...(names ? { perNode: Object.fromEntries(names.map((name, j) => [name, s.messages[j]])) } : {}),
      }
      if (kind === 'lag') f.lagMs = lagOf(s, sent, first)
      return f
    }
    const nodeRedFigures = figures(
      nodeRedStream,
      EVENT_NODES.map((n) => n.name),
    )
    if (nodeRedFigures.messages === 0) throw new Error('no message came out of the xo-events nodes')
    const baselineFigures = figures(baselineStream)
    const sharedFigures =
      sharedStream &&
      figures(
        sharedStream,
        EVENT_NODES.map((n) => n.name),
      )
    if (sharedFigures && sharedFigures.messages !== nodeRedFigures.messages) {
      throw new Error(
        `with a shared store ${sharedFigures.messages} messages came out, without ${nodeRedFigures.messages}`,
      )
    }
    all.push({
      kind,
      updates: result.updates,
      notifications: result.batches,
      operations: result.operations,
      simulatorCpuMs: (simulatorUsed.user + simulatorUsed.system) / 1000,
      durationMs: result.ackedAt - measured[0].sentAt,
      nodeRed: nodeRedFigures,
      baseline: baselineFigures,
      cpuRatio: nodeRedFigures.cpuMs / baselineFigures.cpuMs,
      ...(sharedFigures ? { shared: sharedFigures, storeRatio: sharedFigures.cpuMs / nodeRedFigures.cpuMs } : {}),
    })
    log(
      `  object stream, ${kind} round ${i + 1} of ${plan.length}: ${result.updates} updates in ${result.batches} notifications, ` +
        `${nodeRedFigures.messages} xo-events messages; CPU (user + system) Node-RED ${cpuText(nodeRedFigures)}, baseline ${cpuText(baselineFigures)}, ` +
        `ratio ${(nodeRedFigures.cpuMs / baselineFigures.cpuMs).toFixed(3)}` +
        (sharedFigures
          ? `; with a shared store ${cpuText(sharedFigures)}, ratio to Node-RED alone ${(sharedFigures.cpuMs / nodeRedFigures.cpuMs).toFixed(3)}`
          : ''),
    )
  }
  const rounds = all.filter((r) => r.kind === 'cpu')
  const cpuRatio = spreadOf(rounds.map((r) => r.cpuRatio))
  const median = rounds.reduce((best, r) =>
    Math.abs(r.cpuRatio - cpuRatio.median) < Math.abs(best.cpuRatio - cpuRatio.median) ? r : best,
  )
  return {
    objects,
    objectsByType,
    warmupUpdates: config.warmupUpdates,
    load: { nodeRed: nodeRedLoad, baseline: baselineLoad },
    rounds,
    lagRounds: all.filter((r) => r.kind === 'lag'),
    median,
    cpuRatio,
    ...(shared ? { storeRatio: spreadOf(rounds.map((r) => r.storeRatio!)) } : {}),
    cpuMs: {
      nodeRed: spreadOf(rounds.map((r) => r.nodeRed.cpuMs)),
      baseline: spreadOf(rounds.map((r) => r.baseline.cpuMs)),
    },
    elapsedMs: now() - started,
  }
}

/** The lag of every sample of a lag round: from its frame handed to the sockets to the message out. */
function lagOf(s: StreamResult, sent: SentFrame[], first: number): LatencySummary {
  const lag = new LatencyRecorder()
  let unknown = 0
  s.sampleFrames.forEach((frame, i) => {
    if (frame < first || frame >= sent.length) return void unknown++
    lag.record(s.sampleAt[i] - sent[frame].sentAt)
  })
  if (unknown) throw new Error(`${unknown} messages came out for no frame of the measured churn`)
  return lag.summary()
}
