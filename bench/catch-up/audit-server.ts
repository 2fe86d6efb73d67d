/**
 * XO's audit plugin as the catch-up sees it, in the bench's parent process (node:http on 127.0.0.1), over a tiny
 * API of its own rather than JSON-RPC over a WebSocket: `POST /rpc` with `{method, params}` answers `{result}` or
 * `{error}` (one round trip per call, the same for every variant), and `GET /api/<random>` is the one-shot NDJSON
 * download `audit.getRecords {ndjson: true}` registered, as XO's `$getFrom` URLs are.
 */
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AuditLog } from './audit-records'

// XO's default for audit.getRecords.
const DEFAULT_MAX_RECORDS = 10_000
// Lines are written in chunks of about this size: one write per record would make the server's (and the
// loopback's) cost per line, not the readers', what the figures show.
const CHUNK_BYTES = 64 * 1024

export interface AuditServer {
  url: string
  stop(): Promise<void>
}

interface Download {
  from: number
  to: number
}

type Rpc = (params: Record<string, unknown>) => unknown

export async function startAuditServer(log: AuditLog): Promise<AuditServer> {
  const downloads = new Map<string, Download>()
  const index = new Map(log.ids.map((id, i) => [id, i]))
  const methods: Record<string, Rpc> = {
    'plugin.get': () => [{ id: 'audit', loaded: true, configuration: { active: true } }],
    'audit.getRecords': (params) => {
      if (params.ndjson !== true) throw new Error('this stand-in only answers audit.getRecords with ndjson: true')
      // Newest first, starting AT `id` (inclusive), as XO walks its chain; an unknown id: an empty download.
      const from = params.id === undefined ? 0 : (index.get(String(params.id)) ?? log.lines.length)
      const max = params.maxRecords === null ? Infinity : Number(params.maxRecords ?? DEFAULT_MAX_RECORDS)
      const path = `/api/${randomBytes(32).toString('base64url')}`
      downloads.set(path, { from, to: Math.min(log.lines.length, from + max) })
      return { $getFrom: path }
    },
  }

  const rpc = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = ''
    req.setEncoding('utf8')
    for await (const chunk of req) body += chunk
    let reply: unknown
    try {
      const { method, params } = JSON.parse(body) as { method: string; params?: Record<string, unknown> }
      const handler = methods[method]
      if (!handler) throw Object.assign(new Error(`method not found: ${method}`), { code: -32601 })
      reply = { result: handler(params ?? {}) }
    } catch (error) {
      reply = { error: { message: (error as Error).message, code: (error as { code?: number }).code ?? -32000 } }
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply))
  }

  const download = async (res: http.ServerResponse, { from, to }: Download) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
    let chunk = ''
    for (let i = from; i < to; i++) {
      chunk += log.lines[i]
      if (chunk.length < CHUNK_BYTES && i < to - 1) continue
      // Back-pressure: the next chunk waits until the reader took this one (or went away).
      if (!res.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done).off('close', done)
            resolve()
          }
          res.on('drain', done).on('close', done)
        })
      }
      chunk = ''
      if (res.destroyed) return
    }
    res.end()
  }

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/'
    if (req.method === 'POST' && url === '/rpc') return void rpc(req, res)
    const registered = req.method === 'GET' ? downloads.get(url) : undefined
    if (!registered) return void res.writeHead(404).end()
    downloads.delete(url)
    void download(res, registered)
  })
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
