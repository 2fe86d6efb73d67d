/**
 * Forked by the object-stream scenario: the system under test. Node-RED embedded as `npm start` embeds it
 * (targets/embedded-node-red.ts), with one xo-server connected to the simulator and three xo-events nodes
 * (flows.ts). The xo-server's own connection is tapped, read-only, to number each frame (and acknowledge it,
 * as the baseline does) and, in lag rounds only, to know which frame every object of a message came in with (the
 * message carries the very object the frame held): in CPU rounds a message costs the probe one increment.
 */
import type { XoServerNode } from '../../src/node-red/xo-server-node'
import type { XoObjectsNotification } from '../../src/xo/connection'
import { startNodeRed } from '../targets/embedded-node-red'
import { SERVER_NODE_ID } from '../targets/flows'
import { EVENT_NODES, objectStreamFlow, type Probe, PROBE_KEY } from './flows'
import { now } from './protocol'
import { type FrameLog, type Receiver, runReceiver } from './receiver'

const LOAD_TIMEOUT_MS = 120_000

// Forked as `nodeRedShared`, its xo-server shares the Redis at BENCH_REDIS_URL: it leads alone, and records every
// object it sends for a follower.
const kind = process.argv[2] === 'nodeRedShared' ? 'nodeRedShared' : 'nodeRed'
const redisUrl = kind === 'nodeRedShared' ? process.env.BENCH_REDIS_URL : undefined

void runReceiver(kind, async (frames: FrameLog): Promise<Receiver> => {
  const frameOf = new WeakMap<object, number>()
  const counts = EVENT_NODES.map(() => 0)
  const probe: Probe = {
    seen(msg, node) {
      counts[node]++
      if (!frames.lag) return
      const object = msg.payload?.object
      frames.sample((object && frameOf.get(object)) ?? -1, now())
    },
  }
  const red = await startNodeRed({ globals: { [PROBE_KEY]: probe } })
  return {
    async load(url, token) {
      await red.deploy(objectStreamFlow(url, redisUrl), { [SERVER_NODE_ID]: { token } })
      const server = red.getNode(SERVER_NODE_ID) as XoServerNode | null
      const connection = server?.connection
      // The store the xo-events nodes started at deploy.
      const store = server?.objectStore()
      if (!connection || !store)
        throw new Error(`the xo-server node is not configured: ${server?.configError ?? 'missing'}`)
      let current = -1
      // Before the store sees the frame: its number, for each object in it.
      connection.prependListener('notification', (notification: XoObjectsNotification) => {
        if (notification.type !== 'enter' || !notification.items) return
        let items = 0
        for (const _ in notification.items) items++
        current = frames.arrived(items)
        if (frames.lag) for (const id in notification.items) frameOf.set(notification.items[id] as object, current)
      })
      // After the store, the change feed and the three nodes had it.
      connection.on('notification', (notification: XoObjectsNotification) => {
        if (notification.type === 'enter' && notification.items) frames.processed(current)
      })
      if (!(await store.whenLoaded(LOAD_TIMEOUT_MS)))
        throw new Error(`the object store was not loaded after ${LOAD_TIMEOUT_MS} ms`)
      return store.size
    },
    messages: () => counts.slice(),
    reset: () => counts.fill(0),
    stop: () => red.stop(),
  }
})
