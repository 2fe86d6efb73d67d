/**
 * `npm run bench`: seven scenarios, the first three, the outbox and the digest measured only against baselines run in
 * the same process tree, in the same run; BENCH_SCENARIO=hooks|objects|catchup|failover|sentinel|outbox|digest|all
 * (default all) chooses. One line of JSON
 * at the end covers them all.
 *
 * hook ingest: how fast the xo-hook node takes in XO's web-hook deliveries, against baselines run in the same
 * process, one after another, with the same load generator:
 *   (a) a bare node:http server, (b) Node-RED's own http in -> http response, (c) the xo-hook node, with
 *   enrichment off and on (its XO being the simulator, started here with a real inventory).
 * Each target gets a fixed-rate phase (open loop) and a full-speed phase (closed loop), after a warm-up.
 *
 * object stream (object-stream/scenario.ts): the xo-events nodes on XO's object stream (~50,000 objects, 15
 * rounds of 40,000 updates), against a ws client that parses and applies each update to a map, both forked
 * alike and fed the same frames: the median CPU ratio and its spread.
 *
 * catch-up (catch-up/scenario.ts): the xo-hook node's recovery of missed calls from XO's audit log (10,000
 * records), against merely downloading and parsing the same NDJSON (the package's node:http downloader; undici beside it), each in a fresh child.
 *
 * failover (coordination/failover.ts): two coordinators on one redis-server, the default lease: how long object
 * events go without a leader after the leader's death, after its clean stop, and after its death with a new
 * instance started at once in its place (which instance took over each time).
 *
 * sentinel (coordination/sentinel.ts): a master, a replica and three sentinels, two coordinators; the master
 * SIGKILLed 5 times: from its death to object events flowing again, and to the replica's promotion.
 *
 * outbox (outbox/scenario.ts): what the xo outbox adds to each delivered request (CPU time, p99 latency), against the
 * same flow without it in the same embedded Node-RED, per storage (the file state store, a shared Redis; BENCH_OUTBOX_STORAGES).
 *
 * digest (digest/scenario.ts): what an xo digest costs per XO event (CPU time) at 10,000 events/s over 1,000 open
 * groups, against a function node that only counts the same events, in the same embedded Node-RED; and the memory an
 * open group holds.
 *
 * Exits 0 whether or not the aims hold; non-zero only when deliveries failed, a target, receiver or child could
 * not start or failed, a catch-up variant did not see every record, or a failover went unmeasured (no leader in
 * time). The failover and sentinel scenarios are left out, and say so, without Debian's redis-server (and
 * redis-sentinel).
 * Env: BENCH_SCENARIO, BENCH_SECONDS (measuring time per hook-ingest phase, default 5), BENCH_WARMUP_SECONDS,
 * BENCH_RATE (1000), BENCH_CONCURRENCY (16), BENCH_INVENTORY (hook-ingest simulator VMs, 400), BENCH_OBJECT_VMS
 * (object-stream simulator VMs, 10000: ~50,000 objects), BENCH_OBJECT_UPDATES (40000 per round), BENCH_OBJECT_ROUNDS
 * (CPU rounds, 15), BENCH_OBJECT_LAG_ROUNDS (1), BENCH_OBJECT_WARMUP (40000), BENCH_OBJECT_V8_FLAGS (both receivers',
 * default --single-threaded-gc --heap-growing-percent=100), BENCH_BATCH_MIN / BENCH_BATCH_MAX (objects per
 * notification, 10 / 200), BENCH_CHURN_WINDOW (notifications in flight, 2), BENCH_AUDIT_RECORDS (catch-up audit records, 10000), BENCH_CATCHUP_ROUNDS (3),
 * BENCH_PROFILE (a directory for CPU profiles), BENCH_NODE_RED_LOG (Node-RED's console log level, default warn),
 * BENCH_OUTBOX_REQUESTS (per variant and round, 2000), BENCH_OUTBOX_ROUNDS (5), BENCH_OUTBOX_WINDOW (in flight, 8),
 * BENCH_OUTBOX_STORAGES (the outbox's storages measured, comma-separated, default file,redis), BENCH_DIGEST_EVENTS
 * (per variant and round, 50000), BENCH_DIGEST_RATE (10000 events/s), BENCH_DIGEST_GROUPS (1000), BENCH_DIGEST_ROUNDS
 * (3), BENCH_DIGEST_EVENTS_PER_GROUP (events per open group when its memory is measured, 10).
 */
import os from 'node:os'
import { redisServerPath } from '../test/support/redis'
import { redisSentinelPath } from '../test/support/sentinel'
import { measureFailover } from './coordination/failover'
import { median } from './coordination/flowing'
import { measureSentinel } from './coordination/sentinel'
import { benchConfig, type BenchConfig } from './config'
import { renderCatchUp } from './catch-up/report'
import { runCatchUp } from './catch-up/scenario'
import { renderObjectStream } from './object-stream/report'
import { runObjectStream } from './object-stream/scenario'
import { hookIngest } from './hook-ingest/scenario'
import { runDigest } from './digest/scenario'
import { runOutbox } from './outbox/scenario'
import { sharedRedis } from './redis-for-targets'

