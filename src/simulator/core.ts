// Server-independent state and the API call pipeline (what xo-server's api mixin does per call):
// pre web-hook -> permission check -> parameter conveniences/validation -> handler -> reply + post hook.
import { EventEmitter } from 'node:events'
import { AuditPlugin } from './audit'
import { Auth, type User } from './auth'
import { Clock } from './clock'
import { METHODS_INFO } from './data/method-catalogue'
import { methodNotFound, notImplemented, serializeError, unauthorized } from './errors'
import { generateInventory } from './inventory'
import { applyConveniences, obfuscate, validateParams } from './params'
import { Rng } from './rng'
import { ObjectStore } from './store'
import { WebHooks } from './webhooks'
import type { VmBackup } from './vm-import'
import { Xapi } from './xapi'

// How long a reply waits for its post delivery to be taken (the capture's widest gap was 13 ms).
const POST_BEFORE_REPLY_MS = 15

/** One caller: a WebSocket connection, or sim.invoke(). */
export interface Session {
  user?: User
  ip: string
  /** token expiry (ms since epoch) when signed in with a token */
  expiration?: number
  /** set by the connection: called after session.signIn / signOut to (un)subscribe notifications */
  onUserChange?: () => void
}

export type Handler = (core: Core, session: Session, params: any) => unknown

export interface CoreOptions {
  seed: number
  size: number
  timeScale: number
  users: Array<{ email: string; password: string; permission: string }>
  webhookTimeoutMs: number
  /** real ms between an object change and its notification, drawn in this range for each batch */
  notificationLagMs: [number, number]
  /** the audit plugin starts configured {active: true} */
  audit: boolean
  /** the audit log's size at most (oldest records dropped); undefined: no limit */
  auditMaxRecords?: number
  log: (line: string) => void
}

/** A one-shot unauthenticated download (`$getFrom`), produced when fetched. */
export interface Download {
  contentType: string
  /** the body, chunk by chunk, read as the client takes it */
  chunks: () => Iterable<string>
  /** the random part of the path: XO's (32 bytes, base64url) by default */
  token?: 'xo' | 'hex'
}

/** A one-shot unauthenticated upload (`$sendTo`): `receive` runs once the body arrived, its result is the answer. */
export interface Upload {
  /** `bytes`: the size of the body received */
  receive: (bytes: number) => Promise<unknown>
}

export interface Job {
  id: string
  [key: string]: unknown
}

export class Core extends EventEmitter {
  readonly clock: Clock
  readonly rng: Rng
  readonly store: ObjectStore
  readonly auth: Auth
  readonly webhooks: WebHooks
  readonly xapi: Xapi
  readonly jobs = new Map<string, Job>()
  readonly schedules = new Map<string, { id: string; jobId: string; [k: string]: unknown }>()
  readonly runningJobs = new Set<string>()
  readonly audit: AuditPlugin
  readonly plugins: { audit: AuditPlugin; webHooks: { loaded: boolean | undefined; configuration: unknown } }
  readonly handlers = new Map<string, Handler>()
  /** Set by the HTTP server: registers a one-shot download, returns its path (/api/...). */
  registerDownload: (download: Download) => string = () => {
    throw new Error('no HTTP server')
  }
  /** Set by the HTTP server: registers a one-shot upload (PUT or POST), returns its path (/api/...). */
  registerUpload: (upload: Upload) => string = () => {
    throw new Error('no HTTP server')
  }
  /** The VM backups of the simulated remote, by id (backupNg.importVmBackup restores them). */
  readonly backups = new Map<string, VmBackup>()

