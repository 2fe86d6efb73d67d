/** An error answered by XO itself: its JSON-RPC code, message and data travel with it (for Catch nodes). */
export class XoApiError extends Error {
  readonly code: number
  readonly data: unknown
  readonly method: string
  constructor(method: string, code: number, message: string, data?: unknown) {
    super(message)
    this.name = 'XoApiError'
    this.method = method
    this.code = code
    this.data = data
  }
}

/** The call never reached XO, or its answer never came back. */
export class XoConnectionError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'XoConnectionError'
  }
}

/** What came back is not XO's JSON-RPC: a frame that is not JSON, an answer to nothing asked, a malformed error. */
export class XoProtocolError extends XoConnectionError {
  constructor(message: string) {
    super(message)
    this.name = 'XoProtocolError'
  }
}

/** XO's error codes that matter to the connection (packages/xo-common/api-errors.js). */
export const XO_ERROR = {
  noSuchObject: 1,
  unauthorized: 2,
  invalidCredentials: 3,
  /** JSON-RPC's: a method XO does not have (a plugin's, while the plugin is not loaded) */
  methodNotFound: -32601,
} as const

export function toXoApiError(method: string, error: unknown): XoApiError | XoConnectionError {
  if (error instanceof XoApiError || error instanceof XoConnectionError) return error
  const e = error as { code?: unknown; message?: unknown; data?: unknown; name?: string }
  if (e && typeof e.code === 'number' && typeof e.message === 'string' && e.name !== 'ConnectionError') {
    return new XoApiError(method, e.code, e.message, e.data)
  }
  return new XoConnectionError(describeNetworkError(error))
}

const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
])

/** A short, human reason for a failed connection, fit for a node status (no secrets, no stack). */
export function describeNetworkError(error: unknown): string {
  const e = (error ?? {}) as { code?: string; message?: string }
  const code = typeof e.code === 'string' ? e.code : ''
  const message = typeof e.message === 'string' ? e.message : String(error)
  if (CERTIFICATE_CODES.has(code)) return 'untrusted TLS certificate'
  if (code === 'CERT_HAS_EXPIRED') return 'TLS certificate expired'
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'TLS certificate does not match host'
  if (code === 'ECONNREFUSED') return 'connection refused'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found'
  if (code === 'ETIMEDOUT' || /timed? ?out/i.test(message)) return 'timed out'
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection reset'
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'network unreachable'
  const http = /Unexpected server response: (\d+)/.exec(message)
  if (http) return `no XO API at this URL (HTTP ${http[1]})`
  if (/wrong version number|packet length too long/i.test(message)) return 'TLS to a plain HTTP port'
  return message.length > 80 ? `${message.slice(0, 77)}...` : message
}
