import { EventEmitter } from 'node:events'
import WebSocket, { type ClientOptions, type RawData } from 'ws'
import { XoConnectionError, XoProtocolError } from './errors'

/** An error XO answered to a call: `{code, message, data}` of the JSON-RPC error object. */
export class JsonRpcError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly data?: unknown,
  ) {
    super(message)
    this.name = 'JsonRpcError'
  }
}

export interface JsonRpcSocketEvents {
  /** a notification (a frame with a method and no id) */
  notification: [method: string, params: unknown]
  /** a frame JSON-RPC 2.0 does not allow, or that answers nothing asked: ignored, never answered */
  'protocol-error': [reason: string]
  /** the socket is closed; every pending call has been rejected */
  close: [reason: string]
}

interface Pending {
  method: string
  resolve: (result: unknown) => void
  reject: (error: Error) => void
  timer: NodeJS.Timeout | undefined
}

// Ids of calls given up on (timed out) whose late answers are expected, not protocol errors; bounded.
const ABANDONED_MAX = 1000
const PREVIEW_MAX = 60

/**
 * JSON-RPC 2.0 client over one WebSocket (ws 8), for xo-server's `/api/`. Whatever the server sends (not JSON,
 * binary, answers to unknown ids, malformed errors, requests), it never throws, never answers (a client that
 * answers garbage with error frames loops forever against an echoing server), and reports it as a
 * `protocol-error`. Calls time out on their own, so a lost answer leaves nothing behind.
 */
export class JsonRpcSocket extends EventEmitter<JsonRpcSocketEvents> {
  #ws: WebSocket
  #pending = new Map<number, Pending>()
  #abandoned = new Set<number>()
  #nextId = 1
  #closeReason = 'connection closed'

  /** Resolves once the socket is open; rejects with the handshake's error (refused, TLS, not a WebSocket endpoint…). */
  readonly opened: Promise<void>

  /**
   * Opens a socket to `url`. Listeners added right after construction hear everything: a server may send a
   * frame in the same packet as its handshake answer.
   */
  constructor(url: string, options: ClientOptions) {
    super()
    const ws = (this.#ws = new WebSocket(url, options))
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary))
    // ws reports socket and framing errors (too large, invalid UTF-8…) here, then closes.
    ws.on('error', (error) => (this.#closeReason = describeSocketError(error)))
    this.opened = new Promise((resolve, reject) => {
      const fail = (error: Error) => {
        ws.off('open', opened)
        ws.off('close', closedEarly)
        ws.terminate()
        reject(error)
      }
      const closedEarly = () => fail(new XoConnectionError('connection closed during the handshake'))
      const opened = () => {
        ws.off('error', fail)
        ws.off('close', closedEarly)
        ws.once('close', () => this.#onClose())
        resolve()
      }
      ws.once('open', opened)
      ws.once('error', fail)
      ws.once('close', closedEarly)
    })
    this.opened.catch(() => {})
  }

  get isOpen(): boolean {
    return this.#ws.readyState === WebSocket.OPEN
  }

  /** Whether a call to `method` still waits for its answer (known as soon as the answer's frame is read). */
  isAwaiting(method: string): boolean {
    for (const pending of this.#pending.values()) if (pending.method === method) return true
    return false
  }

  /** Calls `method`; rejects with a JsonRpcError (XO's answer), or an XoConnectionError after `timeoutMs` or a close. */
  call(method: string, params: Record<string, unknown>, timeoutMs = 0): Promise<unknown> {
    if (!this.isOpen) return Promise.reject(new XoConnectionError(this.#closeReason))
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      const pending: Pending = { method, resolve, reject, timer: undefined }
      if (timeoutMs > 0) {
        pending.timer = setTimeout(() => {
          this.#pending.delete(id)
          this.#abandon(id)
          reject(new XoConnectionError(`${method} timed out after ${timeoutMs} ms`))
        }, timeoutMs)
      }
      this.#pending.set(id, pending)
      this.#ws.send(JSON.stringify({ jsonrpc: '2.0', method, params, id }), (error) => {
        if (error && this.#settle(id)) reject(new XoConnectionError(`could not send ${method}: ${error.message}`))
      })
    })
  }

  /** A graceful close (XO signs the session out), cut short after `graceMs` for a peer that no longer answers. */
  close(graceMs = 1000): Promise<void> {
    const ws = this.#ws
    if (ws.readyState === WebSocket.CLOSED) return Promise.resolve()
    return new Promise((resolve) => {
      const grace = setTimeout(() => ws.terminate(), graceMs)
      ws.once('close', () => {
        clearTimeout(grace)
        resolve()
      })
      ws.close(1000)
    })
  }

  /** Destroys the socket at once (a half-open socket would never finish a graceful close). */
  terminate(): void {
    this.#ws.terminate()
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) return this.#protocolError(`binary frame of ${byteLength(data)} bytes`)
    const text = data.toString()
    let frame: unknown
    try {
      frame = JSON.parse(text)
    } catch {
      return this.#protocolError(`frame is not JSON: ${preview(text)}`)
    }
    // null, true, 0, "text", [] and batches: XO sends one object per frame, and never batches.
    if (!isRecord(frame)) return this.#protocolError(`frame is not a JSON-RPC object: ${preview(text)}`)
    if ('method' in frame) this.#onRequest(frame, text)
    else this.#onAnswer(frame, text)
  }

  /** A notification (XO's only requests); a request that expects an answer is not answered. */
  #onRequest(frame: Record<string, unknown>, text: string): void {
    const { method, params } = frame
    if (typeof method !== 'string')
      return this.#malformed(frame, `frame whose method is not a string: ${preview(text)}`)
    if (frame.jsonrpc !== '2.0') return this.#malformed(frame, `frame that is not JSON-RPC 2.0: ${preview(text)}`)
    if ('id' in frame) return this.#protocolError(`request ${preview(method)} from the server ignored`)
    if (params !== undefined && typeof params !== 'object')
      return this.#protocolError(`notification ${preview(method)} whose params are neither an object nor an array`)
    if (params === null) return this.#protocolError(`notification ${preview(method)} whose params are null`)
    this.emit('notification', method, params)
  }

