import { EventEmitter } from 'node:events'
import { backoffDelay, type BackoffPolicy, DEFAULT_BACKOFF } from './backoff'
import { describeNetworkError, toXoApiError, XoApiError, XoConnectionError, XoProtocolError, XO_ERROR } from './errors'
import { describeValue, isRecord, JsonRpcSocket, preview } from './json-rpc'
import { type DownloadOptions, type DownloadResult, NdjsonDownloader, type TlsOptions } from './ndjson'
import { emitSafely } from './safe-emit'
import { parseXoUrl, type XoEndpoint } from './url'
import { objectProblem } from './xo-object'

/** The public user XO returns from `session.signIn` / `session.getUser`. */
export interface XoUser {
  id: string
  email: string
  groups: string[]
  permission: string
  preferences: Record<string, unknown>
}

export type XoCredentials = { token: string } | { email: string; password: string }

/** `params` of XO's `all` notification: `enter` = added or updated (whole objects), `exit` = removed. */
export interface XoObjectsNotification {
  type: 'enter' | 'exit'
  items: Record<string, unknown>
}

export interface XoConnectionOptions {
  /** what the user typed: http(s)/ws(s), with or without `/api/` */
  url: string
  credentials: XoCredentials
  /**
   * Where XO is, asked before every connection attempt, over `url` and `credentials` (an XO that starts on
   * demand, such as the package's simulated XO, whose address is known once it listens).
   */
  locate?: () => Promise<{ url: string; credentials: XoCredentials }>
  /** PEM of a CA (or of the self-signed certificate itself) to trust for this connection only */
  ca?: string
  /** accept any certificate for this connection only (self-signed XOA); never process-wide */
  allowSelfSigned?: boolean
  /** XO has no ping: a cheap call every this many ms proves the socket is alive */
  heartbeatMs?: number
  heartbeatTimeoutMs?: number
  /** bound on the WebSocket/TLS handshake and on each sign-in step */
  connectTimeoutMs?: number
  backoff?: BackoffPolicy
  /** XO throttles password attempts: after wrong credentials, wait this long before trying again */
  authRetryMs?: number
  random?: () => number
}

export type XoConnectionState =
  | { status: 'idle' }
  | { status: 'connecting'; attempt: number }
  | {
      status: 'connected'
      user: XoUser
      serverVersion: string /** frames XO should not have sent, since sign-in */
      badFrames?: number
    }
  | { status: 'auth-failed'; reason: string; retryInMs: number }
  | { status: 'unreachable'; reason: string; retryInMs: number }
  | { status: 'closed' }

export interface XoConnectedInfo {
  user: XoUser
  serverVersion: string
  /** true when this is a reconnection: what was derived from the object stream must be resynchronised */
  resumed: boolean
}

export interface XoConnectionEvents {
  state: [XoConnectionState]
  connected: [XoConnectedInfo]
  disconnected: [string]
  notification: [XoObjectsNotification]
  /** something went wrong that changes no state: a frame XO should not have sent, a listener that failed */
  warning: [string]
}

// Methods that would change the shared session under every node using this connection.
const SESSION_METHODS = /^session\.(signIn|signOut|signInWithPassword|signInWithToken)$/

/**
 * One signed-in JSON-RPC connection to xo-server, kept alive for as long as it is started: it reconnects after
 * any drop with capped exponential backoff and jitter, detects half-open sockets with a heartbeat call, and
 * signs in again after every reconnection. It knows nothing of Node-RED.
 */
export class XoConnection extends EventEmitter<XoConnectionEvents> {
  #endpoint: XoEndpoint
  #options: Required<Omit<XoConnectionOptions, 'ca' | 'allowSelfSigned' | 'locate'>> &
    Pick<XoConnectionOptions, 'ca' | 'allowSelfSigned' | 'locate'>
  #state: XoConnectionState = { status: 'idle' }
  #client: JsonRpcSocket | undefined
  #running = false
  #attempt = 0
  #everConnected = false
  #retryTimer: NodeJS.Timeout | undefined
  #currentAttempt: symbol | undefined
  /** the socket of an attempt still signing in: stop() must not wait for it */
  #signingIn: JsonRpcSocket | undefined
  #heartbeatTimer: NodeJS.Timeout | undefined
  #badFramesShownAt = 0
  #downloads: NdjsonDownloader | undefined

