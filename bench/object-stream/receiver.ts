/**
 * The harness both forked receivers run (Node-RED with the xo-events nodes, and the baseline): the IPC protocol,
 * frame accounting, acknowledgements (the parent's pacing), samples, GC and memory figures, and the CPU time of
 * the stream. Everything but what a receiver does with a frame is this same code, and what it costs per frame
 * (counting its items, one acknowledgement over IPC) is the same in both. What would cost per message (a
 * timestamp, finding the message's frame) is only done in lag rounds, whose CPU time is not compared.
 */
import { performance } from 'node:perf_hooks'
import { startProfile } from '../cpu-profile'
import {
  type FromReceiver,
  type LoadResult,
  now,
  type ReceiverKind,
  type StreamResult,
  type ToReceiver,
} from './protocol'

/** What the parent asks a receiver for; `frames` is told of every "enter" frame. */
export interface Receiver {
  /** connects to the simulator, signs in and loads its objects; resolves with how many were kept */
  load(url: string, token: string, frames: FrameLog): Promise<number>
  /** messages out since `reset` (Node-RED: by xo-events node; baseline: frames parsed) */
  messages(): number[]
  reset(): void
  stop(): Promise<void>
}

/** Frame accounting shared by both receivers. */
export class FrameLog {
  /** "enter" frames received since connecting */
  count = 0
  /** when a frame or (lag rounds) a message last came in (quiet detection) */
  lastActivity = 0
  /** a lag round: messages are sampled (and Node-RED numbers each object's frame); false in CPU rounds */
  lag = false
  #begun = false
  #framesBefore = 0
  #frameItems: number[] = []
  #sampleFrames: number[] = []
  #sampleAt: number[] = []

  /** A frame came in; answers its index (since connecting). */
  arrived(items: number): number {
    this.lastActivity = now()
    if (this.#begun) this.#frameItems.push(items)
    return this.count++
  }

  /** A frame was taken in: acknowledged once what it set off synchronously (and the first hop after) is done. */
  processed(index: number): void {
    setImmediate(() => send({ type: 'ack', frames: index + 1 }))
  }

  /** Lag rounds: a message (baseline: a parsed frame) came out for frame `index` (-1: unknown) at `at`. */
  sample(index: number, at: number): void {
    this.lastActivity = at
    if (!this.#begun) return
    this.#sampleFrames.push(index)
    this.#sampleAt.push(at)
  }

  begin(lag: boolean): void {
    this.#begun = true
    this.lag = lag
    this.#framesBefore = this.count
    this.#frameItems = []
    this.#sampleFrames = []
    this.#sampleAt = []
  }

  results(): Pick<StreamResult, 'frameItems' | 'sampleFrames' | 'sampleAt' | 'framesBefore'> {
    return {
      frameItems: this.#frameItems,
      sampleFrames: this.#sampleFrames,
      sampleAt: this.#sampleAt,
      framesBefore: this.#framesBefore,
    }
  }
}

function send(message: FromReceiver): void {
  if (process.connected) process.send!(message)
}

const gc = (globalThis as { gc?: () => void }).gc
function collect(): NodeJS.MemoryUsage {
  if (gc) {
    gc()
    gc()
  }
  return process.memoryUsage()
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
// The stream is over when every frame is in and nothing came out for this long.
const QUIET_MS = 100
const END_TIMEOUT_MS = 60_000

/** Runs the protocol until the parent disconnects; `start` builds the receiver (e.g. starts Node-RED). */
export async function runReceiver(kind: ReceiverKind, start: (frames: FrameLog) => Promise<Receiver>): Promise<void> {
  const frames = new FrameLog()
  let receiver: Receiver | undefined
  let cpu: NodeJS.CpuUsage | undefined
  let elu: ReturnType<typeof performance.eventLoopUtilization> | undefined
  let stopProfile: (() => Promise<void>) | undefined

  const handle = async (message: ToReceiver): Promise<FromReceiver> => {
    if (!receiver) throw new Error('not started')
    switch (message.type) {
      case 'load': {
        const before = collect()
        const start = now()
        const kept = await receiver.load(message.url, message.token, frames)
        const loadMs = now() - start
        const after = collect()
        const load: LoadResult = {
          loadMs,
          kept,
          gcExposed: gc !== undefined,
          rssBefore: before.rss,
          rssAfter: after.rss,
          heapUsedBefore: before.heapUsed,
          heapUsedAfter: after.heapUsed,
        }
        return { type: 'loaded', load }
      }
      case 'begin':
        // No forced GC here: a full collection resizes V8's young generation, and the baseline then spent up to
        // twice the CPU time on the same frames (seen as rounds alternating between ~0.3 and ~0.6 s).
        stopProfile = message.profile ? await startProfile(`object-stream-${kind}`) : undefined
        receiver.reset()
        frames.begin(message.lag)
        elu = performance.eventLoopUtilization()
        cpu = process.cpuUsage()
        return { type: 'begun' }
      case 'end': {
        const deadline = Date.now() + END_TIMEOUT_MS
        while (frames.count < message.frames || now() - frames.lastActivity < QUIET_MS) {
          if (Date.now() > deadline)
            throw new Error(`${frames.count} of ${message.frames} frames in after ${END_TIMEOUT_MS} ms`)
          await sleep(10)
        }
        const used = process.cpuUsage(cpu)
        const utilization = performance.eventLoopUtilization(elu).utilization
        await stopProfile?.()
        const result: StreamResult = {
          cpuUserUs: used.user,
          cpuSystemUs: used.system,
          eventLoopUtilization: utilization,
          messages: receiver.messages(),
          ...frames.results(),
        }
        return { type: 'result', result }
      }
    }
  }

  process.on('message', (message: ToReceiver) => {
    handle(message).then(send, (error: Error) => send({ type: 'error', message: error.stack ?? error.message }))
  })
  // The parent going away (its end, or its crash) ends this process: nothing may outlive the bench.
  process.on('disconnect', () => {
    const exit = () => process.exit(0)
    setTimeout(exit, 5000).unref()
    ;(receiver ? receiver.stop() : Promise.resolve()).then(exit, exit)
  })
  try {
    receiver = await start(frames)
  } catch (error) {
    send({ type: 'error', message: `could not start: ${(error as Error).stack ?? (error as Error).message}` })
    process.exit(1)
  }
  send({ type: 'ready' })
}
