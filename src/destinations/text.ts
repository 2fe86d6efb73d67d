import { createHash } from 'node:crypto'

/** One line: destinations show titles and fact values in a single row, and names may hold newlines. */
export function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim()
}

/**
 * `value` cut to at most `max` characters, ending with an ellipsis when cut. Never splits a surrogate pair,
 * which some destinations reject as invalid UTF-8.
 */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value
  if (max <= 1) return value.slice(0, Math.max(0, max))
  let cut = value.slice(0, max - 1)
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1)
  return `${cut}…`
}

/** JSON with object keys sorted, so that equal values always hash the same whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return v
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, (v as Record<string, unknown>)[k]]),
    )
  })
}

/** A short stable hash (16 hex digits of SHA-256): enough to tell versions apart in an event id. */
export function stableHash(value: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(value) ?? 'undefined')
    .digest('hex')
    .slice(0, 16)
}

export function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8')
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

export const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined

export function capitalize(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1)
}

/** "1.5 s", "850 ms", "2 min 5 s": what a reader expects in a fact. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`
  const minutes = Math.floor(ms / 60_000)
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`
}
