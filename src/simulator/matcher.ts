// Filters of xo.getAllObjects: an object (lodash-style partial deep match) or a string in a
// small subset of complex-matcher syntax: space-separated `key:value` terms (value optionally
// quoted), `!` negation, and bare words matched as substrings of any string property.

function isMatch(target: unknown, pattern: unknown): boolean {
  if (pattern === target) return true
  if (typeof pattern !== 'object' || pattern === null) return false
  if (typeof target !== 'object' || target === null) return false
  if (Array.isArray(pattern)) {
    return Array.isArray(target) && pattern.every((p) => target.some((t) => isMatch(t, p)))
  }
  return Object.entries(pattern).every(([k, v]) => isMatch((target as Record<string, unknown>)[k], v))
}

interface Term {
  negate: boolean
  key?: string
  value: string
}

function parse(filter: string): Term[] {
  const terms: Term[] = []
  const re = /(!?)(?:([\w$.-]+):)?("([^"]*)"|\S+)/g
  let m: RegExpExecArray | null
  while ((m = re.exec(filter)) !== null) {
    terms.push({ negate: m[1] === '!', key: m[2], value: m[4] ?? m[3] })
  }
  return terms
}

function termMatches(obj: Record<string, unknown>, t: Term): boolean {
  if (t.key === undefined) {
    const needle = t.value.toLowerCase()
    return Object.values(obj).some((v) => typeof v === 'string' && v.toLowerCase().includes(needle))
  }
  const v = t.key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj)
  if (Array.isArray(v)) return v.some((x) => String(x) === t.value)
  return v !== undefined && v !== null && String(v) === t.value
}

export function makeFilter(filter: unknown): (obj: Record<string, unknown>) => boolean {
  if (filter === undefined || filter === null) return () => true
  if (typeof filter === 'string') {
    const terms = parse(filter)
    return (obj) => terms.every((t) => termMatches(obj, t) !== t.negate)
  }
  return (obj) => isMatch(obj, filter)
}
