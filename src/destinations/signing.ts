import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Standard Webhooks (v1.0.0) symmetric signatures: HMAC-SHA256 of `${id}.${timestamp}.${body}`, keyed with
 * the bytes the secret encodes (base64 after `whsec_`), sent as `webhook-signature: v1,<base64>`.
 */
export function webhookKey(secret: string): Buffer {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64')
  if (key.length === 0) throw new Error('the signing secret is empty or not base64 (expected whsec_<base64>)')
  return key
}

export function signStandardWebhook(id: string, timestamp: number, body: string, secret: string): string {
  return `v1,${createHmac('sha256', webhookKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`
}

/** The three headers for a body that is sent exactly as signed. */
export function standardWebhookHeaders(
  id: string,
  timestamp: number,
  body: string,
  secret: string,
): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signStandardWebhook(id, timestamp, body, secret),
  }
}

/**
 * Whether a received request is signed with `secret`: any `v1` entry of `webhook-signature` matches (several
 * during a secret rotation), compared in constant time, and the timestamp is within `toleranceS` of `now`
 * (Unix seconds) either way, so that a captured request cannot be replayed later. `body` must be the raw text.
 */
export function verifyStandardWebhook(
  headers: Record<string, string>,
  body: string,
  secret: string,
  toleranceS = 300,
  now: number = Math.floor(Date.now() / 1000),
): boolean {
  const header = (name: string) => {
    const entry = Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1] as unknown
    return typeof entry === 'string'
      ? entry
      : Array.isArray(entry) && typeof entry[0] === 'string'
        ? entry[0]
        : undefined
  }
  const id = header('webhook-id')
  const timestamp = header('webhook-timestamp')
  const signatures = header('webhook-signature')
  if (!id || !timestamp || !signatures || !/^\d{1,15}$/.test(timestamp)) return false
  if (Math.abs(now - Number(timestamp)) > toleranceS) return false
  let expected: Buffer
  try {
    expected = createHmac('sha256', webhookKey(secret)).update(`${id}.${timestamp}.${body}`).digest()
  } catch {
    return false
  }
  return signatures.split(' ').some((entry) => {
    const comma = entry.indexOf(',')
    if (entry.slice(0, comma) !== 'v1') return false
    const given = Buffer.from(entry.slice(comma + 1), 'base64')
    return given.length === expected.length && timingSafeEqual(given, expected)
  })
}
