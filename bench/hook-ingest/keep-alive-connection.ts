import net from 'node:net'

/** How one request ended: the status code, or why there was none. */
export type Outcome = { status: number } | { failure: 'reset' | 'timeout' | 'protocol' }

/**
 * One keep-alive HTTP/1.1 connection with at most one request in flight, the way a fetch pool uses a socket.
 * Requests are pre-built bytes written straight to the socket and answers are parsed just enough to find their
 * end: node:http's client costs several times more per request, and a load generator slower than the fastest
 * target would flatten every ratio.
 */
export class KeepAliveConnection {
  #socket: net.Socket | undefined
  #buffer: Buffer = Buffer.alloc(0)
  #done: ((outcome: Outcome) => void) | undefined
  /** when the request in flight was written (performance.now()), for the generator's timeout sweep */
  sentAt = 0

  constructor(
    private readonly port: number,
    private readonly host = '127.0.0.1',
  ) {}

  get busy(): boolean {
    return this.#done !== undefined
  }

  send(request: Buffer, done: (outcome: Outcome) => void): void {
    if (this.#done) throw new Error('a request is already in flight on this connection')
    this.#done = done
    this.sentAt = performance.now()
    // A socket closed by the server (idle timeout, `Connection: close`) is replaced on the next request.
    const socket = this.#socket ?? this.#connect()
    socket.write(request)
  }

  /** Gives up on the request in flight (the generator's deadline passed) and drops the socket. */
  abort(failure: 'timeout' | 'reset'): void {
    this.#socket?.destroy()
    this.#finish({ failure })
  }

  close(): void {
    this.#socket?.destroy()
    this.#socket = undefined
  }

  #connect(): net.Socket {
    const socket = net.connect({ port: this.port, host: this.host, noDelay: true })
    this.#buffer = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => this.#onData(socket, chunk))
    socket.on('error', () => {}) // 'close' follows and reports it
    socket.on('close', () => {
      if (this.#socket !== socket) return
      this.#socket = undefined
      this.#finish({ failure: 'reset' })
    })
    this.#socket = socket
    return socket
  }

  #onData(socket: net.Socket, chunk: Buffer): void {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk
    let response: ParsedResponse | undefined
    try {
      response = parseResponse(this.#buffer)
    } catch {
      socket.destroy()
      this.#socket = undefined
      return this.#finish({ failure: 'protocol' })
    }
    if (!response) return
    this.#buffer = this.#buffer.subarray(response.length)
    if (response.close) {
      socket.destroy()
      this.#socket = undefined
    }
    this.#finish({ status: response.status })
  }

  #finish(outcome: Outcome): void {
    const done = this.#done
    this.#done = undefined
    done?.(outcome)
  }
}

interface ParsedResponse {
  status: number
  /** bytes from the start of the buffer to the end of this response */
  length: number
  /** the server said it closes the connection */
  close: boolean
}

/** The first complete response in `buffer`, undefined if more bytes are needed; throws on something not HTTP. */
export function parseResponse(buffer: Buffer): ParsedResponse | undefined {
  const headEnd = buffer.indexOf('\r\n\r\n')
  if (headEnd < 0) return undefined
  const head = buffer.toString('latin1', 0, headEnd).toLowerCase()
  const status = Number(head.slice(9, 12))
  if (!head.startsWith('http/1.') || !Number.isInteger(status)) throw new Error('not an HTTP/1.x response')
  const close = /\r\nconnection:\s*close/.test(head)
  const bodyStart = headEnd + 4
  if (status === 204 || status === 304 || status < 200) return { status, length: bodyStart, close }
  const declared = /\r\ncontent-length:\s*(\d+)/.exec(head)
  if (declared) {
    const end = bodyStart + Number(declared[1])
    return buffer.length >= end ? { status, length: end, close } : undefined
  }
  if (/\r\ntransfer-encoding:[^\r]*chunked/.test(head)) {
    const end = chunkedEnd(buffer, bodyStart)
    return end === undefined ? undefined : { status, length: end, close }
  }
  throw new Error('response with neither content-length nor chunked encoding')
}

function chunkedEnd(buffer: Buffer, start: number): number | undefined {
  let at = start
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', at)
    if (lineEnd < 0) return undefined
    const size = parseInt(buffer.toString('latin1', at, lineEnd), 16)
    if (!Number.isFinite(size)) throw new Error('bad chunk size')
    // The last chunk is `0\r\n\r\n` (the bench's targets send no trailers).
    const next = lineEnd + 2 + size + 2
    if (buffer.length < next) return undefined
    if (size === 0) return next
    at = next
  }
}
