import { StringDecoder } from 'node:string_decoder'
import { Agent, request } from 'undici'

export interface TlsOptions {
  ca?: string
  allowSelfSigned?: boolean
}

export interface DownloadOptions {
  /** the whole download (default 120 s) */
  timeoutMs?: number
  signal?: AbortSignal
}

export interface DownloadResult {
  /** lines read (handed to `onItem`) */
  count: number
  /** true when `onItem` stopped the download before its end */
  stopped: boolean
}

/**
 * Streams NDJSON downloads (XO's `$getFrom` URLs: `xo.getAllObjects {ndjson: true}`, `audit.getRecords {ndjson:
 * true}`) with undici, through an agent of its own that carries one connection's TLS settings (a CA to trust, or a
 * self-signed certificate accepted), never process-wide ones. Each line is parsed and handed over as it arrives, so
 * a 50,000-object inventory or a long audit log never sits in memory as one string; `onItem` answering false ends
 * the download there (the rest is not read).
 */
export class NdjsonDownloader {
  #agent: Agent | undefined

  constructor(private readonly tls: TlsOptions) {}

  async fetch(url: string, onItem: (item: unknown) => boolean | void, options: DownloadOptions = {}): Promise<DownloadResult> {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 120_000)
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
    const { statusCode, body } = await request(url, { method: 'GET', dispatcher: this.#dispatcher(), signal }).catch((error: Error) => {
      throw timeout.aborted ? new Error(`download timed out after ${options.timeoutMs ?? 120_000} ms`) : error
    })
    if (statusCode !== 200) {
      body.destroy()
      throw new Error(`GET ${new URL(url).pathname} answered HTTP ${statusCode}`)
    }
    const decoder = new StringDecoder('utf8')
    let pending = ''
    let count = 0
    // Lines are cut where they end in the text received so far: what follows the last newline waits for more.
    const consume = (text: string, last: boolean): boolean => {
      let start = 0
      let newline: number
      while ((newline = text.indexOf('\n', start)) !== -1 || (last && start < text.length)) {
        const end = newline === -1 ? text.length : newline
        const line = text.slice(start, end)
        start = end + 1
        if (line.trim() === '') continue
        count++
        if (onItem(JSON.parse(line)) === false) return false
      }
      pending = last ? '' : text.slice(start)
      return true
    }
    try {
      for await (const chunk of body) {
        if (!consume(pending + decoder.write(chunk as Buffer), false)) {
          body.destroy()
          return { count, stopped: true }
        }
      }
      const stopped = !consume(pending + decoder.end(), true)
      return { count, stopped }
    } catch (error) {
      body.destroy()
      if (timeout.aborted) throw new Error(`download timed out after ${options.timeoutMs ?? 120_000} ms`)
      throw error
    }
  }

  /** Closes the agent's sockets; a later download opens new ones. */
  async close(): Promise<void> {
    const agent = this.#agent
    this.#agent = undefined
    await agent?.close()
  }

  #dispatcher(): Agent {
    this.#agent ??= new Agent({
      connect: { rejectUnauthorized: !this.tls.allowSelfSigned, ...(this.tls.ca ? { ca: this.tls.ca } : {}) },
      // XO's downloads are one-shot URLs: a few sockets kept a short while are plenty.
      keepAliveTimeout: 4_000,
      connections: 4,
      // The body may pause for a while when a slow consumer applies back-pressure; the overall timeout bounds it.
      bodyTimeout: 0,
    })
    return this.#agent
  }
}
