/**
 * The children's side of the audit-log server: calls to "XO" (one POST /rpc each, with a keep-alive agent, for
 * every variant alike) and the package's `NdjsonDownloader` (node:http) for downloads, as `XoConnection.download`
 * uses it. Counts what went through, for the checks.
 */
import { EventEmitter } from 'node:events'
import http from 'node:http'
import { StringDecoder } from 'node:string_decoder'
import { type Agent, request } from 'undici'
import type { CatchUpSource } from '../../src/audit/catch-up'
import type { DownloadOptions, DownloadResult } from '../../src/xo/ndjson'
import { NdjsonDownloader, NdjsonLines } from '../../src/xo/ndjson'

export class BenchAuditSource extends EventEmitter implements CatchUpSource {
  readonly isConnected = true
  calls = 0
  downloads = 0
  lines = 0
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  readonly #downloader = new NdjsonDownloader({})

  constructor(readonly baseUrl: string) {
    super()
  }

  call<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    this.calls++
    return new Promise((resolve, reject) => {
      const request = http.request(
        `${this.baseUrl}/rpc`,
        { method: 'POST', agent: this.#agent, headers: { 'content-type': 'application/json' } },
        (response) => {
          let body = ''
          response.setEncoding('utf8')
          response.on('data', (chunk: string) => (body += chunk))
          response.on('end', () => {
            try {
              const reply = JSON.parse(body) as { result?: T; error?: { message: string } }
              if (reply.error) reject(new Error(`${method}: ${reply.error.message}`))
              else resolve(reply.result as T)
            } catch (error) {
              reject(error)
            }
          })
          response.on('error', reject)
        },
      )
      request.on('error', reject)
      request.end(JSON.stringify({ method, params }))
    })
  }

  async download(
    getFrom: string,
    onItem: (item: unknown) => boolean | void,
    options?: DownloadOptions,
  ): Promise<DownloadResult> {
    this.downloads++
    const result = await this.#downloader.fetch(this.baseUrl + getFrom, onItem, options)
    this.lines += result.count
    return result
  }

  /** Lets the sockets go (after the measurements: the package keeps its agent while connected, too). */
  async close(): Promise<void> {
    this.#agent.destroy()
    await this.#downloader.close()
  }
}

/**
 * The same download with undici (`request`, an agent of its own), lines cut exactly as `NdjsonDownloader.fetch`
 * cuts them, so that only the transport differs: the measure behind the package's choice of node:http. Answers the
 * lines read.
 */
export async function undiciDownload(url: string, onItem: (item: unknown) => void, agent: Agent): Promise<number> {
  const { statusCode, body } = await request(url, { method: 'GET', dispatcher: agent })
  if (statusCode !== 200) {
    body.destroy()
    throw new Error(`GET ${url} answered ${statusCode}`)
  }
  const decoder = new StringDecoder('utf8')
  const lines = new NdjsonLines((item) => void onItem(item))
  for await (const chunk of body) lines.push(decoder.write(chunk as Buffer))
  lines.push(decoder.end())
  lines.end()
  return lines.count
}
