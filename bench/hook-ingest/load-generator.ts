/**
 * The load generator, forked by bench/run.ts: it sends the deliveries the parent gives it to one target at a
 * time, in one of two modes, and answers with throughput, latency and errors. Same code and same process for
 * every target, so that the targets are only ever compared with each other.
 */
import { performance } from 'node:perf_hooks'
import { KeepAliveConnection, type Outcome } from './keep-alive-connection'
import { LatencyRecorder } from '../latency'
import type { ErrorCounts, FromGenerator, PhaseResult, PhaseSpec, ToGenerator } from '../protocol'

// A delivery with no answer after this long is counted as a timeout (XO's own limit for a hook is about 10 s).
const TIMEOUT_MS = 10_000
// The fixed-rate schedule is checked this often; deliveries due meanwhile go out together.
const TICK_MS = 1

let bodies: string[] = []

/** The bytes XO's web-hooks plugin sends (Node's fetch: the headers as captured from xo-server 5.207.2). */
function buildRequests(port: number, path: string): Buffer[] {
  return bodies.map((body) => {
    const head =
      `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nconnection: keep-alive\r\n` +
      'content-type: application/json\r\naccept: */*\r\naccept-language: *\r\nsec-fetch-mode: cors\r\n' +
      `user-agent: node\r\naccept-encoding: gzip, deflate\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`
    return Buffer.from(head + body)
  })
}

const CALL_ID = Buffer.from('"callId":"')
const ROUND_DIGITS = 4

/**
 * XO never sends a callId twice, and a target sharing a store claims each one: every time the deliveries come
 * round again, the last characters of each callId become that round's number (a pre and its post alike). Every
 * target pays the same few bytes written; a buffer is rewritten only a whole round after it was last sent.
 */
function callIdRounds(requests: Buffer[]): (index: number) => void {
  const at = requests.map((request) => {
    const start = request.indexOf(CALL_ID) + CALL_ID.length
    const end = request.indexOf(0x22, start)
    return end - start >= ROUND_DIGITS ? end - ROUND_DIGITS : -1
  })
  let round = Math.floor(Math.random() * 36 ** ROUND_DIGITS)
  return (index) => {
    if (index === 0) round = (round + 1) % 36 ** ROUND_DIGITS
    if (at[index] >= 0) requests[index].write(round.toString(36).padStart(ROUND_DIGITS, '0'), at[index], 'latin1')
  }
}

async function runPhase(spec: PhaseSpec): Promise<PhaseResult> {
  const requests = buildRequests(spec.port, spec.path)
  const renumber = callIdRounds(requests)
  const connections = Array.from({ length: spec.connections }, () => new KeepAliveConnection(spec.port))
  const latency = new LatencyRecorder()
  const errors: ErrorCounts = { status: {}, resets: 0, timeouts: 0, protocol: 0 }
  const elu = performance.eventLoopUtilization()
  const start = performance.now()
  const measureStart = start + spec.warmupMs
  const measureEnd = measureStart + spec.measureMs
  let next = 0
  let inFlight = 0
  let sentInWindow = 0
  let ackedInWindow = 0
  let ackedTotal = 0
  const inWindow = (t: number) => t >= measureStart && t < measureEnd

  const count = (outcome: Outcome, startedAt: number, endedAt: number) => {
    if ('status' in outcome && outcome.status >= 200 && outcome.status < 300) {
      ackedTotal++
      if (inWindow(endedAt)) ackedInWindow++
      if (inWindow(startedAt)) latency.record(endedAt - startedAt)
      return
    }
    if ('status' in outcome) errors.status[outcome.status] = (errors.status[outcome.status] ?? 0) + 1
    else if (outcome.failure === 'reset') errors.resets++
    else if (outcome.failure === 'timeout') errors.timeouts++
    else errors.protocol++
  }

  /** Sends the next delivery on `connection`; `startedAt` is when it was due (fixed rate) or sent. */
  const send = (
    connection: KeepAliveConnection,
    startedAt: number,
    then: (connection: KeepAliveConnection) => void,
  ) => {
    if (inWindow(startedAt)) sentInWindow++
    inFlight++
    const index = next++ % requests.length
    renumber(index)
    connection.send(requests[index], (outcome) => {
      inFlight--
      count(outcome, startedAt, performance.now())
      then(connection)
    })
  }

  // Both modes stop by themselves: at measureEnd nothing new is sent, and the sweep gives up on silent targets.
  const sweep = setInterval(() => {
    const now = performance.now()
    for (const c of connections) if (c.busy && now - c.sentAt > TIMEOUT_MS) c.abort('timeout')
  }, 250)

  let maxQueued = 0
  if (spec.mode === 'fullSpeed') {
    const loop = (connection: KeepAliveConnection) => {
      const now = performance.now()
      if (now < measureEnd) send(connection, now, loop)
    }
    connections.forEach(loop)
  } else {
    // Open loop: delivery i is due at start + i / rate whatever the target does. One that finds every
    // connection busy waits in a queue, and its latency counts from when it was due, wait included.
    const queue: number[] = []
    const free = [...connections]
    const release = (connection: KeepAliveConnection) => {
      const due = queue.shift()
      if (due !== undefined) send(connection, due, release)
      else free.push(connection)
    }
    let scheduled = 0
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = performance.now()
        const dueCount = Math.min(
          Math.floor(((now - start) * spec.rate) / 1000),
          Math.floor(((measureEnd - start) * spec.rate) / 1000),
        )
        while (scheduled < dueCount) {
          scheduled++
          const connection = free.shift()
          if (connection) send(connection, now, release)
          else queue.push(now)
        }
        maxQueued = Math.max(maxQueued, queue.length)
        if (now < measureEnd) setTimeout(tick, TICK_MS)
        else resolve()
      }
      tick()
    })
  }

  // Drain: the deliveries still in flight (and, at fixed rate, still queued) finish or time out.
  await new Promise<void>((resolve) => {
    const check = () => (inFlight === 0 ? resolve() : setTimeout(check, 5))
    check()
  })
  clearInterval(sweep)
  for (const c of connections) c.close()

  const seconds = spec.measureMs / 1000
  return {
    mode: spec.mode,
    throughput: ackedInWindow / seconds,
    sendRate: sentInWindow / seconds,
    latencyMs: latency.summary(),
    errors,
    ackedTotal,
    maxQueued,
    generatorBusy: performance.eventLoopUtilization(elu).utilization,
  }
}

function reply(message: FromGenerator): void {
  process.send?.(message)
}

process.on('message', (message: ToGenerator) => {
  if (message.type === 'bodies') {
    bodies = message.bodies
    return
  }
  runPhase(message.spec).then(
    (result) => reply({ type: 'result', result }),
    (error: Error) => reply({ type: 'error', message: error.stack ?? error.message }),
  )
})
// The parent going away (or being done) ends the generator: nothing else holds this process.
process.on('disconnect', () => process.exit(0))
reply({ type: 'ready' })
