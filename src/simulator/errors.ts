// Error classes and their two serialisations, as observed on xo-server 5.207.2:
//  - the JSON-RPC `error` member sent to the caller (key order differs by error kind!)
//  - the `error` member of post web-hook payloads (enumerable props, then message, name, stack)

/** XO API errors (xo-common api-errors): numeric code, optional data. */
export class XoError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message)
  }
}

/** JSON-RPC protocol errors (json-rpc-peer): serialised as {code, data?, message}. */
export class JsonRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message)
  }
}

/** The XAPI call an error came from, as xen-api attaches it (session id obfuscated). */
export interface XapiCall {
  duration: number
  method: string
  params: unknown[]
}

/** Errors from XAPI: string code + params. XO maps a few of them to XO errors in its reply. */
export class XapiError extends Error {
  constructor(
    readonly code: string,
    readonly params: string[],
    readonly objectId?: string,
    readonly call?: XapiCall,
  ) {
    super(`${code}(${params.join(', ')})`)
  }
}

// Names live on the prototypes so that V8 writes them into `stack` ("XoError: no such VM x").
for (const [cls, name] of [
  [XoError, 'XoError'],
  [JsonRpcError, 'JsonRpcError'],
  [XapiError, 'XapiError'],
] as const) {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true })
}

export const noSuchObject = (id: unknown, type: string): XoError =>
  new XoError(1, `no such ${type} ${id}`, { id, type })

// unauthorized(permission, objectId, objectType): undefined members vanish in JSON, which is why
// an anonymous call shows data {object: {}} and a non-admin gets {permission: "admin", object: {}}.
export const unauthorized = (permission?: string): XoError =>
  new XoError(2, 'not enough permissions', { permission, object: { id: undefined, type: undefined } })

export const invalidCredentials = (): XoError => new XoError(3, 'invalid credentials')
export const notImplemented = (): XoError => new XoError(0, 'not implemented')
export const invalidParameters = (errors: unknown[]): XoError => new XoError(10, 'invalid parameters', { errors })
export const vmBadPowerState = (objectId: string, expected: string, actual: string): XoError =>
  new XoError(13, `VM state is ${actual} but should be ${expected}`, { objectId, expected, actual })
// audit plugin: a broken record chain (audit.checkIntegrity)
export const missingAuditRecord = (id: string | undefined, nValid: number): XoError =>
  new XoError(22, 'missing record', { id, nValid })
export const alteredAuditRecord = (id: string, record: unknown, nValid: number): XoError =>
  new XoError(23, 'altered record', { id, record, nValid })
export const methodNotFound = (method: string): JsonRpcError =>
  new JsonRpcError(-32601, `method not found: ${method}`, method)

/** A plain Error carrying extra enumerable properties (like the backup runner's `errors`). */
export function plainError(message: string, props: Record<string, unknown> = {}): Error {
  const err = new Error(message)
  return Object.assign(err, props)
}

const strip = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)))

/** XAPI errors XO turns into XO errors in its reply (the post hook still sees the XapiError). */
export function toApiError(err: unknown): unknown {
  if (err instanceof XapiError && err.code === 'VM_BAD_POWER_STATE' && err.objectId !== undefined) {
    return vmBadPowerState(err.objectId, err.params[1], err.params[2])
  }
  return err
}

/** The JSON-RPC `error` object for the reply. */
export function toJsonRpcError(rawErr: unknown, isAdmin: boolean): Record<string, unknown> {
  const err = toApiError(rawErr)
  if (err instanceof XoError) {
    // captured: {"message": "no such VM x", "code": 1, "data": {...}}
    return err.data === undefined
      ? { message: err.message, code: err.code }
      : { message: err.message, code: err.code, data: strip(err.data) }
  }
  if (err instanceof JsonRpcError) {
    // captured: {"code": -32601, "data": "foo.bar", "message": "method not found: foo.bar"}
    return err.data === undefined
      ? { code: err.code, message: err.message }
      : { code: err.code, data: strip(err.data), message: err.message }
  }
  // Anything else is hidden from non-admins; admins get the serialised error (captured A2).
  if (!isAdmin) return { code: -32000, message: 'unknown error from the peer' }
  const e = err instanceof Error ? err : new Error(String(err))
  return { code: -32000, data: serializeError(e), message: e.message }
}

/** Web-hook (and admin -32000 data) form: own enumerable props, then message, name, stack. */
export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) }
  const out: Record<string, unknown> = {}
  if (err instanceof XoError) {
    // captured A4: {"code": 1, "data": {...}, "message", "name": "XoError", "stack"}
    out.code = err.code
    if (err.data !== undefined) out.data = strip(err.data)
  } else if (err instanceof XapiError) {
    // captured (audit.json, notifications): {"code", "params", "call": {duration, method, params}, "message", ...}
    out.code = err.code
    out.params = err.params
    if (err.call !== undefined) out.call = strip(err.call)
  } else {
    for (const [k, v] of Object.entries(err)) if (k !== 'objectId') out[k] = strip(v)
  }
  out.message = err.message
  out.name = err.name
  out.stack = err.stack
  return out
}
