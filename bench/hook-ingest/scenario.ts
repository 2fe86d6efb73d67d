import http from 'node:http'
import os from 'node:os'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { XoSimulator } from '../../src/simulator'
import { freePort } from '../../test/support/ports'
import type { BenchConfig } from '../config'
import { profiled } from '../cpu-profile'
import { deliveryBodies, inventoryOf } from '../deliveries'
import { LoadGeneratorProcess } from './load-generator-process'
import { errorCount, type PhaseSpec } from '../protocol'
import { type Measured, type Mode, render, type Results, type TargetKey, TARGETS } from './report'
import { startBareServer } from './bare-http'
import { type EmbeddedNodeRed, startNodeRed } from '../targets/embedded-node-red'
import { CORE_PATH, coreFlow, HOOK_NODE_ID, HOOK_SECRET, hookFlow, hookPath, SERVER_NODE_ID } from '../targets/flows'
import { sharedRedis } from '../redis-for-targets'

// Distinct calls sent in a loop: enough that the correlation memory and the object lookups see varied ids.
const PAIRS = 1024

interface Target {
  key: TargetKey
  port: number
  path: string
  /** deploys what the target needs; resolves when it is ready to be measured */
  prepare(): Promise<void>
  /** xo-hook targets: the embedded Node-RED whose counting node shows what came out of the flow */
  flow?: EmbeddedNodeRed
}

/** One delivery with node:http before measuring: a target that does not answer 2xx could not start. */
function probe(port: number, path: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        timeout: 5000,
        agent: false,
      },
      (res) => {
        let answer = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (answer += chunk))
        res.on('end', () =>
          res.statusCode! >= 200 && res.statusCode! < 300
            ? resolve()
            : reject(new Error(`probe of ${path} answered ${res.statusCode} ${answer.slice(0, 200)}`)),
        )
      },
    )
    req.on('timeout', () => req.destroy(new Error('probe timed out')))
    req.on('error', reject)
    req.end(body)
  })
}

/** Waits (bounded) until the flow has let out `expected` messages; answers how long that took. */
async function catchUp(flow: EmbeddedNodeRed, expected: number, timeoutMs = 15_000): Promise<number> {
  const start = Date.now()
  while (flow.flowed < expected && Date.now() - start < timeoutMs)
    await new Promise((resolve) => setTimeout(resolve, 5))
  return Date.now() - start
}

async function measure(
  target: Target,
  mode: Mode,
  generator: LoadGeneratorProcess,
  config: BenchConfig,
): Promise<Measured> {
  const spec: PhaseSpec = {
    mode,
    port: target.port,
    path: target.path,
    // The first phase of a target warms it up fully; the second only needs its connections and a steady state.
    warmupMs: mode === 'fixedRate' ? config.warmupMs : Math.round(config.warmupMs / 2),
    measureMs: config.measureMs,
    rate: config.rate,
    connections: config.concurrency,
  }
  target.flow?.resetFlowed()
  // The parent's own event-loop stalls: a p99 that follows them is the process (GC, the machine's other load).
  const loopDelay = monitorEventLoopDelay({ resolution: 1 })
  loopDelay.enable()
  const cpu = process.cpuUsage()
  const run = () => generator.run(spec)
  const result = mode === 'fullSpeed' ? await profiled(target.key, run) : await run()
  loopDelay.disable()
  const measured: Measured = {
    ...result,
    cpuUsPerDelivery: 0,
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    loopDelayMaxMs: loopDelay.max / 1e6,
  }
  if (target.flow) {
    measured.catchUpMs = await catchUp(target.flow, result.ackedTotal)
    measured.flowed = target.flow.flowed
  }
  const used = process.cpuUsage(cpu)
  measured.cpuUsPerDelivery = result.ackedTotal ? (used.user + used.system) / result.ackedTotal : 0
  return measured
}