  #onAnswer(frame: Record<string, unknown>, text: string): void {
    const id = frame.id
    if (typeof id !== 'number' && typeof id !== 'string')
      return this.#protocolError(`frame with neither id nor method: ${preview(text)}`)
    const pending = typeof id === 'number' ? this.#pending.get(id) : undefined
    if (!pending) {
      if (typeof id === 'number' && this.#abandoned.delete(id)) return // a late answer to a call that timed out
      return this.#protocolError(`answer to no pending call (id ${preview(JSON.stringify(id))})`)
    }
    this.#settle(id as number)
    const problem = answerProblem(frame)
    if (problem) {
      const reason = `${problem} answering ${pending.method}`
      this.#protocolError(reason)
      return pending.reject(new XoProtocolError(reason))
    }
    if ('error' in frame) {
      const error = frame.error as { code: number; message: string; data?: unknown }
      return pending.reject(new JsonRpcError(error.message, error.code, error.data))
    }
    pending.resolve(frame.result)
  }

  /**
   * A frame that is not JSON-RPC. When its id is a pending call's, that call's answer may be what got lost: the call
   * fails now rather than waiting for an answer that may never come (some calls wait without a bound).
   */
  #malformed(frame: Record<string, unknown>, reason: string): void {
    this.#protocolError(reason)
    const id = frame.id
    const pending = typeof id === 'number' ? this.#pending.get(id) : undefined
    if (pending && this.#settle(id as number))
      pending.reject(new XoProtocolError(`${reason} answering ${pending.method}`))
  }

  /** Forgets a pending call; false when it was not pending any more. */
  #settle(id: number): boolean {
    const pending = this.#pending.get(id)
    if (!pending) return false
    clearTimeout(pending.timer)
    this.#pending.delete(id)
    return true
  }

  #abandon(id: number): void {
    this.#abandoned.add(id)
    if (this.#abandoned.size > ABANDONED_MAX) this.#abandoned.delete(this.#abandoned.values().next().value as number)
  }

  #protocolError(reason: string): void {
    this.emit('protocol-error', reason)
  }

  #onClose(): void {
    const error = new XoConnectionError(this.#closeReason)
    for (const [id, pending] of this.#pending) {
      this.#settle(id)
      pending.reject(error)
    }
    this.#abandoned.clear()
    this.emit('close', this.#closeReason)
  }
}

/** A JSON object: not null, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** What is wrong with an answer to a pending call (undefined: nothing): JSON-RPC 2.0 answers with a result or an error. */
function answerProblem(frame: Record<string, unknown>): string | undefined {
  if (frame.jsonrpc !== '2.0') return 'an answer that is not JSON-RPC 2.0'
  const hasError = 'error' in frame
  const hasResult = 'result' in frame
  if (hasError && hasResult) return 'an answer with both result and error'
  if (!hasError && !hasResult) return 'an answer with neither result nor error'
  if (!hasError) return undefined
  // XO's errors always carry an integer code and a message (its own codes, or JSON-RPC's).
  const error = frame.error
  if (!isRecord(error) || !Number.isInteger(error.code) || typeof error.message !== 'string') return 'a malformed error'
  return undefined
}

function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, chunk) => n + chunk.length, 0)
  return data instanceof ArrayBuffer ? data.byteLength : data.length
}

/** What a log line may show of a frame: short, on one line, no control characters. */
export function preview(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it takes out
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim()
  return flat.length > PREVIEW_MAX ? `${flat.slice(0, PREVIEW_MAX - 1)}…` : flat
}

function describeSocketError(error: Error & { code?: string }): string {
  if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return 'XO sent a frame over the size limit'
  return `connection closed: ${error.message}`
}

/**
 * A value of a frame as a log line names it, in a few words whatever its size or depth: `null`, `a number (5)`,
 * `an array`, `a string ("text")`, `an object (keys: a, b)`.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return `an array of ${value.length}`
  switch (typeof value) {
    case 'undefined':
      return 'missing'
    case 'string':
      return `a string (${preview(JSON.stringify(value.slice(0, 200)))})`
    case 'number':
      return `a number (${value})`
    case 'boolean':
      return `a boolean (${value})`
    case 'object':
      return `an object (keys: ${preview(Object.keys(value).join(', ')) || 'none'})`
    default:
      return typeof value
  }
}
