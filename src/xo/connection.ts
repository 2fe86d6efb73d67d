import { EventEmitter } from 'node:events'
import { JsonRpcWebSocketClient } from 'jsonrpc-websocket-client'
import { backoffDelay, BackoffPolicy, DEFAULT_BACKOFF } from './backoff'
import { describeNetworkError, toXoApiError, XoApiError, XoConnectionError, XO_ERROR } from './errors'
import type { TlsOptions } from './ndjson'
import { parseXoUrl } from './url'

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
  | { status: 'connected'; user: XoUser; serverVersion: string }
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
}

// Methods that would change the shared session under every node using this connection.
const SESSION_METHODS = /^session\.(signIn|signOut|signInWithPassword|signInWithToken)$/

/**
 * One signed-in JSON-RPC connection to xo-server, kept alive for as long as it is started: it reconnects after
 * any drop with capped exponential backoff and jitter, detects half-open sockets with a heartbeat call, and
 * signs in again after every reconnection. It knows nothing of Node-RED.
 */
export class XoConnection extends EventEmitter<XoConnectionEvents> {
  readonly endpoint: ReturnType<typeof parseXoUrl>
  #options: Required<Omit<XoConnectionOptions, 'ca' | 'allowSelfSigned'>> & Pick<XoConnectionOptions, 'ca' | 'allowSelfSigned'>
  #state: XoConnectionState = { status: 'idle' }
  #client: JsonRpcWebSocketClient | undefined
  #running = false
  #attempt = 0
  #everConnected = false
  #retryTimer: NodeJS.Timeout | undefined
  #heartbeatTimer: NodeJS.Timeout | undefined

  constructor(options: XoConnectionOptions) {
    super()
    this.endpoint = parseXoUrl(options.url)
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

  get state(): XoConnectionState {
    return this.#state
  }

  /** This connection's own TLS settings, for the other requests it makes (e.g. NDJSON downloads). */
  get tls(): TlsOptions {
    return { ca: this.#options.ca, allowSelfSigned: this.#options.allowSelfSigned }
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
    clearTimeout(this.#retryTimer)
    this.#stopHeartbeat()
    const client = this.#client
    this.#client = undefined
    this.#setState({ status: 'closed' })
    if (client) await closeClient(client)
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
    const client = this.#createClient()
    this.#client = client
    const stale = () => !this.#running || this.#client !== client
    const { connectTimeoutMs } = this.#options
    try {
      await withTimeout(client.open(), connectTimeoutMs, 'connection timed out')
      if (stale()) return void closeClient(client)
      const user = (await this.#rawCall(client, 'session.signIn', { ...this.#options.credentials }, connectTimeoutMs)) as XoUser
      const serverVersion = String(await this.#rawCall(client, 'system.getServerVersion', {}, connectTimeoutMs))
      if (stale()) return void closeClient(client)
      this.#attempt = 0
      this.#setState({ status: 'connected', user, serverVersion })
      this.#startHeartbeat(client)
      const resumed = this.#everConnected
      this.#everConnected = true
      this.emit('connected', { user, serverVersion, resumed })
    } catch (error) {
      if (stale()) return
      this.#client = undefined
      void closeClient(client)
      if (error instanceof XoApiError && error.code === XO_ERROR.invalidCredentials) {
        this.#scheduleRetry({ status: 'auth-failed', reason: error.message, retryInMs: this.#options.authRetryMs })
      } else {
        const reason = error instanceof XoApiError ? error.message : describeNetworkError(unwrap(error))
        this.#scheduleRetry({ status: 'unreachable', reason, retryInMs: this.#nextDelay() })
      }
    }
  }

  #createClient(): JsonRpcWebSocketClient {
    const { ca, allowSelfSigned, connectTimeoutMs } = this.#options
    const client = new JsonRpcWebSocketClient({
      url: this.endpoint.wsUrl,
      // TLS options of this socket only: verification stays on unless this connection says otherwise.
      rejectUnauthorized: !allowSelfSigned,
      ...(ca ? { ca } : {}),
      handshakeTimeout: connectTimeoutMs,
      maxPayload: 512 * 1024 * 1024,
    })
    // Socket errors after open are re-emitted here; without a listener they would crash Node-RED.
    client.on('error', () => {})
    client.on('notification', (message) => {
      if (message.method === 'all' && this.#client === client && this.isConnected) {
        this.emit('notification', message.params as XoObjectsNotification)
      }
    })
    client.on('closed', () => this.#onClosed(client))
    return client
  }

  #onClosed(client: JsonRpcWebSocketClient): void {
    // Only a drop of the established session matters here; failed attempts are handled by #connect.
    if (this.#client !== client || !this.#running || this.#state.status !== 'connected') return
    this.#client = undefined
    this.#stopHeartbeat()
    this.emit('disconnected', 'connection lost')
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

  #startHeartbeat(client: JsonRpcWebSocketClient): void {
    const { heartbeatMs, heartbeatTimeoutMs } = this.#options
    if (!(heartbeatMs > 0)) return
    const beat = async () => {
      try {
        await this.#rawCall(client, 'system.getServerVersion', {}, heartbeatTimeoutMs)
      } catch (error) {
        // An XO error still proves the socket is alive; silence or a dead socket does not.
        if (!(error instanceof XoApiError) && this.#client === client) terminate(client)
        return
      }
      if (this.#client === client) this.#heartbeatTimer = setTimeout(beat, heartbeatMs)
    }
    this.#heartbeatTimer = setTimeout(beat, heartbeatMs)
  }

  #stopHeartbeat(): void {
    clearTimeout(this.#heartbeatTimer)
    this.#heartbeatTimer = undefined
  }

  async #rawCall(client: JsonRpcWebSocketClient, method: string, params: Record<string, unknown>, timeoutMs: number) {
    try {
      return await withTimeout(client.call(method, params), timeoutMs, `${method} timed out after ${timeoutMs} ms`)
    } catch (error) {
      throw toXoApiError(method, error)
    }
  }

  #setState(state: XoConnectionState): void {
    this.#state = state
    this.emit('state', state)
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  if (!(ms > 0)) return promise
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new XoConnectionError(message)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

// The client wraps errors of the first connection attempt as-is; ws errors carry the useful `code`.
function unwrap(error: unknown): unknown {
  return error instanceof XoConnectionError ? error : ((error as { error?: unknown })?.error ?? error)
}

/**
 * jsonrpc-websocket-client only offers a graceful close, which waits for the peer: a half-open socket would
 * hang it. ws's `terminate()` destroys the socket at once and still emits `close`, so pending calls fail.
 */
function terminate(client: JsonRpcWebSocketClient): void {
  const socket = (client as unknown as { _socket?: { terminate?: () => void } })._socket
  socket?.terminate?.()
}

async function closeClient(client: JsonRpcWebSocketClient): Promise<void> {
  client.removeAllListeners('notification')
  client.removeAllListeners('closed')
  // A graceful close signs the session out on XO; do not wait for a peer that no longer answers.
  const grace = setTimeout(() => terminate(client), 1000)
  try {
    await client.close()
  } catch {
    terminate(client)
  } finally {
    clearTimeout(grace)
  }
}
