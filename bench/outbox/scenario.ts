/**
 * The outbox scenario: what the xo outbox adds to each delivered request, in CPU time and in latency, against the
 * same flow without it, both in one embedded Node-RED (in the bench's process, with the receiver), run one after the
 * other in rounds of rotated order. Every request is delivered at its first attempt (the receiver answers 200): what
 * is measured is the outbox's bookkeeping (record before the send, in flight, removed once delivered), not retries.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { OutboxBenchConfig } from '../config'
import { LatencyRecorder } from '../latency'
import { spreadOf, spreadText } from '../object-stream/spread'
import { startNodeRed } from '../targets/embedded-node-red'
import { DONE_KEY, type OutboxStorageVariant, outboxFlows, STORAGES, startOf } from './flows'

interface Batch {
  cpuMs: number
  /** of which in the kernel (file writes, their fsync, sockets) */
  systemMs: number
  wallMs: number
  latency: LatencyRecorder
}

/** The receiver: reads each request and answers 200, as a webhook does. */
async function startSink(): Promise<{ url: string; received: () => number; stop(): Promise<void> }> {
  let received = 0
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    req.resume().on('end', () => {
      received++
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: () => received,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

const ratio = (a: number, b: number) => (b > 0 ? Number((a / b).toFixed(3)) : null)
/** the aims: what the outbox may add per delivered request, against the same flow without it */
const CPU_RATIO_AIM = 2
const P99_RATIO_AIM = 3

export async function runOutbox(
  config: OutboxBenchConfig,
  stops: Array<() => Promise<void>>,
  log: (line: string) => void,
  redisUrl: string | undefined,
  failures: string[],
): Promise<{ lines: string[]; json: Record<string, unknown> }> {
  const storages: Record<string, OutboxStorageVariant> = {}
  for (const name of config.storages) {
    const make = STORAGES[name]
    if (!make)
      throw new Error(`BENCH_OUTBOX_STORAGES: no storage "${name}" (known: ${Object.keys(STORAGES).join(', ')})`)
    const variant = make({ redisUrl })
    if (variant) storages[name] = variant
    else log(`  outbox: no ${name} storage here (left out)`)
  }
  const sink = await startSink()
  stops.push(() => sink.stop())
  // Each delivered request, by its event's key: when it was handed to the flow, what to call once it is done.
  const waiting = new Map<string, { at: number; done: (statusCode: unknown) => void }>()
  const doneHook = {
    done(key: string, statusCode: unknown) {
      const entry = waiting.get(key)
      if (!entry) return failures.push(`outbox: ${key} delivered twice or never sent`)
      waiting.delete(key)
      entry.done(statusCode)
    },
  }
  const red = await startNodeRed({ globals: { [DONE_KEY]: doneHook } })
  stops.push(() => red.stop())
  const variants = ['plain', ...Object.keys(storages)]
  await red.deploy(outboxFlows(sink.url, { plain: undefined, ...storages }))
  let serial = 0

  /** `count` requests through `variant`'s flow, `window` at a time; CPU time of the whole process meanwhile. */
  const batch = (variant: string, count: number) =>
    new Promise<Batch>((resolve, reject) => {
      const node = red.getNode(startOf(variant)) as { receive(msg: unknown): void } | null
      if (!node) return reject(new Error(`no ${startOf(variant)} node`))
      const latency = new LatencyRecorder()
      let sent = 0
      let settled = 0
      const timeout = setTimeout(
        () => reject(new Error(`${variant}: ${settled} of ${count} delivered in 120 s`)),
        120_000,
      )
      const cpu = process.cpuUsage()
      const start = performance.now()
      const sendOne = () => {
        const n = serial++
        const at = performance.now()
        sent++
        waiting.set(`${variant}-${n}`, {
          at,
          done: (statusCode) => {
            if (statusCode !== 200) failures.push(`outbox: ${variant} request ${n} answered ${String(statusCode)}`)
            latency.record(performance.now() - at)
            settled++
            if (sent < count) sendOne()
            else if (settled === count) {
              clearTimeout(timeout)
              const used = process.cpuUsage(cpu)
              resolve({
                cpuMs: (used.user + used.system) / 1000,
                systemMs: used.system / 1000,
                wallMs: performance.now() - start,
                latency,
              })
            }
          },
        })
        node.receive({ payload: n })
      }
      for (let i = 0; i < Math.min(config.window, count); i++) sendOne()
    })

  log(
    `  outbox: ${variants.join(', ')}; ${config.rounds} rounds of ${config.requests} requests each, ${config.window} in flight, to a receiver answering 200 at ${sink.url}`,
  )
  for (const variant of variants) await batch(variant, Math.min(config.requests, 500))
  const rounds: Array<Record<string, Batch>> = []
  for (let round = 0; round < config.rounds; round++) {
    const order = variants.map((_, i) => variants[(i + round) % variants.length])
    const results: Record<string, Batch> = {}
    for (const variant of order) results[variant] = await batch(variant, config.requests)
    rounds.push(results)
    log(
      `  outbox, round ${round + 1} (${order.join(', ')}): ` +
        order
          .map(
            (v) =>
              `${v} ${((results[v].cpuMs * 1000) / config.requests).toFixed(0)} µs CPU/request (${((results[v].systemMs * 1000) / config.requests).toFixed(0)} in the kernel), p99 ${results[v].latency.summary().p99.toFixed(2)} ms`,
          )
          .join('; '),
    )
  }
  for (const name of Object.keys(storages)) {
    const outbox = (
      red.getNode(`bench-${name}-outbox`) as { outbox?: { list(): { pending: unknown[]; dead: unknown[] } } }
    )?.outbox
    const left = outbox?.list()
    if (!left || left.pending.length || left.dead.length)
      failures.push(`outbox: the ${name} outbox still keeps ${left?.pending.length} pending, ${left?.dead.length} dead`)
  }
  if (sink.received() !== serial)
    failures.push(`outbox: the receiver got ${sink.received()} requests for ${serial} sent`)

  // Per variant: CPU per request and latency of each round; the ratios to plain, round by round.
  const perRequestUs = (b: Batch) => (b.cpuMs * 1000) / config.requests
  const lines = [
    `outbox: ${config.requests} requests a round, ${config.window} in flight, ${config.rounds} rounds; one embedded Node-RED and the receiver in the bench's process (CPU: the whole process)`,
    `${'variant'.padEnd(10)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'req/s'.padStart(8)}  CPU µs/request (median of the rounds)`,
  ]
  const json: Record<string, unknown> = { requests: config.requests, rounds: config.rounds, window: config.window }
  const medianP99 = (v: string) => spreadOf(rounds.map((r) => r[v].latency.summary().p99)).median
  for (const v of variants) {
    const cpu = spreadOf(rounds.map((r) => perRequestUs(r[v])))
    const p50 = spreadOf(rounds.map((r) => r[v].latency.summary().p50)).median
    const rate = spreadOf(rounds.map((r) => (config.requests * 1000) / r[v].wallMs)).median
    lines.push(
      v.padEnd(10) +
        p50.toFixed(2).padStart(9) +
        medianP99(v).toFixed(2).padStart(9) +
        rate.toFixed(0).padStart(8) +
        `  ${spreadText(cpu, 0)}`,
    )
    json[v] = {
      cpuUsPerRequest: Number(cpu.median.toFixed(1)),
      systemUsPerRequest: Number(
        spreadOf(rounds.map((r) => (r[v].systemMs * 1000) / config.requests)).median.toFixed(1),
      ),
      p50Ms: Number(p50.toFixed(3)),
      p99Ms: Number(medianP99(v).toFixed(3)),
      requestsPerSecond: Math.round(rate),
    }
  }
  const ratios: Record<string, unknown> = {}
  const aims: Record<string, boolean> = {}
  for (const name of Object.keys(storages)) {
    const cpu = spreadOf(rounds.map((r) => r[name].cpuMs / r.plain.cpuMs))
    const p99 = spreadOf(rounds.map((r) => r[name].latency.summary().p99 / r.plain.latency.summary().p99))
    lines.push(`ratios ${name} / plain: CPU per request ${spreadText(cpu, 3)}; p99 latency ${spreadText(p99, 3)}`)
    ratios[name] = {
      cpu: ratio(cpu.median, 1),
      p99: ratio(p99.median, 1),
      cpuRounds: rounds.map((r) => ratio(r[name].cpuMs, r.plain.cpuMs)),
      p99Rounds: rounds.map((r) => ratio(r[name].latency.summary().p99, r.plain.latency.summary().p99)),
    }
    aims[`${name}CpuAtMost${CPU_RATIO_AIM}`] = cpu.median <= CPU_RATIO_AIM
    aims[`${name}P99AtMost${P99_RATIO_AIM}`] = p99.median <= P99_RATIO_AIM
    lines.push(
      `aim: ${cpu.median <= CPU_RATIO_AIM ? 'holds ' : 'MISSED'}  outbox.${name}CpuAtMost${CPU_RATIO_AIM}  CPU per request ${name} / plain, median of the rounds <= ${CPU_RATIO_AIM} (${cpu.median.toFixed(3)})`,
      `aim: ${p99.median <= P99_RATIO_AIM ? 'holds ' : 'MISSED'}  outbox.${name}P99AtMost${P99_RATIO_AIM}  p99 latency ${name} / plain, median of the rounds <= ${P99_RATIO_AIM} (${p99.median.toFixed(3)})`,
    )
  }
  return { lines, json: { ...json, ratios, aims } }
}
