import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'
import { type HookBody, validateHookBody } from './delivery'

export interface Rejection {
  status: 400 | 401 | 403 | 405 | 413 | 415
  reason: string
}

export interface ReceiverOptions {
  /** `secretDigest(secret)`, computed once when the node starts */
  secret: Buffer
  /**
   * The secret of the node this one replaced at a redeploy, while XO may still deliver to its URL (a token
   * rotated, a secret changed: XO's entries follow a moment after the new node starts).
   */
  former?: { secret: Buffer; until: number }
  maxBytes: number
  /** source addresses XO may deliver from; empty: any */
  allowFrom: AddressMatcher | undefined
}

/**
 * Reads and checks one delivery: the method, the source address, the secret from the URL (XO sends no auth
 * header), the media type, the size and the shape. Answers with the body, or with the status to send back.
 */
export async function readDelivery(
  req: IncomingMessage,
  presentedSecret: string | undefined,
  options: ReceiverOptions,
): Promise<{ body: HookBody; bytes: number } | Rejection> {
  if (req.method !== 'POST') return { status: 405, reason: `method ${req.method} not allowed` }
  if (options.allowFrom && !options.allowFrom(req.socket.remoteAddress ?? '')) {
    return { status: 403, reason: `source ${normalizeAddress(req.socket.remoteAddress ?? '')} not allowed` }
  }
  if (!presentedSecret || !secretAccepted(presentedSecret, options))
    return { status: 401, reason: 'missing or wrong secret' }
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
  if (type !== 'application/json' && !type.endsWith('+json'))
    return { status: 415, reason: `content-type ${type || 'missing'} is not JSON` }
  const declared = Number(req.headers['content-length'])
  if (declared > options.maxBytes)
    return { status: 413, reason: `body of ${declared} bytes over the ${options.maxBytes} limit` }

  let parsed: unknown
  let bytes: number
  const preParsed = req as IncomingMessage & { _body?: boolean; body?: unknown }
  if (preParsed._body) {
    // A middleware of the host application already read and parsed the body: Node-RED's own JSON parser when its
    // editor and its HTTP nodes share a root (the default), or httpNodeMiddleware. A chunked body declared no
    // length: it is measured as JSON again (its spacing aside, the size it was sent at), and held to the limit too.
    parsed = preParsed.body
    bytes = declared || Buffer.byteLength(JSON.stringify(parsed) ?? '')
    if (bytes > options.maxBytes)
      return { status: 413, reason: `body of ${bytes} bytes over the ${options.maxBytes} limit` }
  } else {
    const raw = await readBody(req, options.maxBytes)
    if (raw === undefined) return { status: 413, reason: `body over the ${options.maxBytes} bytes limit` }
    bytes = raw.length
    try {
      parsed = JSON.parse(raw)
    } catch {
      return { status: 400, reason: 'body is not valid JSON' }
    }
  }
  const checked = validateHookBody(parsed)
  return 'error' in checked
    ? { status: 400, reason: `not an XO hook: ${checked.error}` }
    : { body: checked.body, bytes }
}

/** The body as text, or undefined as soon as it grows past `maxBytes` (then the rest is not read). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        req.off('data', onData)
        req.resume()
        resolve(undefined)
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.once('end', () => resolve(size > maxBytes ? undefined : Buffer.concat(chunks).toString('utf8')))
    req.once('error', reject)
  })
}

function secretAccepted(presented: string, { secret, former }: ReceiverOptions): boolean {
  if (digestsMatch(presented, secret)) return true
  return former !== undefined && Date.now() < former.until && digestsMatch(presented, former.secret)
}

/** What a secret is compared as; an empty secret gets a digest nothing can match. */
export function secretDigest(secret: string): Buffer {
  return secret ? createHash('sha256').update(secret).digest() : Buffer.alloc(0)
}

/** Constant-time comparison: digests have the same length whatever was presented. */
export function digestsMatch(presented: string, expected: Buffer): boolean {
  const digest = createHash('sha256').update(presented).digest()
  return expected.length === digest.length && timingSafeEqual(digest, expected)
}

export type AddressMatcher = (address: string) => boolean

/** `127.0.0.1, 10.0.0.0/8, ::1` -> a matcher; an entry that is not an address or a CIDR is an error. */
export function compileAllowList(list: string): AddressMatcher | undefined | { error: string } {
  const entries = list.split(/[\s,]+/).filter(Boolean)
  if (entries.length === 0) return undefined
  const tests: AddressMatcher[] = []
  for (const entry of entries) {
    const [address, bits] = entry.split('/')
    const family = isIP(address)
    const maxBits = family === 6 ? 128 : 32
    const prefix = bits === undefined ? maxBits : Number(bits)
    if (!family || !Number.isInteger(prefix) || prefix < 0 || prefix > maxBits)
      return { error: `invalid address or CIDR: ${entry}` }
    const base = toBigInt(address)
    const shift = BigInt(maxBits - prefix)
    tests.push((candidate) => isIP(candidate) === family && toBigInt(candidate) >> shift === base >> shift)
  }
  return (address) => {
    const normalized = normalizeAddress(address)
    return tests.some((test) => test(normalized))
  }
}

/** IPv4 clients of a dual-stack socket show up as `::ffff:a.b.c.d`. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address
}

function toBigInt(address: string): bigint {
  if (isIP(address) === 4) return address.split('.').reduce((n, octet) => (n << 8n) | BigInt(Number(octet)), 0n)
  const [head, tail = ''] = address.split('::')
  const parse = (part: string) => (part ? part.split(':') : [])
  let groups = parse(head)
  let end = parse(tail)
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
  const last = (address.includes('::') ? end : groups).at(-1)
  if (last?.includes('.')) {
    const v4 = toBigInt(last)
    const pair = [(v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16)]
    if (address.includes('::')) end = [...end.slice(0, -1), ...pair]
    else groups = [...groups.slice(0, -1), ...pair]
  }
  const missing = 8 - groups.length - end.length
  const all = address.includes('::') ? [...groups, ...Array(missing).fill('0'), ...end] : groups
  return all.reduce((n, group) => (n << 16n) | BigInt(parseInt(group || '0', 16)), 0n)
}