const FAILOVER_SAMPLES = 3
/** the dead leader restarted at once: the median of 5 */
const RESTART_SAMPLES = 5
const SENTINEL_KILLS = 5

/** The object-stream scenario: its table on stdout, its part of the final JSON line returned. */
async function objectStream(config: BenchConfig, stops: Array<() => Promise<void>>): Promise<Record<string, unknown>> {
  console.log(
    `object-stream bench: Node ${process.version}, ${os.cpus().length} CPUs; load average ${os.loadavg()[0].toFixed(2)} (compare the ratios)`,
  )
  const redisUrl = await sharedRedis(stops)
  const results = await runObjectStream(config.objects, stops, (line) => console.log(line), redisUrl)
  console.log('')
  const { lines, json } = renderObjectStream(results, config.objects)
  for (const line of lines) console.log(line)
  return { ...json, loadAverageAtEnd: Number(os.loadavg()[0].toFixed(2)) }
}

/** The catch-up scenario: its table on stdout, its part of the final JSON line returned; its checks in `failures`. */
async function catchUpScenario(
  config: BenchConfig,
  stops: Array<() => Promise<void>>,
  failures: string[],
): Promise<Record<string, unknown>> {
  console.log(
    `catch-up bench: Node ${process.version}, ${os.cpus().length} CPUs; load average ${os.loadavg()[0].toFixed(2)} (compare the ratios)`,
  )
  const results = await runCatchUp(config.catchUp, stops, (line) => console.log(line))
  console.log('')
  const { lines, json } = renderCatchUp(results, config.catchUp)
  for (const line of lines) console.log(line)
  failures.push(...results.failures.map((f) => `catch-up: ${f}`))
  return { ...json, loadAverageAtEnd: Number(os.loadavg()[0].toFixed(2)) }
}

/**
 * The failover scenario: how long object events go without a leader, after a death, after a clean stop, and after a
 * death with the dead instance restarted at once (which instance took over each time).
 */
async function failoverScenario(stops: Array<() => Promise<void>>): Promise<Record<string, unknown>> {
  console.log(`failover bench: Node ${process.version}; two coordinators on one redis-server, the default lease`)
  const redisUrl = await sharedRedis(stops)
  if (!redisUrl) return { skipped: 'no redis-server' }
  const results = await measureFailover(redisUrl, FAILOVER_SAMPLES, RESTART_SAMPLES, (line) => console.log(line))
  const afterDeath = Math.round(median(results.afterDeathMs))
  const afterCleanStop = Math.round(median(results.afterCleanStopMs))
  const restarted = results.afterDeathRestarted
  const afterRestart = Math.round(median(restarted.map((r) => r.ms)))
  const bySurvivor = restarted.filter((r) => r.by === 'survivor').length
  console.log(
    `failover (lease ${results.leaseMs / 1000} s): median ${afterDeath} ms after a death, ${afterCleanStop} ms after a clean stop; ` +
      `the dead leader restarted at once: object events after ${afterRestart} ms (median of ${restarted.length}, max ${Math.round(Math.max(...restarted.map((r) => r.ms)))} ms), ` +
      `the warm survivor took over ${bySurvivor} times of ${restarted.length}`,
  )
  return {
    node: process.version,
    leaseMs: results.leaseMs,
    afterDeathMs: results.afterDeathMs.map(Math.round),
    afterCleanStopMs: results.afterCleanStopMs.map(Math.round),
    afterDeathRestarted: restarted.map((r) => ({ ms: Math.round(r.ms), by: r.by })),
    medianAfterDeathMs: afterDeath,
    medianAfterCleanStopMs: afterCleanStop,
    medianAfterDeathRestartedMs: afterRestart,
    restartTakenOverBySurvivor: bySurvivor,
  }
}

/**
 * The Sentinel scenario: the master SIGKILLed `SENTINEL_KILLS` times under two coordinators (restarted as the
 * promoted one's replica each time); from the death to object events flowing again, and the promotion.
 */
async function sentinelScenario(stops: Array<() => Promise<void>>): Promise<Record<string, unknown>> {
  console.log(
    `sentinel bench: Node ${process.version}; master, replica and three sentinels, two coordinators writing with WAIT 1, the default lease`,
  )
  try {
    redisServerPath()
    redisSentinelPath()
  } catch (error) {
    console.log(`  no sentinel scenario: ${(error as Error).message}`)
    return { skipped: (error as Error).message }
  }
  const results = await measureSentinel(SENTINEL_KILLS, stops, (line) => console.log(line))
  const rounds = results.rounds
  const pick = (key: 'promotedMs' | 'replicaBackMs' | 'leaderMs' | 'flowingMs') => rounds.map((r) => r[key])
  const summary = {
    medianFlowingMs: Math.round(median(pick('flowingMs'))),
    maxFlowingMs: Math.round(Math.max(...pick('flowingMs'))),
    medianPromotedMs: Math.round(median(pick('promotedMs'))),
    maxPromotedMs: Math.round(Math.max(...pick('promotedMs'))),
    medianReplicaBackMs: Math.round(median(pick('replicaBackMs'))),
    medianLeaderMs: Math.round(median(pick('leaderMs'))),
  }
  console.log(
    `sentinel (down after ${results.downAfterMs} ms): object events flowing again ${summary.medianFlowingMs} ms after the master's death ` +
      `(median of ${rounds.length}, max ${summary.maxFlowingMs} ms); replica promoted after ${summary.medianPromotedMs} ms (max ${summary.maxPromotedMs} ms)`,
  )
  return {
    node: process.version,
    downAfterMs: results.downAfterMs,
    ...summary,
    rounds: rounds.map((r) => ({
      promotedMs: Math.round(r.promotedMs),
      replicaBackMs: Math.round(r.replicaBackMs),
      leaderMs: Math.round(r.leaderMs),
      flowingMs: Math.round(r.flowingMs),
      by: r.by,
    })),
  }
}

