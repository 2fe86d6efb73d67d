import { EventEmitter } from 'node:events'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import https from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { refuse } from '../hooks/refuse'

export interface ListenerTls {
  key: string
  cert: string
}

/** What a listener serves: XO's deliveries by xo-hook node id, its health, its metrics. */
export interface ListenerRoutes {
  hook(nodeId: string, secret: string | undefined, req: IncomingMessage, res: ServerResponse): void
  /** whether `address` may read /healthz and /metrics */
  readable(address: string): boolean
  health(): unknown
  metrics(): Promise<{ contentType: string; body: string }>
}

export type ListenerState =
  | { status: 'starting' }
  | { status: 'listening'; port: number }
  | { status: 'failed'; reason: string; retryInMs: number }

export interface ListenerEvents {
  state: [ListenerState]
}

const HOOK_PATH = /^\/xo-hook\/([^/]+)(?:\/([^/]+))?\/?$/
// A port taken by another process may be freed: tried again this often, until the listener is closed.
const RETRY_MS = 5000

/**
 * The package's own HTTP(S) server for XO's deliveries: no Express, no body parser, nothing but the hook paths
 * (`/xo-hook/<node id>/<secret>`, handed to the xo-hook nodes, which read and check the body once), `/healthz` and
 * `/metrics`. A port in use is a state (said, retried), never an exception.
 */
export class HookListener extends EventEmitter<ListenerEvents> {
  #server: http.Server | https.Server | undefined
  #tls: ListenerTls | undefined
  #state: ListenerState = { status: 'starting' }
  #retry: NodeJS.Timeout | undefined
  #closed = false
  readonly #sockets = new Set<Socket>()

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly routes: ListenerRoutes,
  ) {
    super()
    this.setMaxListeners(0)
  }

  get state(): ListenerState {
    return this.#state
  }

  get secure(): boolean {
    return this.#tls !== undefined
  }

  /** Starts listening, or takes new TLS material (a certificate renewed, TLS turned on or off). */
  configure(tls: ListenerTls | undefined): void {
    const wasSecure = this.#tls !== undefined
    this.#tls = tls
    const server = this.#server
    if (server && wasSecure === (tls !== undefined)) {
      if (tls) (server as https.Server).setSecureContext({ key: tls.key, cert: tls.cert })
      return
    }
    // http <-> https: another server on the same port
    void this.#stopServer().then(() => this.#listen())
  }

  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#retry)
    await this.#stopServer()
    this.removeAllListeners()
  }

  #listen(): void {
    clearTimeout(this.#retry)
    if (this.#closed || this.#server) return
    const handler = (req: IncomingMessage, res: ServerResponse) => this.#handle(req, res)
    const tls = this.#tls
    const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler)
    // A client that never finishes its request does not hold a socket for long.
    server.requestTimeout = 30_000
    server.headersTimeout = 10_000
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket)
      socket.on('close', () => this.#sockets.delete(socket))
    })
    server.on('tlsClientError', () => {})
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (this.#server === server) this.#server = undefined
      const reason =
        error.code === 'EADDRINUSE'
          ? `port ${this.port} of ${this.host} is in use`
          : error.code === 'EACCES'
            ? `no permission to listen on port ${this.port} of ${this.host}`
            : error.code === 'EADDRNOTAVAIL'
              ? `${this.host} is not an address of this machine`
              : error.message
      this.#setState({ status: 'failed', reason, retryInMs: RETRY_MS })
      this.#retry = setTimeout(() => this.#listen(), RETRY_MS)
      this.#retry.unref?.()
    })
    server.listen(this.port, this.host, () => {
      server.on('error', () => {}) // after listening, socket errors are the sockets' own
      this.#setState({ status: 'listening', port: (server.address() as AddressInfo).port })
    })
    this.#server = server
  }

  async #stopServer(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    if (!server) return
    for (const socket of this.#sockets) socket.destroy()
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    try {
      const path = (req.url ?? '/').split('?')[0]
      const hook = HOOK_PATH.exec(path)
      if (hook)
        return this.routes.hook(
          decodeURIComponent(hook[1]),
          hook[2] === undefined ? undefined : decodeURIComponent(hook[2]),
          req,
          res,
        )
      if (path === '/healthz' || path === '/metrics') return void this.#serveReadable(path, req, res)
      refuse(req, res, 404)
    } catch {
      // a path that does not decode
      refuse(req, res, 400)
    }
  }

  async #serveReadable(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      return refuse(req, res, 405)
    }
    if (!this.routes.readable(req.socket.remoteAddress ?? '')) return refuse(req, res, 403)
    try {
      const { contentType, body } =
        path === '/healthz'
          ? { contentType: 'application/json', body: JSON.stringify(this.routes.health()) }
          : await this.routes.metrics()
      res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' })
      res.end(req.method === 'HEAD' ? undefined : body)
    } catch {
      refuse(req, res, 500)
    }
  }

  #setState(state: ListenerState): void {
    this.#state = state
    this.emit('state', state)
  }
}
