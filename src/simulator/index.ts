// XoSimulator: a loopback server that behaves like xo-server 5.207.2 as captured (JSON-RPC over
// WebSocket at /api/, `all` notifications, web-hooks and audit plugins, one-shot NDJSON downloads).
// Used by `npm start` (demo without XO) and as the test double of every test.
import { EventEmitter } from 'node:events'
import http from 'node:http'
import https from 'node:https'
import { randomBytes } from 'node:crypto'
import type { AddressInfo, Socket } from 'node:net'
import { WebSocketServer } from 'ws'
import type { AuditRecord } from './audit'
import { churn, type ChurnOptions, type ChurnResult } from './churn'
import { Core, type Download, type Session, type Upload } from './core'
import { toJsonRpcError } from './errors'
import { auditMethods } from './methods/audit'
import { backupMethods } from './methods/backup'
import { hostMethods } from './methods/host'
import { pluginMethods } from './methods/plugin'
import { sessionMethods } from './methods/session'
import { vmMethods } from './methods/vm'
import { hostPowerLoss } from './host-ops'
import { RpcConnection } from './rpc-connection'
import { takeVmBackup } from './vm-import'
import { guestShutdown } from './vm-power'

export type { AuditRecord } from './audit'
export type { ChurnBatch, ChurnOperation, ChurnOptions, ChurnResult } from './churn'

export interface SimulatorOptions {
  host?: string
  port?: number
  tls?: { key: string | Buffer; cert: string | Buffer }
  seed?: number
  size?: number
  timeScale?: number
  users?: Array<{ email: string; password: string; permission: 'admin' | 'none' }>
  log?: (line: string) => void
  /** how long a waitForResponse pre hook may delay a call (real ms, default 10 500 like XO) */
  webhookTimeoutMs?: number
  /**
   * Real ms between an object change and its `all` notification, drawn per batch in [min, max] (default [0, 4];
   * under 1 ms: at once): a call's post delivery and the update of its last step then arrive within a few ms,
   * either first, as from XO.
   */
  notificationLagMs?: number | [number, number]
  /**
   * The audit plugin records API calls from the start, as if configured `{active: true}` (default false: like a
   * fresh XO, it records nothing until `plugin.configure {id: 'audit', configuration: {active: true}}`).
   */
  audit?: boolean
  /**
   * The audit log keeps this many records at most, the oldest dropped past it (default: all, like XO). The shared
   * simulated XO plays its scenario for as long as Node-RED runs: its log must not grow without end.
   */
  auditMaxRecords?: number
}

export class XoSimulator extends EventEmitter {
  private readonly core: Core
  private readonly server: http.Server
  private readonly wss: WebSocketServer
  private readonly sockets = new Set<Socket>()
  private readonly connections = new Set<RpcConnection>()
  private readonly held = new Set<Socket>()
  private readonly downloads = new Map<string, Download>()
  private readonly uploads = new Map<string, Upload>()
  private frozen = false
  private host: string
  private currentUrl = ''
  private currentPort = 0