  constructor(options: XoConnectionOptions) {
    super()
    this.#endpoint = parseXoUrl(options.url)
    this.#options = {
      heartbeatMs: 30_000,
      heartbeatTimeoutMs: 10_000,
      connectTimeoutMs: 15_000,
      backoff: DEFAULT_BACKOFF,
      authRetryMs: 5 * 60_000,
      random: Math.random,
      ...options,
    }
    // Many nodes may listen to one connection; that is by design, not a leak.
    this.setMaxListeners(0)
  }

  /** Where XO's API is (for a located XO: as of the last connection attempt). */
  get endpoint(): XoEndpoint {
    return this.#endpoint
  }

  get state(): XoConnectionState {
    return this.#state
  }

  /** This connection's own TLS settings, for the other requests it makes (e.g. NDJSON downloads). */
  get tls(): TlsOptions {
    return { ca: this.#options.ca, allowSelfSigned: this.#options.allowSelfSigned }
  }

  /**
   * Streams an NDJSON download XO handed out (`$getFrom` of `xo.getAllObjects` or `audit.getRecords`), over HTTP(S)
   * with this connection's TLS settings; `onItem` answering false ends it early.
   */
  download(
    getFrom: string,
    onItem: (item: unknown) => boolean | void,
    options?: DownloadOptions,
  ): Promise<DownloadResult> {
    this.#downloads ??= new NdjsonDownloader(this.tls)
    return this.#downloads.fetch(this.#endpoint.httpBase + getFrom, onItem, options)
  }

  get isConnected(): boolean {
    return this.#state.status === 'connected'
  }

  /** Opens the connection (once); it then stays up, reconnecting on its own, until `stop()`. */
  start(): void {
    if (this.#running) return
    this.#running = true
    this.#attempt = 0
    void this.#connect()
  }

  /** Closes the socket and every timer; resolves once the socket is closed. */
  async stop(): Promise<void> {
    this.#running = false
    this.#currentAttempt = undefined
    this.#signingIn?.terminate()
    clearTimeout(this.#retryTimer)
    this.#stopHeartbeat()
    const client = this.#client
    this.#client = undefined
    this.#setState({ status: 'closed' })
    const downloads = this.#downloads
    this.#downloads = undefined
    void downloads?.close()
    // A graceful close signs the session out on XO; a peer that no longer answers is cut off after a second.
    if (client) await client.close()
  }

  /** Resolves true once signed in (at once if already), false after `timeoutMs` or when `signal` aborts. */
  whenConnected(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.isConnected) return Promise.resolve(true)
    if (signal?.aborted || !(timeoutMs > 0)) return Promise.resolve(false)
    return new Promise((resolve) => {
      const finish = (connected: boolean) => {
        clearTimeout(timer)
        this.off('connected', onConnected)
        signal?.removeEventListener('abort', onAbort)
        resolve(connected)
      }
      const onConnected = () => finish(true)
      const onAbort = () => finish(false)
      const timer = setTimeout(() => finish(false), timeoutMs)
      this.on('connected', onConnected)
      signal?.addEventListener('abort', onAbort)
    })
  }

  /** Calls an XO API method on the shared, signed-in session. */
  async call<T = unknown>(method: string, params: Record<string, unknown> = {}, timeoutMs = 0): Promise<T> {
    if (SESSION_METHODS.test(method)) {
      throw new XoConnectionError(`${method} cannot be called on a shared connection`)
    }
    const client = this.#client
    if (!client || this.#state.status !== 'connected') {
      throw new XoConnectionError(`not connected to XO (${this.#state.status})`)
    }
    return (await this.#rawCall(client, method, params, timeoutMs)) as T
  }

  async #connect(): Promise<void> {
    this.#setState({ status: 'connecting', attempt: this.#attempt })
    const attempt = Symbol('attempt')
    this.#currentAttempt = attempt
    const stale = () => !this.#running || this.#currentAttempt !== attempt
    const { connectTimeoutMs } = this.#options
    let socket: JsonRpcSocket | undefined
    // Until signed in, anything that is not XO's JSON-RPC ends the attempt: this is not an XO API.
    let refuse: (error: Error) => void = () => {}
    const refused = new Promise<never>((_, reject) => (refuse = reject))
    refused.catch(() => {})
    const onProtocolError = (reason: string) => refuse(new XoProtocolError(`not an XO API: ${reason}`))
    // XO notifies signed-in sessions only, and only with well-formed "all" notifications (the ones that come
    // between the sign-in and the end of the attempt are not needed: the objects are loaded afterwards).
    let signInSent = false
    const onNotification = (method: string, params: unknown) => {
      if (!signInSent || socket?.isAwaiting('session.signIn'))
        return onProtocolError(`a notification (${preview(method)}) before signing in`)
      const problem = method === 'all' ? notificationProblem(params) : undefined
      if (problem) onProtocolError(`a malformed "all" notification: ${problem}`)
    }
    try {
      let credentials = this.#options.credentials
      if (this.#options.locate) {
        const where = await this.#options.locate()
        if (stale()) return
        this.#endpoint = parseXoUrl(where.url)
        credentials = where.credentials
      }
      socket = new JsonRpcSocket(this.#endpoint.wsUrl, this.#socketOptions())
      socket.on('protocol-error', onProtocolError)
      socket.on('notification', onNotification)
      this.#signingIn = socket
      await socket.opened
      if (stale()) return void socket.close()
      const signIn = this.#rawCall(socket, 'session.signIn', { ...credentials }, connectTimeoutMs)
      signInSent = true
      const answer = await Promise.race([signIn, refused])
      // Statuses and logs show the user: an answer that is not one is not XO's.
      const user = asUser(answer)
      if (!user)
        throw new XoProtocolError(`not an XO API: session.signIn answered ${describeValue(answer)} instead of a user`)
      const version = this.#rawCall(socket, 'system.getServerVersion', {}, connectTimeoutMs)
      const serverVersion = await Promise.race([version, refused])
      if (typeof serverVersion !== 'string') {
        throw new XoProtocolError(
          `not an XO API: system.getServerVersion answered ${describeValue(serverVersion)} instead of a version`,
        )
      }
      socket.off('protocol-error', onProtocolError)
      socket.off('notification', onNotification)
      this.#signingIn = undefined
      if (stale()) return void socket.close()
      if (!socket.isOpen) throw new XoConnectionError('connection lost')
      this.#adopt(socket)
      this.#attempt = 0
      this.#setState({ status: 'connected', user, serverVersion })
      this.#startHeartbeat(socket)
      const resumed = this.#everConnected
      this.#everConnected = true
      this.#emitSafely('connected', { user, serverVersion, resumed })
    } catch (error) {
      socket?.off('protocol-error', onProtocolError)
      socket?.off('notification', onNotification)
      if (this.#signingIn === socket) this.#signingIn = undefined
      void socket?.close()
      if (stale()) return
      if (error instanceof XoApiError && error.code === XO_ERROR.invalidCredentials) {
        this.#scheduleRetry({ status: 'auth-failed', reason: error.message, retryInMs: this.#options.authRetryMs })
      } else {
        const reason =
          error instanceof XoApiError || error instanceof XoProtocolError ? error.message : describeNetworkError(error)
        this.#scheduleRetry({ status: 'unreachable', reason, retryInMs: this.#nextDelay() })
      }
    }
  }

  #socketOptions() {
    const { ca, allowSelfSigned, connectTimeoutMs } = this.#options
    return {
      // TLS options of this socket only: verification stays on unless this connection says otherwise.
      rejectUnauthorized: !allowSelfSigned,
      ...(ca ? { ca } : {}),
      handshakeTimeout: connectTimeoutMs,
      maxPayload: MAX_FRAME_BYTES,
      // XO answers without compression; not negotiating it keeps ws from spending memory on zlib contexts.
      perMessageDeflate: false,
    }
  }

  /** The signed-in socket becomes the connection's: its notifications, warnings and close now matter. */
  #adopt(socket: JsonRpcSocket): void {
    this.#client = socket
    socket.on('notification', (method, params) => {
      if (method !== 'all' || this.#client !== socket) return
      if (!isObjectsNotification(params))
        return this.#onBadFrame(socket, `a malformed "all" notification: ${notificationProblem(params)}`)
      // One malformed object is one bad frame; the others of the notification still count.
      const { notification, problem } = withoutMalformedObjects(params)
      if (problem) this.#onBadFrame(socket, problem)
      if (notification) this.#emitSafely('notification', notification)
    })
    socket.on('protocol-error', (reason) => this.#onBadFrame(socket, reason))
    socket.once('close', (reason) => this.#onClosed(socket, reason))
  }

  /**
   * Something XO answered that a user of the connection found is not what XO answers (an inventory that is not one):
   * logged and counted like the frames the connection refuses itself.
   */
  reportBadFrame(reason: string): void {
    const client = this.#client
    if (client) this.#onBadFrame(client, reason)
  }

  /** A frame that is not XO's JSON-RPC, after sign-in: logged, counted in the state (shown every few seconds). */
  #onBadFrame(socket: JsonRpcSocket, reason: string): void {
    this.#warn(`XO sent ${reason}`)
    const state = this.#state
    if (this.#client !== socket || state.status !== 'connected') return
    const badFrames = (state.badFrames ?? 0) + 1
    const now = Date.now()
    const shown = now - this.#badFramesShownAt >= BAD_FRAMES_STATUS_MS
    if (shown) this.#badFramesShownAt = now
    // The count always grows; the state event (a status on every node) is coalesced against a flood of garbage.
    if (shown) this.#setState({ ...state, badFrames })
    else this.#state = { ...state, badFrames }
  }

  #onClosed(socket: JsonRpcSocket, reason: string): void {
    if (this.#client !== socket || !this.#running) return
    this.#client = undefined
    this.#stopHeartbeat()
    this.#emitSafely('disconnected', reason)
    this.#scheduleRetry({ status: 'unreachable', reason: 'connection lost', retryInMs: this.#nextDelay() })
  }

  #scheduleRetry(state: Extract<XoConnectionState, { retryInMs: number }>): void {
    this.#setState(state)
    clearTimeout(this.#retryTimer)
    this.#retryTimer = setTimeout(() => void this.#connect(), state.retryInMs)
  }

  #nextDelay(): number {
    return backoffDelay(this.#attempt++, this.#options.backoff, this.#options.random)
  }

  #startHeartbeat(socket: JsonRpcSocket): void {
    const { heartbeatMs, heartbeatTimeoutMs } = this.#options
    if (!(heartbeatMs > 0)) return
    const beat = async () => {
      try {
        await this.#rawCall(socket, 'system.getServerVersion', {}, heartbeatTimeoutMs)
      } catch (error) {
        // An XO error, or an answer that is not XO's (counted as a bad frame), still proves the socket is alive;
        // silence or a dead socket does not.
        if (!(error instanceof XoApiError) && !(error instanceof XoProtocolError)) {
          if (this.#client === socket) socket.terminate()
          return
        }
      }
      if (this.#client === socket) this.#heartbeatTimer = setTimeout(beat, heartbeatMs)
    }
    this.#heartbeatTimer = setTimeout(beat, heartbeatMs)
  }

  #stopHeartbeat(): void {
    clearTimeout(this.#heartbeatTimer)
    this.#heartbeatTimer = undefined
  }

  async #rawCall(socket: JsonRpcSocket, method: string, params: Record<string, unknown>, timeoutMs: number) {
    try {
      return await socket.call(method, params, timeoutMs)
    } catch (error) {
      throw toXoApiError(method, error)
    }
  }

  #setState(state: XoConnectionState): void {
    this.#state = state
    this.#emitSafely('state', state)
  }

  #warn(message: string): void {
    // A listener of warnings that throws has nowhere left to report to.
    emitSafely(this, 'warning', [message], () => {})
  }

  /** Listeners are nodes' code: one that throws is reported, and neither stops the others nor this connection. */
  #emitSafely<E extends keyof XoConnectionEvents>(event: E, ...args: XoConnectionEvents[E]): void {
    emitSafely(this, event, args, (error) =>
      this.#warn(`a ${event} listener failed: ${(error as Error)?.message ?? error}`),
    )
  }
}

const BAD_FRAMES_STATUS_MS = 5000

// XO sends whole objects in one frame; a full inventory (the NDJSON download is used for that) stays far below.
const MAX_FRAME_BYTES = 512 * 1024 * 1024

function isObjectsNotification(params: unknown): params is XoObjectsNotification {
  return notificationProblem(params) === undefined
}

/** What is wrong with the params of an "all" notification (undefined: nothing). */
function notificationProblem(params: unknown): string | undefined {
  if (!isRecord(params)) return `params are ${describeValue(params)}`
  const { type, items } = params
  if (type !== 'enter' && type !== 'exit') return `type is ${describeValue(type)}`
  if (!isRecord(items)) return `items are ${describeValue(items)}`
  return undefined
}

/**
 * An "enter" notification without the items that are not XO objects (XO sends whole objects; an "exit" carries ids
 * only, its values mean nothing). `problem` says what was left out; `notification` is undefined when nothing is left.
 */
function withoutMalformedObjects(params: XoObjectsNotification): {
  notification?: XoObjectsNotification
  problem?: string
} {
  if (params.type !== 'enter') return { notification: params }
  let kept: Record<string, unknown> | undefined
  let skipped = 0
  let first: string | undefined
  const ids = Object.keys(params.items)
  for (let i = 0; i < ids.length; i++) {
    const object = params.items[ids[i]]
    const problem = objectProblem(object)
    if (problem === undefined) {
      if (kept) kept[ids[i]] = object
      continue
    }
    // Copied only when something is left out: well-formed notifications go on as they came.
    if (!kept) {
      kept = {}
      for (let j = 0; j < i; j++) kept[ids[j]] = params.items[ids[j]]
    }
    skipped++
    first ??= problem
  }
  if (!kept) return { notification: params }
  const problem = `an "all" notification with ${skipped} malformed object(s), left out: ${first}`
  return Object.keys(kept).length ? { notification: { type: 'enter', items: kept }, problem } : { problem }
}

/** The public user XO answers `session.signIn` with; undefined when the answer is not one. */
function asUser(value: unknown): XoUser | undefined {
  if (!isRecord(value) || typeof value.id !== 'string' || typeof value.email !== 'string') return undefined
  const { groups = [], permission = '', preferences = {} } = value
  if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string')) return undefined
  if (typeof permission !== 'string' || !isRecord(preferences)) return undefined
  return { ...value, id: value.id, email: value.email, groups, permission, preferences }
}
