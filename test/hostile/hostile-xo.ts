/**
 * A WebSocket server posing as XO, one behaviour per URL path (`ws://…/<case>/api/`): it answers like XO where
 * the case says nothing, and sends the case's frames where the case says so. It records what each client sent,
 * so that a test can tell a client that answers garbage (an endless reply loop) from one that does not.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'

/** A frame to send; `{ answer: true }` stands for XO's own answer to the request being answered. */
export type Frame = { text: string } | { binary: Buffer } | { answer: true }

/** XO's own answer to the request, where a case's frames should have it. */
export const ANSWER: Frame = { answer: true }

/** The methods the connection and its object store call. */
export type XoMethod = 'session.signIn' | 'system.getServerVersion' | 'xo.getAllObjects'

export interface HostileCase {
  /** sent as soon as the socket is open */
  onOpen?: Frame[]
  /**
   * What is sent instead of XO's answer to a method, given the request's id and how many of these requests came
   * before on this case (all sockets together); undefined: XO's answer.
   */
  answers?: Partial<Record<XoMethod, (id: unknown, asked: number) => Frame[] | undefined>>
  /** sent once, right after the first time the objects are answered as XO answers them */
  afterObjects?: Frame[]
  /** the objects are answered as XO answers `{ndjson: true}`: a `$getFrom` path, which serves this text */
  ndjson?: string
  /** every text frame the client sends is sent back */
  echo?: boolean
}

export const USER = { id: 'u1', email: 'admin@admin.net', groups: [], permission: 'admin', preferences: {} }
export const VERSION = '5.207.2'

/** What the hostile XO holds: a pool, a host, and a halted VM whose start the tests send after the bad frames. */
export const POOL = { id: 'pool-1', type: 'pool', name_label: 'pool', $pool: 'pool-1', tags: [] }
export const HOST = {
  id: 'host-1',
  type: 'host',
  name_label: 'host',
  $pool: 'pool-1',
  power_state: 'Running',
  enabled: true,
  tags: [],
}
export const VM = {
  id: 'vm-1',
  type: 'VM',
  name_label: 'web-01',
  $pool: 'pool-1',
  $container: 'pool-1',
  power_state: 'Halted',
  tags: [],
  VIFs: [],
}
export const INVENTORY: Record<string, unknown> = { [POOL.id]: POOL, [HOST.id]: HOST, [VM.id]: VM }

const NDJSON_PATH = '/api/objects.ndjson'

export class HostileXo {
  url = ''
  /** text frames each case's clients sent */
  received = new Map<string, string[]>()
  /** sockets each case accepted */
  connections = new Map<string, number>()
  /** requests per case and method */
  #asked = new Map<string, number>()
  #afterSent = new Set<string>()
  #http: http.Server
  #wss = new WebSocketServer({ noServer: true })

  constructor(private readonly cases: Record<string, HostileCase>) {
    this.#http = http.createServer((req, res) => {
      const [, name, rest] = /^\/([^/]+)(\/.*)$/.exec(req.url ?? '') ?? []
      const ndjson = name ? this.cases[name]?.ndjson : undefined
      if (rest === NDJSON_PATH && ndjson !== undefined)
        return void res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(ndjson)
      res.writeHead(200, { 'content-type': 'text/plain' }).end('Welcome!')
    })
    this.#http.on('upgrade', (req, socket, head) => {
      const name = /^\/([^/]+)\/api\/$/.exec(req.url ?? '')?.[1]
      const behaviour = name ? this.cases[name] : undefined
      if (!name || !behaviour) return void socket.destroy()
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#serve(name, behaviour, ws))
    })
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#http.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.#http.address() as AddressInfo).port}`
    return this
  }

  /** The URL an xo-server node is given for a case. */
  caseUrl(name: string): string {
    return `${this.url.replace(/^http/, 'ws')}/${name}/`
  }

  async stop(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate()
    this.#wss.close()
    this.#http.closeAllConnections()
    await new Promise<void>((resolve) => this.#http.close(() => resolve()))
  }

  #serve(name: string, behaviour: HostileCase, ws: WebSocket): void {
    const sent = this.received.get(name) ?? []
    this.received.set(name, sent)
    this.connections.set(name, (this.connections.get(name) ?? 0) + 1)
    const send = (frame: Frame) => {
      if ('text' in frame) ws.send(frame.text)
      else if ('binary' in frame) ws.send(frame.binary, { binary: true })
    }
    for (const frame of behaviour.onOpen ?? []) send(frame)
    ws.on('error', () => {})
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : String(data)
      sent.push(text)
      if (behaviour.echo) return void ws.send(text)
      let request: { id?: unknown; method?: unknown }
      try {
        request = JSON.parse(text)
      } catch {
        return
      }
      const { id, method } = request
      const own = this.#answer(behaviour, method, id)
      const key = `${name} ${String(method)}`
      const asked = this.#asked.get(key) ?? 0
      this.#asked.set(key, asked + 1)
      const frames = behaviour.answers?.[method as XoMethod]?.(id, asked) ?? [ANSWER]
      let objectsAnswered = false
      for (const frame of frames) {
        if (!('answer' in frame)) send(frame)
        else {
          send({ text: JSON.stringify(own) })
          objectsAnswered ||= method === 'xo.getAllObjects'
        }
      }
      // The frames after the objects come in the same breath as their answer, as XO's notifications may.
      if (objectsAnswered && behaviour.afterObjects && !this.#afterSent.has(name)) {
        this.#afterSent.add(name)
        for (const frame of behaviour.afterObjects) send(frame)
      }
    })
  }

  #answer(behaviour: HostileCase, method: unknown, id: unknown): unknown {
    switch (method) {
      case 'session.signIn':
        return { jsonrpc: '2.0', id, result: USER }
      case 'system.getServerVersion':
        return { jsonrpc: '2.0', id, result: VERSION }
      case 'xo.getAllObjects':
        return { jsonrpc: '2.0', id, result: behaviour.ndjson === undefined ? INVENTORY : { $getFrom: NDJSON_PATH } }
      default:
        return { jsonrpc: '2.0', id, error: { code: -32601, message: 'method not found' } }
    }
  }
}