  constructor(readonly opts: CoreOptions) {
    super()
    this.clock = new Clock(opts.timeScale)
    this.rng = new Rng(opts.seed)
    const [lagMin, lagMax] = opts.notificationLagMs
    this.store = new ObjectStore(() => lagMin + Math.random() * (lagMax - lagMin))
    // Its own sequence: ids of users must not repeat those of the inventory, drawn from the same seed.
    this.auth = new Auth(this.clock, new Rng(opts.seed + 0x5eed))
    for (const u of opts.users) this.auth.createUser(u.email, u.password, u.permission)
    const creator =
      [...this.auth.users.values()].find((u) => u.permission === 'admin') ?? [...this.auth.users.values()][0]
    generateInventory({ seed: opts.seed, size: opts.size, creatorUserId: creator?.id ?? '' }, (o) => this.store.load(o))
    // Observable by tests: every web-hook delivery with the receiver's answer.
    this.webhooks = new WebHooks(opts.webhookTimeoutMs, opts.log, (delivery) => this.emit('delivery', delivery))
    this.xapi = new Xapi(this)
    this.audit = new AuditPlugin(opts.audit, opts.auditMaxRecords)
    this.plugins = { audit: this.audit, webHooks: { loaded: undefined, configuration: undefined } }
  }

  /** Whether the API has this method now (a plugin's methods go away while it is unloaded). */
  hasMethod(method: string): boolean {
    if (METHODS_INFO[method] === undefined) return false
    return this.audit.loaded === true || !method.startsWith('audit.')
  }

  register(handlers: Record<string, Handler>): void {
    for (const [name, h] of Object.entries(handlers)) this.handlers.set(name, h)
  }

  /**
   * Runs one API call like xo-server: returns the result (undefined becomes true) or throws.
   * As captured (webhooks-scenarios.json), the post delivery goes out before the reply: its receiver had it before
   * the caller had the reply in 15 of 17 scenarios, by up to 13 ms. The object update of the call's last step
   * reaches the connections within the same few ms, either first (the store's lag).
   */
  async call(session: Session, method: string, rawParams: Record<string, unknown>): Promise<unknown> {
    if (!this.hasMethod(method)) throw methodNotFound(method) // no hooks for unknown methods
    const info = METHODS_INFO[method]
    this.emit('call', { method, params: rawParams, user: session.user?.email })
    const callId = Math.random().toString(36).slice(2)
    const userAtStart = session.user
    const hookParams = obfuscate(rawParams)
    const start = Date.now()
    await this.webhooks.pre(this.payload(callId, userAtStart, session.ip, method, hookParams, start))
    let result: unknown
    let error: unknown
    try {
      // permission: null = anyone, undefined = signed in, 'admin' = admins only
      if (info.permission !== null) {
        if (session.user === undefined) throw unauthorized()
        if (info.permission === 'admin' && session.user.permission !== 'admin') throw unauthorized('admin')
      }
      const params = applyConveniences(method, info.params, rawParams)
      validateParams(info.params, params)
      const handler = this.handlers.get(method)
      if (handler === undefined) throw notImplemented()
      result = await handler(this, session, params)
      if (result === undefined) result = true
    } catch (err) {
      error = err
    }
    // session.signIn's post payload carries the user who just signed in
    const user = method === 'session.signIn' && error === undefined ? session.user : userAtStart
    const end = Date.now()
    const post = this.payload(callId, user, session.ip, method, hookParams, end)
    post.duration = end - start
    if (error === undefined) post.result = result
    else post.error = serializeError(error)
    const delivered = this.webhooks.post(post)
    // The audit plugin listens to the same event (xo:postCall) as web-hooks. Its record's time is the call's end
    // (captured: that ms or the next), not what serialising the error or starting the deliveries takes here.
    this.audit.onPostCall(post, end)
    if (delivered) await Promise.race([delivered, this.clock.sleepReal(POST_BEFORE_REPLY_MS).catch(() => {})])
    if (error !== undefined) throw error
    return result
  }

  private payload(
    callId: string,
    user: User | undefined,
    ip: string,
    method: string,
    params: unknown,
    timestamp: number,
  ): Record<string, unknown> {
    const p: Record<string, unknown> = { callId }
    if (user !== undefined) p.userId = user.id
    p.userName = user?.email ?? '(unknown user)'
    p.userIp = ip
    p.method = method
    p.params = params
    p.timestamp = timestamp
    return p
  }

  stop(): void {
    this.clock.stop()
    this.store.stop()
    this.webhooks.abortAll()
  }
}
