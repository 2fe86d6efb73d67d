// XO's parameter conveniences and schema dialect (api.md §1): properties are required unless
// `optional: true` (or a default exists), extra properties are refused unless there is a '*' key,
// strings must be non-empty unless minLength says otherwise; `<namespace>: uuid` is renamed to `id`
// and keys suffixed with `?` are dropped silently when unknown.
import { invalidParameters } from './errors'

type Schema = Record<string, any>

export function applyConveniences(
  method: string,
  schema: Schema | undefined,
  params: Record<string, unknown>,
): Record<string, unknown> {
  if (schema === undefined) return params
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(params)) {
    if (k.endsWith('?')) {
      const base = k.slice(0, -1)
      if (base in schema) out[base] = v
      continue
    }
    out[k] = v
  }
  const ns = method.split('.')[0]
  if ('id' in schema && out.id === undefined && typeof out[ns] === 'string' && !(ns in schema)) {
    out.id = out[ns]
    delete out[ns]
  }
  return out
}

const typeOf = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v

function matchesType(v: unknown, type: string): boolean {
  const t = typeOf(v)
  if (type === 'number') return t === 'number' || t === 'integer'
  return t === type
}

export function validateParams(schema: Schema | undefined, params: Record<string, unknown>): void {
  // An empty declaration means "not declared" for XO (e.g. session.signIn takes credentials).
  if (schema === undefined || Object.keys(schema).length === 0) return
  const errors: Record<string, unknown>[] = []
  const add = (instancePath: string, keyword: string, p: Record<string, unknown>, message: string) =>
    errors.push({ instancePath, schemaPath: `#/${keyword}`, keyword, params: p, message })
  for (const [k, s] of Object.entries(schema)) {
    if (k === '*') continue
    if (params[k] === undefined) {
      if (s?.optional !== true && !('default' in (s ?? {})))
        add('', 'required', { missingProperty: k }, `must have required property '${k}'`)
      continue
    }
    const v = params[k]
    const types: string[] | undefined = s?.type === undefined ? undefined : [].concat(s.type)
    if (types !== undefined && !types.some((t) => matchesType(v, t))) {
      add(`/${k}`, 'type', { type: types.join(',') }, `must be ${types.join(',')}`)
      continue
    }
    if (Array.isArray(s?.enum) && !s.enum.includes(v)) {
      add(`/${k}`, 'enum', { allowedValues: s.enum }, 'must be equal to one of the allowed values')
    }
    if (typeof v === 'string' && v.length < (s?.minLength ?? 1)) {
      add(
        `/${k}`,
        'minLength',
        { limit: s?.minLength ?? 1 },
        `must NOT have fewer than ${s?.minLength ?? 1} characters`,
      )
    }
  }
  if (!('*' in schema)) {
    for (const k of Object.keys(params)) {
      if (!(k in schema))
        add('', 'additionalProperties', { additionalProperty: k }, 'must NOT have additional properties')
    }
  }
  if (errors.length > 0) throw invalidParameters(errors)
}

/** "* obfuscated *" for token/passphrase/encryptionKey and /password/i keys, recursively. */
export function obfuscate(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(obfuscate)
  if (typeof value !== 'object' || value === null) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    const sensitive = k === 'token' || k === 'passphrase' || k === 'encryptionKey' || /password/i.test(k)
    out[k] = sensitive && typeof v === 'string' ? '* obfuscated *' : obfuscate(v)
  }
  return out
}