  private constructor(private readonly opts: SimulatorOptions) {
    super()
    const log = opts.log ?? (() => {})
    this.host = opts.host ?? '127.0.0.1'
    this.core = new Core({
      seed: opts.seed ?? 1,
      size: opts.size ?? 10,
      timeScale: opts.timeScale ?? 1,
      users: opts.users ?? [{ email: 'admin@admin.net', password: 'admin', permission: 'admin' }],
      webhookTimeoutMs: opts.webhookTimeoutMs ?? 10_500,
      notificationLagMs:
        typeof opts.notificationLagMs === 'number'
          ? [opts.notificationLagMs, opts.notificationLagMs]
          : (opts.notificationLagMs ?? [0, 4]),
      audit: opts.audit ?? false,
      auditMaxRecords: opts.auditMaxRecords,
      log,
    })
    for (const table of [sessionMethods, vmMethods, hostMethods, pluginMethods, auditMethods, backupMethods])
      this.core.register(table)
    this.core.on('call', (info) => this.emit('call', info))
    this.core.on('delivery', (delivery) => this.emit('delivery', delivery))
    this.core.on('userDeleted', (id: string) => {
      for (const c of this.connections) if (c.session.user?.id === id) c.close()
    })
    this.core.registerDownload = (download) => {
      // XO's registerHttpRequest: /api/ and 32 random bytes (base64url)
      const path = `/api/${download.token === 'hex' ? randomBytes(16).toString('hex') : randomBytes(32).toString('base64url')}`
      this.downloads.set(path, download)
      return path
    }
    this.core.registerUpload = (upload) => {
      const path = `/api/${randomBytes(32).toString('base64url')}`
      this.uploads.set(path, upload)
      return path
    }
    const handler: http.RequestListener = (req, res) => this.onRequest(req, res)
    this.server = opts.tls
      ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handler)
      : http.createServer(handler)
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
    this.server.on('secureConnection', (s: Socket) => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
    // xo-server's [apiWebSocketOptions]: permessage-deflate above 512 KiB
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: { threshold: 524288 } })
    this.server.on('upgrade', (req, socket: Socket, head) => this.onUpgrade(req, socket, head))
  }

  static async start(opts: SimulatorOptions = {}): Promise<XoSimulator> {
    const sim = new XoSimulator(opts)
    await sim.listen(opts.port ?? 0)
    return sim
  }

  /** 'http://127.0.0.1:PORT' (https with tls) */
  get url(): string {
    return this.currentUrl
  }

  get port(): number {
    return this.currentPort
  }

  get objects(): ReadonlyMap<string, any> {
    return this.core.store.objects
  }

  /** Same as token.create for that user (expiresInMs may be below XO's 1 min minimum, for tests). */
  issueToken(email: string, opts: { expiresInMs?: number } = {}): string {
    const user = this.core.auth.findByEmail(email)
    if (user === undefined) throw new Error(`unknown user ${email}`)
    return this.core.auth.createToken(user.id, { expiresIn: opts.expiresInMs, unbounded: true }).id
  }

  /** The audit plugin's records, newest first (the simulator's own objects: do not change them). */
  auditRecords(): readonly AuditRecord[] {
    return [...this.core.audit.getFrom()]
  }

  /** Runs a method as that user (default: the first admin) through the whole pipeline (hooks, notifications). */
  async invoke(method: string, params: Record<string, unknown>, asEmail?: string): Promise<unknown> {
    const users = [...this.core.auth.users.values()]
    const user =
      asEmail === undefined ? users.find((u) => u.permission === 'admin') : this.core.auth.findByEmail(asEmail)
    if (user === undefined) throw new Error(`unknown user ${asEmail}`)
    const session: Session = { user, ip: '127.0.0.1' }
    try {
      return await this.core.call(session, method, params)
    } catch (err) {
      // same information as the JSON-RPC error a WebSocket client would get
      const e = toJsonRpcError(err, user.permission === 'admin')
      throw Object.assign(new Error(String(e.message)), { code: e.code, data: e.data })
    }
  }

  /**
   * The guest OS of a running VM shuts itself down: no API call, no web-hook, no task; one `all` notification
   * batch like the end of vm.stop (host, VBDs, VIFs, VM Halted without guest data). Throws unless the VM runs.
   */
  async guestShutdown(vmId: string): Promise<void> {
    await shownFirst()
    guestShutdown(this.core.xapi, this.core.xapi.get(vmId, 'VM'))
  }

  /**
   * A host lost without any API call (power cut, crash): no web-hook, no task. First the host alone, with
   * power_state 'Halted' (not live); ~1 s later (scaled) its resident VMs, each Halted like at the end of
   * vm.stop, then its control domain. Resolves once the VMs are halted. `host.start` brings the host back.
   */
  async hostPowerLoss(hostId: string): Promise<void> {
    await shownFirst()
    return hostPowerLoss(this.core.xapi, this.core.xapi.get(hostId, 'host'))
  }

  /**
   * XO loses its connection to a pool (`server.disable`, or the pool master unreachable): every object of the
   * pool leaves in one `exit` batch, as captured (notifications.fake-xapi.json, "server.disable"). No web-hook.
   * `reconnectPool` brings them back as they were, in one `enter` batch, the pool first.
   */
  async disconnectPool(poolId: string): Promise<void> {
    await shownFirst()
    const objects = [...this.core.store.objects.values()].filter((o) => o.id === poolId || o.$pool === poolId)
    if (!objects.some((o) => o.id === poolId && o.type === 'pool')) throw new Error(`disconnectPool: no pool ${poolId}`)
    this.#disconnected.set(poolId, objects)
    for (const o of objects) this.core.store.remove(o.id)
  }

  async reconnectPool(poolId: string): Promise<void> {
    const objects = this.#disconnected.get(poolId)
    if (!objects) throw new Error(`reconnectPool: pool ${poolId} is not disconnected`)
    this.#disconnected.delete(poolId)
    await shownFirst()
    for (const o of [...objects].sort((a, b) => Number(b.type === 'pool') - Number(a.type === 'pool')))
      this.core.store.add(o)
  }

  readonly #disconnected = new Map<string, any[]>()

  /**
   * A full backup of the VM (or snapshot) as it is now, on the simulator's backup remote, as if a backup job had
   * run earlier (no API call, no web-hook, no notification). Returns the backup's id for
   * `backupNg.importVmBackup {id, sr, settings: {}}`; `backupNg.listVmBackups` lists it.
   */
  takeVmBackup(vmId: string): string {
    const vm = this.core.xapi.get(vmId, ['VM', 'VM-snapshot'], 'VM')
    return takeVmBackup(this.core.xapi, this.core.backups, vm).id
  }

  /**
   * A busy pool's background activity, for load tests: `updates` changes of existing objects (VMs started and
   * stopped with their host, VBDs and VIFs, live migrations, tags, running operations, host memory and
   * maintenance, disk usage), whole objects in `all` notifications of `minBatch`-`maxBatch` objects, through the
   * same store and batching as real operations. Paced by `options.pace`, else XAPI's 200 ms (scaled).
   */
  churn(options: ChurnOptions): Promise<ChurnResult> {
    return churn(this.core, options)
  }

  /** Whether the simulator's listening socket alone keeps the process running (Node-RED's own server does). */
  keepsProcessAlive(on: boolean): void {
    if (on) this.server.ref()
    else this.server.unref()
  }

  dropConnections(): void {
    for (const ws of this.wss.clients) ws.terminate()
  }

  freeze(on: boolean): void {
    this.frozen = on
    if (!on) {
      for (const s of this.held) s.destroy() // upgrades that arrived while frozen never completed
      this.held.clear()
    }
  }

  async restart(): Promise<void> {
    await this.close()
    await this.listen(this.port)
  }

  /** XO down: every connection closed and the port no longer listening; `invoke` still changes the state. */
  async suspend(): Promise<void> {
    await this.close()
  }

  /** XO back on the same port, with everything that changed meanwhile. */
  async resume(): Promise<void> {
    if (!this.server.listening) await this.listen(this.port)
  }

  async stop(): Promise<void> {
    this.core.stop()
    await this.close()
    this.wss.close()
    this.downloads.clear()
    this.uploads.clear()
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, this.host, () => {
        this.server.off('error', reject)
        this.currentPort = (this.server.address() as AddressInfo).port
        const host = this.host.includes(':') ? `[${this.host}]` : this.host
        this.currentUrl = `${this.opts.tls ? 'https' : 'http'}://${host}:${this.currentPort}`
        resolve()
      })
    })
  }

  private close(): Promise<void> {
    this.frozen = false
    for (const ws of this.wss.clients) ws.terminate()
    for (const s of this.held) s.destroy()
    this.held.clear()
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    for (const s of this.sockets) s.destroy()
    return this.server.listening ? closed : Promise.resolve()
  }

  private onUpgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => {})
    if (this.frozen) {
      this.held.add(socket)
      return
    }
    if (req.url !== '/api/') {
      // xo-server only upgrades the exact path /api/
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const ip = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '')
      const conn = new RpcConnection(ws, this.core, ip, () => this.frozen)
      this.connections.add(conn)
      ws.on('close', () => this.connections.delete(conn))
    })
  }

  /**
   * A one-shot upload (`$sendTo` of vm.import): the body is read to its end (its bytes counted, not kept), then
   * the upload's work runs and its result is the JSON answer; an error is a 500 with its message. An upload cut
   * short does nothing.
   */
  private receive(req: http.IncomingMessage, res: http.ServerResponse, upload: Upload): void {
    let bytes = 0
    req.on('data', (chunk: Buffer) => (bytes += chunk.length))
    req.on('error', () => {})
    req.on('end', () => {
      upload.receive(bytes).then(
        (result) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result)),
        (error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String((error as Error).message)),
      )
    })
  }

  /**
   * One-shot unauthenticated downloads (`$getFrom` of xo.getAllObjects and audit.getRecords {ndjson: true}):
   * produced as the client reads them (back-pressure), given up when it goes away.
   */
  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.frozen) return
    if ((req.method === 'PUT' || req.method === 'POST') && req.url !== undefined && this.uploads.has(req.url)) {
      const upload = this.uploads.get(req.url)!
      this.uploads.delete(req.url)
      this.receive(req, res, upload)
      return
    }
    const download = req.method === 'GET' && req.url !== undefined ? this.downloads.get(req.url) : undefined
    if (download === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found')
      return
    }
    this.downloads.delete(req.url!)
    let chunks: Iterator<string>
    try {
      chunks = download.chunks()[Symbol.iterator]()
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String((error as Error).message))
      return
    }
    res.writeHead(200, { 'content-type': download.contentType })
    let done = false
    const finish = (): void => {
      if (done) return
      done = true
      chunks.return?.()
    }
    res.once('close', finish)
    const pump = (): void => {
      try {
        while (!done) {
          const next = chunks.next()
          if (next.done === true) {
            done = true
            res.end()
            return
          }
          if (!res.write(next.value)) return void res.once('drain', pump)
        }
      } catch (error) {
        finish()
        res.destroy(error as Error)
      }
    }
    pump()
  }
}

/**
 * What happens outside XO happens after XO has shown what came before: the changes of the current tick (an API
 * call that just returned) are flushed as their own batch first, instead of being coalesced with the new state.
 */
const shownFirst = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
