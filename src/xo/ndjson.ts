import http from 'node:http'
import https from 'node:https'

export interface TlsOptions {
  ca?: string
  allowSelfSigned?: boolean
}

/**
 * Streams an NDJSON download (XO's `$getFrom` URLs, e.g. `xo.getAllObjects {ndjson: true}`), calling `onItem`
 * for each line as it arrives, so a 50,000-object inventory never sits in memory as one giant string.
 * Uses the connection's own TLS settings, never process-wide ones.
 */
export function fetchNdjson(url: string, tls: TlsOptions, onItem: (item: unknown) => void, timeoutMs = 120_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const secure = url.startsWith('https:')
    const options = secure ? { rejectUnauthorized: !tls.allowSelfSigned, ...(tls.ca ? { ca: tls.ca } : {}) } : {}
    const request = (secure ? https : http).get(url, options, (response) => {
      if (response.statusCode !== 200) {
        response.resume()
        return reject(new Error(`GET ${new URL(url).pathname} answered HTTP ${response.statusCode}`))
      }
      response.setEncoding('utf8')
      let pending = ''
      let count = 0
      const consume = (line: string) => {
        if (line.trim() === '') return
        onItem(JSON.parse(line))
        count++
      }
      response.on('data', (chunk: string) => {
        pending += chunk
        let newline: number
        try {
          while ((newline = pending.indexOf('\n')) !== -1) {
            consume(pending.slice(0, newline))
            pending = pending.slice(newline + 1)
          }
        } catch (error) {
          request.destroy(error as Error)
        }
      })
      response.on('end', () => {
        try {
          consume(pending)
          resolve(count)
        } catch (error) {
          reject(error)
        }
      })
      response.on('error', reject)
    })
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`download timed out after ${timeoutMs} ms`)))
    request.on('error', reject)
  })
}
