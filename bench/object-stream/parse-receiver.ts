/**
 * Forked by the object-stream scenario: the baseline. A plain `ws` client, signed in to the simulator, that
 * loads the objects the same way (xo.getAllObjects as NDJSON, keeping the same types) and then JSON.parses each
 * notification and applies it to its map of objects (id -> object, of the types kept; an object that changed to
 * a type not kept, or an `exit`, removed): the least any correct receiver of XO's object stream must spend.
 */
import http from 'node:http'
import WebSocket from 'ws'
import { KEPT_TYPES } from './flows'
import { now } from './protocol'
import { type FrameLog, type Receiver, runReceiver } from './receiver'

/** the objects of an `all` notification, by id (an `exit`'s may be 0, as captured from XO: only the key counts) */
type Items = Record<string, { type?: unknown } | 0 | null>

interface RpcMessage {
  id?: number
  method?: string
  params?: { type?: string; items?: Items }
  result?: unknown
  error?: { message?: string }
}

/** Streams an NDJSON download, one JSON.parse per line (split as the object store's reader does, the faster way here). */
function download(url: string, onItem: (item: { id?: unknown; type?: unknown }) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, (response) => {
      if (response.statusCode !== 200) {
        response.resume()
        return reject(new Error(`GET ${url} answered ${response.statusCode}`))
      }
      response.setEncoding('utf8')
      let pending = ''
      response.on('data', (chunk: string) => {
        pending += chunk
        let newline: number
        while ((newline = pending.indexOf('\n')) !== -1) {
          if (newline > 0) onItem(JSON.parse(pending.slice(0, newline)))
          pending = pending.slice(newline + 1)
        }
      })
      response.on('end', () => {
        if (pending.trim()) onItem(JSON.parse(pending))
        resolve()
      })
      response.on('error', reject)
    })
    request.on('error', reject)
  })
}

void runReceiver('parseOnly', async (frames: FrameLog): Promise<Receiver> => {
  let socket: WebSocket | undefined
  let parsed = 0
  const kept = new Map<string, unknown>()
  const keep = new Set(KEPT_TYPES)
  // As the object store applies a notification: whole objects replace the ones kept.
  const apply = (type: string | undefined, items: Items) => {
    if (type === 'exit') {
      for (const id in items) kept.delete(id)
      return
    }
    for (const id in items) {
      const object = items[id]
      if (object && keep.has(String(object.type))) kept.set(id, object)
      else kept.delete(id)
    }
  }
  return {
    async load(url, token) {
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/`)
      socket = ws
      await new Promise((resolve, reject) => {
        ws.once('open', resolve)
        ws.once('error', reject)
      })
      ws.on('error', () => {})
      const pending = new Map<number, (message: RpcMessage) => void>()
      let nextId = 1
      const call = (method: string, params: Record<string, unknown>) =>
        new Promise<unknown>((resolve, reject) => {
          const id = nextId++
          pending.set(id, (reply) =>
            reply.error ? reject(new Error(`${method}: ${reply.error.message}`)) : resolve(reply.result),
          )
          ws.send(JSON.stringify({ jsonrpc: '2.0', method, params, id }))
        })
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as RpcMessage
        if (message.method === 'all') {
          const { type, items } = message.params ?? {}
          if (!items || typeof items !== 'object') return
          apply(type, items)
          // Frame accounting, the same as Node-RED's tap: "enter" frames only.
          if (type !== 'enter') return
          let count = 0
          for (const _ in items) count++
          const index = frames.arrived(count)
          parsed++
          if (frames.lag) frames.sample(index, now())
          frames.processed(index)
        } else if (message.id !== undefined) {
          pending.get(message.id)?.(message)
          pending.delete(message.id)
        }
      })
      await call('session.signIn', { token })
      const reply = (await call('xo.getAllObjects', { ndjson: true })) as { $getFrom?: string }
      if (typeof reply.$getFrom !== 'string') throw new Error('xo.getAllObjects {ndjson: true} gave no $getFrom')
      await download(url + reply.$getFrom, (object) => {
        if (typeof object.id === 'string' && keep.has(String(object.type))) kept.set(object.id, object)
      })
      return kept.size
    },
    messages: () => [parsed],
    reset: () => (parsed = 0),
    stop: async () => {
      socket?.terminate()
    },
  }
})
