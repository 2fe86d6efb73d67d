/**
 * The digest scenario: what an xo digest costs per XO event, in CPU time, against a function node that only counts
 * the same events, both in one embedded Node-RED, fed at a fixed rate (10,000 events/s by default) spread over a
 * thousand groups; and the memory an open group holds (heap after a collection, with the groups open, against before
 * they opened).
 */
import v8 from 'node:v8'
import vm from 'node:vm'
import type { DigestBenchConfig } from '../config'
import { spreadOf, spreadText } from '../object-stream/spread'
import { startNodeRed } from '../targets/embedded-node-red'
import { COUNT_NODE, COUNTS_KEY, DIGEST_NODE, digestFlows } from './flows'

/** past the digest's state write interval (1 s) */
const SETTLE_MS = 1_500

const CPU_RATIO_AIM = 3

/** A collection now (the bench's memory figures are read right after one). */
function collector(): () => void {
  v8.setFlagsFromString('--expose-gc')
  return vm.runInNewContext('gc') as () => void
}

/** An xo-events message of a VM started, as the xo events node sends it, in group `group`. */
function vmStarted(n: number, group: number): Record<string, unknown> {
  const id = `bench-vm-${n}`
  return {
    topic: 'VM.started',
    benchGroup: String(group),
    payload: {
      event: 'started',
      type: 'VM',
      id,
      object: { id, type: 'VM', name_label: `vm-${n}`, power_state: 'Running', $pool: 'pool-1', $container: 'host-1' },
      pool: { id: 'pool-1', name: 'pool A' },
      changes: { power_state: { from: 'Halted', to: 'Running' } },
    },
  }
}

export async function runDigest(
  config: DigestBenchConfig,
  stops: Array<() => Promise<void>>,
  log: (line: string) => void,
  failures: string[],
): Promise<{ lines: string[]; json: Record<string, unknown> }> {
  const counts = { counted: 0, sent: 0, gathered: 0 }
  const red = await startNodeRed({ globals: { [COUNTS_KEY]: counts } })
  stops.push(() => red.stop())
  // The groups stay open while measured: their first message would come only after the run.
  await red.deploy(digestFlows(3600))
  const gc = collector()
  let serial = 0

  /** `events` events into `nodeId` at `rate` per second (batches every 10 ms); CPU time of the whole process. */
  const feed = (nodeId: string, events: number) =>
    new Promise<{ cpuMs: number; wallMs: number }>((resolve, reject) => {
      const node = red.getNode(nodeId) as { receive(msg: unknown): void } | null
      if (!node) return reject(new Error(`no ${nodeId} node`))
      const perTick = Math.max(1, Math.round(config.rate / 100))
      const cpu = process.cpuUsage()
      const start = performance.now()
      let sent = 0
      const tick = () => {
        for (let i = 0; i < perTick && sent < events; i++, sent++) {
          const n = serial++
          node.receive(vmStarted(n, n % config.groups))
        }
        if (sent < events)
          return void setTimeout(tick, Math.max(0, start + (sent / config.rate) * 1000 - performance.now()))
        const wallMs = performance.now() - start
        // What the round leaves behind (queued messages, the digest's state written within a second) is charged
        // to it, not to the next round, which may be the other variant's.
        setTimeout(() => {
          const used = process.cpuUsage(cpu)
          resolve({ cpuMs: (used.user + used.system) / 1000, wallMs })
        }, SETTLE_MS)
      }
      tick()
    })

  log(
    `  digest: ${config.rounds} rounds of ${config.events} events at ${config.rate}/s over ${config.groups} groups, against a function node that counts them`,
  )
  const variants = { count: COUNT_NODE, digest: DIGEST_NODE } as const
  for (const node of Object.values(variants)) await feed(node, Math.min(config.events, config.rate))
  const rounds: Array<Record<keyof typeof variants, number>> = []
  for (let round = 0; round < config.rounds; round++) {
    const order = (round % 2 ? ['digest', 'count'] : ['count', 'digest']) as Array<keyof typeof variants>
    const results = {} as Record<keyof typeof variants, number>
    for (const variant of order)
      results[variant] = ((await feed(variants[variant], config.events)).cpuMs * 1000) / config.events
    rounds.push(results)
    log(
      `  digest, round ${round + 1}: count ${results.count.toFixed(1)} µs/event, digest ${results.digest.toFixed(1)} µs/event`,
    )
  }
  if (counts.counted === 0) failures.push('digest: the counting node saw no event')
  if (counts.sent !== 0) failures.push(`digest: ${counts.sent} digests sent before their first wait ran out`)

  // None lost: with a first wait of a second, the digests of a batch gather every one of its events.
  await red.deploy(digestFlows(1, `${DIGEST_NODE}-check`))
  Object.assign(counts, { sent: 0, gathered: 0 })
  const checked = config.groups * 2
  await feed(`${DIGEST_NODE}-check`, checked)
  const deadline = Date.now() + 15_000
  while (counts.gathered < checked && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  if (counts.gathered !== checked || counts.sent !== config.groups)
    failures.push(
      `digest: ${counts.sent} digests gathered ${counts.gathered} of ${checked} events over ${config.groups} groups`,
    )

  // Memory: a fresh deploy (no group), then one event per group opens them all; heap after a collection each time.
  await red.deploy(digestFlows(3600, `${DIGEST_NODE}-memory`))
  gc()
  const before = process.memoryUsage().heapUsed
  const node = red.getNode(`${DIGEST_NODE}-memory`) as { receive(msg: unknown): void }
  for (let i = 0; i < config.groups * config.eventsPerGroup; i++) node.receive(vmStarted(serial++, i % config.groups))
  await new Promise((resolve) => setImmediate(resolve))
  gc()
  const perGroupBytes = (process.memoryUsage().heapUsed - before) / config.groups

  const count = spreadOf(rounds.map((r) => r.count))
  const digest = spreadOf(rounds.map((r) => r.digest))
  const ratio = spreadOf(rounds.map((r) => r.digest / r.count))
  const holds = ratio.median <= CPU_RATIO_AIM
  const lines = [
    `digest: ${config.events} events a round at ${config.rate}/s over ${config.groups} groups, ${config.rounds} rounds; one embedded Node-RED (CPU: the whole process)`,
    `count   ${spreadText(count, 1)} µs CPU/event`,
    `digest  ${spreadText(digest, 1)} µs CPU/event`,
    `ratio digest / count: CPU per event ${spreadText(ratio, 3)}`,
    `memory per open group (${config.eventsPerGroup} events each, after a collection): ${(perGroupBytes / 1024).toFixed(1)} KiB`,
    `aim: ${holds ? 'holds ' : 'MISSED'}  digest.cpuAtMost${CPU_RATIO_AIM}  CPU per event digest / count, median of the rounds <= ${CPU_RATIO_AIM} (${ratio.median.toFixed(3)})`,
  ]
  return {
    lines,
    json: {
      events: config.events,
      rate: config.rate,
      groups: config.groups,
      rounds: config.rounds,
      countUsPerEvent: Number(count.median.toFixed(1)),
      digestUsPerEvent: Number(digest.median.toFixed(1)),
      ratio: Number(ratio.median.toFixed(3)),
      ratioRounds: rounds.map((r) => Number((r.digest / r.count).toFixed(3))),
      bytesPerOpenGroup: Math.round(perGroupBytes),
      aims: { [`cpuAtMost${CPU_RATIO_AIM}`]: holds },
    },
  }
}
