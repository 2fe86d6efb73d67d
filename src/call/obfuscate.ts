// The same keys XO hides in what it logs and sends to web-hooks.
const SECRET_KEY = /password|^token$|^passphrase$|^encryptionKey$/i

/** A copy of `value` with secret-looking string values replaced, for what the package shows (msg.xo.params). */
export function obfuscate(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(obfuscate)
  if (!value || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    out[key] = typeof v === 'string' && SECRET_KEY.test(key) ? '* obfuscated *' : obfuscate(v)
  }
  return out
}
