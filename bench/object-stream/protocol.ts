/**
 * What the object-stream scenario's parent (the simulator, which churns) and its two forked receivers say to
 * each other over IPC. Both receivers are the same kind of process (forked from the parent, same execArgv plus
 * --expose-gc) and run the same harness (receiver.ts): only what they do with a frame differs.
 */

/** `nodeRedShared`: the same Node-RED, its xo-server sharing a Redis (BENCH_REDIS_URL in its environment) */
export type ReceiverKind = 'nodeRed' | 'nodeRedShared' | 'parseOnly'

export interface LoadResult {
  /** from the deploy (Node-RED) or the first connection attempt (baseline) to the object store being loaded */
  loadMs: number
  /** process.memoryUsage() before and after, each after a full GC when the process runs with --expose-gc */
  rssBefore: number
  rssAfter: number
  heapUsedBefore: number
  heapUsedAfter: number
  /** objects kept (of the types the three xo-events nodes keep) */
  kept: number
  gcExposed: boolean
}

export interface StreamResult {
  /** process.cpuUsage() from `begin` until the stream was over (every frame in, the flow quiet), in µs */
  cpuUserUs: number
  cpuSystemUs: number
  /** the event loop's utilisation over the same span */
  eventLoopUtilization: number
  /** items of each "enter" frame received since `begin`, in order */
  frameItems: number[]
  /** Node-RED: messages out of the xo-events nodes since `begin`, by node; baseline: frames parsed */
  messages: number[]
  /**
   * lag rounds only (empty otherwise): one sample per message (baseline: per frame), the global index of its
   * frame and when it came out
   */
  sampleFrames: number[]
  sampleAt: number[]
  /** notifications received since the process connected, before `begin` */
  framesBefore: number
}

export type ToReceiver =
  | { type: 'load'; url: string; token: string }
  /**
   * `lag`: also time every message (a lag round). Off in the CPU rounds, so that the bookkeeping per message (and
   * Node-RED's per object, to know each message's frame) is not in the CPU time compared. `profile`: with
   * BENCH_PROFILE, record this round's CPU profile (the last round's).
   */
  | { type: 'begin'; lag: boolean; profile: boolean }
  /** the stream is over once `frames` frames (counted since connecting) have come in and the flow is quiet */
  | { type: 'end'; frames: number }

export type FromReceiver =
  | { type: 'ready' }
  | { type: 'loaded'; load: LoadResult }
  /** `frames` frames (since connecting) are in and processed */
  | { type: 'ack'; frames: number }
  | { type: 'begun' }
  | { type: 'result'; result: StreamResult }
  | { type: 'error'; message: string }

/** The xo-events flow's timestamps, comparable across the processes of one machine (ms since the epoch, sub-ms). */
export const now = (): number => performance.timeOrigin + performance.now()