/** The hook-ingest scenario: its tables on stdout, its part of the final JSON line returned. */
export async function hookIngest(
  config: BenchConfig,
  stops: Array<() => Promise<void>>,
  failures: string[],
): Promise<Record<string, unknown>> {
  const results: Results = { fixedRate: {}, fullSpeed: {} }
  // Everything is started before the first measurement, so that every target runs in the same process state.
  const simulator = await XoSimulator.start({ timeScale: 0.01, size: config.inventorySize, seed: 1 })
  stops.push(() => simulator.stop())
  const bodies = deliveryBodies(inventoryOf(simulator.objects.values()), PAIRS)
  const bare = await startBareServer()
  stops.push(() => bare.stop())
  const red = await startNodeRed()
  stops.push(() => red.stop())
  const generator = await LoadGeneratorProcess.fork(bodies)
  stops.push(() => generator.stop())

  const token = simulator.issueToken('admin@admin.net')
  const credentials = { [SERVER_NODE_ID]: { token }, [HOOK_NODE_ID]: { secret: HOOK_SECRET } }
  // (d): the same xo-hook node receiving on the package's own listener, on a port of its own.
  const listenPort = await freePort()
  const redisUrl = await sharedRedis(stops)
  const hook = (key: TargetKey, enrich: boolean, listener = false, shared?: string): Target => ({
    key,
    port: listener ? listenPort : red.port,
    path: hookPath(),
    flow: red,
    prepare: async () => {
      await red.deploy(hookFlow(simulator.url, enrich, listener ? listenPort : undefined, shared), credentials)
      await red.hookReady(enrich, 15_000)
    },
  })
  const targets: Target[] = [
    { key: 'bare', port: bare.port, path: bare.path, prepare: async () => {} },
    { key: 'nodeRedCore', port: red.port, path: CORE_PATH, prepare: () => red.deploy(coreFlow()) },
    hook('xoHook', false),
    hook('xoHookEnriched', true),
    hook('listener', false, true),
    hook('listenerEnriched', true, true),
    ...(redisUrl ? [hook('listenerShared', false, true, redisUrl)] : []),
  ]

  const context = {
    node: process.version,
    loadAverage: Number(os.loadavg()[0].toFixed(2)),
    nodeRed: red.version,
    cpus: os.cpus().length,
    seconds: config.measureMs / 1000,
    warmupSeconds: config.warmupMs / 1000,
    deliveries: {
      pairs: PAIRS,
      inventoryVms: config.inventorySize,
      meanBytes: Math.round(bodies.reduce((s, b) => s + b.length, 0) / bodies.length),
    },
  }
  console.log(
    `hook-ingest bench: Node ${context.node}, Node-RED ${context.nodeRed}, ${context.cpus} CPUs; ` +
      `${context.seconds} s per phase after ${context.warmupSeconds} s warm-up; ${PAIRS} pre/post pairs of ${context.deliveries.meanBytes} bytes on average; ` +
      `load average ${context.loadAverage} (the machine's other work moves absolute figures: compare the ratios)`,
  )

  const own: string[] = []
  for (const target of targets) {
    try {
      await target.prepare()
      await probe(target.port, target.path, bodies[0])
      if (target.flow) await catchUp(target.flow, 1, 5000)
    } catch (error) {
      own.push(`${TARGETS[target.key]} could not start: ${(error as Error).message}`)
      continue
    }
    for (const mode of ['fixedRate', 'fullSpeed'] as const) {
      const measured = await measure(target, mode, generator, config)
      results[mode][target.key] = measured
      const errors = errorCount(measured.errors)
      if (errors)
        own.push(`${TARGETS[target.key]}, ${mode}: ${errors} failed deliveries ${JSON.stringify(measured.errors)}`)
      if (measured.flowed !== undefined && measured.flowed < measured.ackedTotal) {
        own.push(
          `${TARGETS[target.key]}, ${mode}: the flow let out ${measured.flowed} of ${measured.ackedTotal} acknowledged deliveries`,
        )
      }
      console.log(
        `  measured ${TARGETS[target.key].trim()}, ${mode}: ${measured.throughput.toFixed(0)} acks/s, p99 ${measured.latencyMs.p99.toFixed(2)} ms`,
      )
    }
  }
  console.log('')
  const final = { ...context, loadAverageAtEnd: Number(os.loadavg()[0].toFixed(2)) }
  const { lines, json } = render(results, config, final, own)
  for (const line of lines) console.log(line)
  failures.push(...own.map((f) => `hook ingest: ${f}`))
  return json
}
