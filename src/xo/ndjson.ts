import http from 'node:http'
import https from 'node:https'

export interface TlsOptions {
  ca?: string
  allowSelfSigned?: boolean
}

export interface DownloadOptions {
  /** the whole download (default 120 s) */
  timeoutMs?: number
  signal?: AbortSignal
  /** a line that is not JSON: skipped and said here (without this, it fails the download) */
  onBadLine?: (error: Error) => void
}

export interface DownloadResult {
  /** lines read (handed to `onItem`) */
  count: number
  /** true when `onItem` stopped the download before its end */
  stopped: boolean
}

/**
 * Streams NDJSON downloads (XO's `$getFrom` URLs: `xo.getAllObjects {ndjson: true}`, `audit.getRecords {ndjson:
 * true}`) with Node's own HTTP client, through keep-alive agents of its own that carry one connection's TLS settings
 * (a CA to trust, or a self-signed certificate accepted), never process-wide ones. Each line is parsed and handed over
 * as it arrives, so a 50,000-object inventory or a long audit log never sits in memory as one string; `onItem`
 * answering false ends the download there (the rest is not read). node:http rather than undici: `npm run bench`
 * (catch-up scenario) measures undici at 1.4–2× the CPU time of node:http for these downloads.
 */
export class NdjsonDownloader {
  #http: http.Agent | undefined
  #https: https.Agent | undefined

  constructor(private readonly tls: TlsOptions) {}

  fetch(
    url: string,
    onItem: (item: unknown) => boolean | void,
    options: DownloadOptions = {},
  ): Promise<DownloadResult> {
    const timeoutMs = options.timeoutMs ?? 120_000
    return new Promise((resolve, reject) => {
      let settled = false
      const finish = (error: Error | undefined, result?: DownloadResult) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', onAbort)
        if (error) reject(error)
        else resolve(result!)
      }
      const secure = url.startsWith('https:')
      const request = (secure ? https : http).get(
        url,
        { agent: secure ? this.#httpsAgent() : this.#httpAgent() },
        (response) => {
          if (response.statusCode !== 200) {
            response.resume()
            return finish(new Error(`GET ${new URL(url).pathname} answered HTTP ${response.statusCode}`))
          }
          response.setEncoding('utf8')
          const lines = new NdjsonLines(onItem, options.onBadLine)
          const fail = (error: Error) => {
            request.destroy()
            finish(error)
          }
          response.on('data', (chunk: string) => {
            if (settled) return
            try {
              if (!lines.push(chunk)) {
                // Enough read: the rest of the body is not wanted (its socket is not reused).
                request.destroy()
                finish(undefined, { count: lines.count, stopped: true })
              }
            } catch (error) {
              fail(error as Error)
            }
          })
          response.on('end', () => {
            if (settled) return
            try {
              const stopped = !lines.end()
              finish(undefined, { count: lines.count, stopped })
            } catch (error) {
              fail(error as Error)
            }
          })
          response.on('error', (error) => finish(error))
        },
      )
      request.on('error', (error) => finish(error))
      const timer = setTimeout(() => {
        request.destroy()
        finish(new Error(`download timed out after ${timeoutMs} ms`))
      }, timeoutMs)
      const onAbort = () => {
        request.destroy()
        finish(new Error('download aborted'))
      }
      if (options.signal?.aborted) onAbort()
      else options.signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Closes the agents' sockets; a later download opens new ones. */
  async close(): Promise<void> {
    this.#http?.destroy()
    this.#https?.destroy()
    this.#http = this.#https = undefined
  }

  // XO's downloads are one-shot URLs: a few sockets kept a short while are plenty.
  #httpAgent(): http.Agent {
    return (this.#http ??= new http.Agent({ keepAlive: true, maxSockets: 4, timeout: 60_000 }))
  }

  #httpsAgent(): https.Agent {
    return (this.#https ??= new https.Agent({
      keepAlive: true,
      maxSockets: 4,
      timeout: 60_000,
      rejectUnauthorized: !this.tls.allowSelfSigned,
      ...(this.tls.ca ? { ca: this.tls.ca } : {}),
    }))
  }
}

/**
 * Cuts NDJSON text arriving in chunks into parsed lines for `onItem`, cutting where lines end in the text received
 * so far (what follows the last newline waits for the next chunk). `push` and `end` answer false once `onItem` asked
 * to stop.
 */
export class NdjsonLines {
  #pending = ''
  /** lines handed to `onItem` */
  count = 0

  constructor(
    private readonly onItem: (item: unknown) => boolean | void,
    private readonly onBadLine?: (error: Error) => void,
  ) {}

  push(chunk: string): boolean {
    return this.#consume(this.#pending + chunk, false)
  }

  end(): boolean {
    return this.#consume(this.#pending, true)
  }

  #consume(text: string, last: boolean): boolean {
    let start = 0
    let newline: number
    while ((newline = text.indexOf('\n', start)) !== -1 || (last && start < text.length)) {
      const end = newline === -1 ? text.length : newline
      const line = text.slice(start, end)
      start = end + 1
      if (line.trim() === '') continue
      let item: unknown
      try {
        item = JSON.parse(line)
      } catch (error) {
        if (!this.onBadLine) throw error
        this.onBadLine(error as Error)
        continue
      }
      this.count++
      if (this.onItem(item) === false) return false
    }
    this.#pending = last ? '' : text.slice(start)
    return true
  }
}
