import type { XoObject } from '../xo/object-store'

export type MatchMode = 'exact' | 'glob' | 'regex'

/** One text filter as the editor stores it: exact values (comma separated), a glob, or a regular expression. */
export interface MatchSpec {
  mode?: MatchMode
  value?: string
}

export type Matcher = (text: string) => boolean

/** Compiles a filter once, at deploy; an invalid expression comes back as a message, never as a runtime throw. */
export function compileMatcher(spec: MatchSpec | undefined): Matcher | undefined | { error: string } {
  const value = (spec?.value ?? '').trim()
  if (value === '') return undefined
  switch (spec?.mode ?? 'exact') {
    case 'exact': {
      const values = new Set(
        value
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean),
      )
      return (text) => values.has(text)
    }
    case 'glob': {
      const alternatives = value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
      const re = new RegExp(`^(?:${alternatives.map(globBody).join('|')})$`)
      return (text) => re.test(text)
    }
    case 'regex':
      try {
        const re = new RegExp(value)
        return (text) => re.test(text)
      } catch (error) {
        return { error: `invalid regular expression ${value}: ${(error as Error).message}` }
      }
    default:
      return { error: `unknown match mode ${String(spec?.mode)}` }
  }
}

function globBody(glob: string): string {
  return glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
}

export interface ObjectFilterSpec {
  name?: MatchSpec
  tag?: MatchSpec
  pool?: MatchSpec
  id?: MatchSpec
}

/** The fields of an object that the filters below read (kept by remembered objects, like FIELDS_DERIVE_READS). */
export const FIELDS_FILTERS_READ = ['id', 'name_label', 'name', 'tags', '$pool'] as const

export type ObjectFilter = (object: XoObject, lookup: (id: string) => XoObject | undefined) => boolean

/**
 * Name (name_label, or a message's name), tag (any of the object's tags), pool (its name or id) and id
 * filters, all of which must match. Compiled once into one function.
 */
export function compileObjectFilter(spec: ObjectFilterSpec): ObjectFilter | { error: string } {
  const compiled: Partial<Record<keyof ObjectFilterSpec, Matcher>> = {}
  for (const key of ['name', 'tag', 'pool', 'id'] as const) {
    const matcher = compileMatcher(spec[key])
    if (matcher && typeof matcher === 'object') return { error: `${key} filter: ${matcher.error}` }
    if (matcher) compiled[key] = matcher
  }
  const { name, tag, pool, id } = compiled
  return (object, lookup) => {
    if (id && !id(object.id)) return false
    if (name && !name(String(object.name_label ?? object.name ?? ''))) return false
    if (tag && !(Array.isArray(object.tags) && (object.tags as unknown[]).some((t) => typeof t === 'string' && tag(t))))
      return false
    if (pool) {
      const poolId = typeof object.$pool === 'string' ? object.$pool : ''
      const poolName = String(lookup(poolId)?.name_label ?? '')
      if (!pool(poolId) && !pool(poolName)) return false
    }
    return true
  }
}
