// Test helpers: a raw JSON-RPC WebSocket client (ws), an HTTP sink for web-hooks, capture loading.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import WebSocket from 'ws'
import { capture as typedCapture } from '../support/captures'

export const capture = (file: string): any => typedCapture(file)

export interface Notification {
  at: number
  type: 'enter' | 'exit'
  items: Record<string, any>
}

export class RpcClient {
  readonly notifications: Notification[] = []
  readonly frames: string[] = []
  private nextId = 1
  private readonly pending = new Map<unknown, (m: any) => void>()
  private waiters: Array<() => void> = []

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = String(data)
      this.frames.push(text)
      const msg = JSON.parse(text)
      if (msg.method === 'all') this.notifications.push({ at: Date.now(), ...msg.params })
      else this.pending.get(msg.id)?.(msg)
      for (const w of this.waiters) w()
    })
  }

  static async connect(url: string): Promise<RpcClient> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/`)
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    return new RpcClient(ws)
  }

  /** Sends a request and resolves with the whole reply frame (parsed). */
  request(method: string, params: unknown = {}): Promise<any> {
    const id = this.nextId++
    return new Promise((resolve) => {
      this.pending.set(id, resolve)
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', method, params, id }))
    })
  }

  async call(method: string, params: unknown = {}): Promise<any> {
    const reply = await this.request(method, params)
    if (reply.error !== undefined) throw Object.assign(new Error(reply.error.message), reply.error)
    return reply.result
  }

  sendRaw(text: string): void {
    this.ws.send(text)
  }

  /** Resolves once `pred` holds, re-checked on every incoming frame. */
  waitFor(pred: () => boolean, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!pred()) return
        clearTimeout(timer)
        this.waiters = this.waiters.filter((w) => w !== check)
        resolve()
      }
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check)
        reject(new Error('waitFor: timeout'))
      }, timeoutMs)
      this.waiters.push(check)
      check()
    })
  }

  /**
   * Resolves when no notification arrived for `quietMs`. A round trip on the socket closes each quiet period: on a
   * starved process the simulator's next step and this timer can expire together, and the step's frame, written
   * first, is read only after; the answer to a call comes after every frame written before it.
   */
  async settle(quietMs: number): Promise<void> {
    for (;;) {
      const count = this.notifications.length
      await new Promise((r) => setTimeout(r, quietMs))
      await this.request('system.getServerVersion')
      if (this.notifications.length === count) return
    }
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve()
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve())
      this.ws.close()
    })
  }
}

export interface SinkRequest {
  url: string
  headers: http.IncomingHttpHeaders
  rawHeaders: string[]
  body: string
  json: any
  at: number
}

/**
 * Web-hook receiver like the capture's: /ok -> 200, /fail -> 500, /slow?ms=N -> 200 after N ms,
 * /slowfail?ms=N -> 500 after N ms.
 */
export class Sink {
  readonly requests: SinkRequest[] = []
  private waiters: Array<() => void> = []
  private readonly timers = new Set<NodeJS.Timeout>()

  private constructor(
    readonly server: http.Server,
    readonly port: number,
  ) {}

  static async start(): Promise<Sink> {
    let sink: Sink | undefined
    const server = http.createServer((req, res) => sink!.handle(req, res))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    sink = new Sink(server, (server.address() as AddressInfo).port)
    return sink
  }

  url(pathAndQuery: string): string {
    return `http://127.0.0.1:${this.port}${pathAndQuery}`
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString()
      let json: any
      try {
        json = JSON.parse(body)
      } catch {}
      this.requests.push({
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body,
        json,
        at: Date.now(),
      })
      for (const w of this.waiters) w()
      const u = new URL(req.url ?? '/', 'http://x')
      const status = u.pathname.includes('fail') ? 500 : 200
      const delay = Number(u.searchParams.get('ms') ?? 0)
      const t = setTimeout(() => {
        this.timers.delete(t)
        if (!res.destroyed) res.writeHead(status).end('ok')
      }, delay)
      this.timers.add(t)
    })
  }

  waitForCount(n: number, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.requests.length < n) return
        clearTimeout(timer)
        this.waiters = this.waiters.filter((w) => w !== check)
        resolve()
      }
      const timer = setTimeout(() => reject(new Error(`sink: ${this.requests.length}/${n} requests`)), timeoutMs)
      this.waiters.push(check)
      check()
    })
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t)
    this.server.closeAllConnections()
    await new Promise((r) => this.server.close(r))
  }
}

/** Recursive "same keys in the same order, same value types" description for comparisons. */
export function shapeOf(v: any): any {
  if (Array.isArray(v)) return v.length === 0 ? [] : [shapeOf(v[0])]
  if (v === null) return 'null'
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shapeOf(x)]))
  return typeof v
}

export const keysOf = (o: object): string[] => Object.keys(o)