/** The outbox scenario: its table on stdout, its part of the final JSON line returned; its checks in `failures`. */
async function outboxScenario(
  config: BenchConfig,
  stops: Array<() => Promise<void>>,
  failures: string[],
): Promise<Record<string, unknown>> {
  console.log(
    `outbox bench: Node ${process.version}, ${os.cpus().length} CPUs; load average ${os.loadavg()[0].toFixed(2)} (compare the ratios)`,
  )
  // A storage sharing a Redis is measured only when there is one.
  const redisUrl = config.outbox.storages.some((s) => s !== 'file') ? await sharedRedis(stops) : undefined
  const { lines, json } = await runOutbox(config.outbox, stops, (line) => console.log(line), redisUrl, failures)
  console.log('')
  for (const line of lines) console.log(line)
  return { ...json, loadAverageAtEnd: Number(os.loadavg()[0].toFixed(2)) }
}

/** The digest scenario: its table on stdout, its part of the final JSON line returned; its checks in `failures`. */
async function digestScenario(
  config: BenchConfig,
  stops: Array<() => Promise<void>>,
  failures: string[],
): Promise<Record<string, unknown>> {
  console.log(
    `digest bench: Node ${process.version}, ${os.cpus().length} CPUs; load average ${os.loadavg()[0].toFixed(2)} (compare the ratio)`,
  )
  const { lines, json } = await runDigest(config.digest, stops, (line) => console.log(line), failures)
  console.log('')
  for (const line of lines) console.log(line)
  return { ...json, loadAverageAtEnd: Number(os.loadavg()[0].toFixed(2)) }
}

async function main(): Promise<number> {
  const config = benchConfig()
  const failures: string[] = []
  const summary: Record<string, unknown> = { bench: 'xo-flows', node: process.version, cpus: os.cpus().length }
  // Nothing may keep the process alive once the bench is done; if something does, say so rather than hang.
  const watchdog = () =>
    setTimeout(() => {
      console.error('bench: something kept the process alive 10 s after the end; exiting')
      process.exit(process.exitCode ?? 1)
    }, 10_000).unref()
  // One scenario at a time, each stopping everything it started before the next one starts.
  const scenario = async (
    name: string,
    key: string,
    run: (stops: Array<() => Promise<void>>) => Promise<Record<string, unknown>>,
  ) => {
    const stops: Array<() => Promise<void>> = []
    try {
      summary[key] = await run(stops)
    } catch (error) {
      failures.push(`${name}: ${(error as Error).stack ?? (error as Error).message}`)
      console.error(`ERROR: ${name} failed: ${(error as Error).stack ?? (error as Error).message}`)
    } finally {
      for (const stop of stops.reverse())
        await stop().catch((error: Error) => console.error(`bench: stopping failed: ${error.message}`))
    }
  }
  try {
    const runs: Array<() => Promise<void>> = []
    if (config.scenarios.hooks)
      runs.push(() => scenario('hook ingest', 'hookIngest', (stops) => hookIngest(config, stops, failures)))
    if (config.scenarios.objects)
      runs.push(() => scenario('object stream', 'objectStream', (stops) => objectStream(config, stops)))
    if (config.scenarios.catchUp)
      runs.push(() => scenario('catch-up', 'catchUp', (stops) => catchUpScenario(config, stops, failures)))
    if (config.scenarios.failover) runs.push(() => scenario('failover', 'failover', (stops) => failoverScenario(stops)))
    if (config.scenarios.sentinel) runs.push(() => scenario('sentinel', 'sentinel', (stops) => sentinelScenario(stops)))
    if (config.scenarios.outbox)
      runs.push(() => scenario('outbox', 'outbox', (stops) => outboxScenario(config, stops, failures)))
    if (config.scenarios.digest)
      runs.push(() => scenario('digest', 'digest', (stops) => digestScenario(config, stops, failures)))
    for (const [i, run] of runs.entries()) {
      if (i > 0) console.log('')
      await run()
    }
    console.log('')
    console.log(JSON.stringify({ ...summary, failures }))
    return failures.length ? 1 : 0
  } finally {
    watchdog()
  }
}

main().then(
  (code) => (process.exitCode = code),
  (error: Error) => {
    console.error(`bench failed: ${error.stack ?? error.message}`)
    process.exitCode = 1
  },
)
