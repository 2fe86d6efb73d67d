import { isRecord } from './text'

const HIDDEN = '* obfuscated *'

// Methods whose result is itself a credential: token.create answers with the new authentication token, and
// a token's id is the token. Their results never leave the package, whatever the destination.
const SECRET_RESULTS = new Set(['token.create', 'user.getAuthenticationTokens'])

// The keys XO hides in what it logs and sends to web-hooks, plus the one-shot transfer paths of vm.export and
// friends (`$getFrom`, `$sendTo`), which are credentials too: whoever has the path can download the VM.
const SECRET_KEY = /password|^token$|^passphrase$|^encryptionKey$|secret|^\$getFrom$|^\$sendTo$/i

/** A copy of `value` with every secret-looking value hidden (bounded depth: results can be huge trees). */
export function hideSecrets(value: unknown, depth = 0): unknown {
  if (depth > 20) return undefined
  if (Array.isArray(value)) return value.map((v) => hideSecrets(v, depth + 1))
  if (!isRecord(value)) return value
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value))
    out[key] = SECRET_KEY.test(key) && v != null ? HIDDEN : hideSecrets(v, depth + 1)
  return out
}

/** The result of `method` as it may be shown: hidden entirely when the method returns a credential. */
export function safeResult(method: string, result: unknown): unknown {
  if (result === undefined) return undefined
  return SECRET_RESULTS.has(method) ? HIDDEN : hideSecrets(result)
}
