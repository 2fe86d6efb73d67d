/**
 * What Node-RED's core `http request` node reads when its method is "set by msg.method": `msg.url`,
 * `msg.method`, `msg.headers` and `msg.payload`. Spread it into the message.
 */
export interface HttpRequestMessage {
  url: string
  method: 'POST' | 'PUT' | 'DELETE' | 'GET'
  headers: Record<string, string>
  payload: string | Record<string, unknown>
}

/**
 * A JSON request whose payload is already the exact JSON text: the http request node sends a string as is,
 * so what was built (and signed) is what goes on the wire.
 */
export function jsonRequest(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  method: HttpRequestMessage['method'] = 'POST',
): HttpRequestMessage {
  return { url, method, headers: { 'Content-Type': 'application/json', ...headers }, payload: JSON.stringify(body) }
}

export const trimSlashes = (url: string): string => url.replace(/\/+$/, '')

/** An HTTP Basic `Authorization` header value. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`
}
