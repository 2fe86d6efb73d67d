/** A parameter schema in XO's dialect (`system.getMethodsInfo`): required unless `optional`, strings non-empty. */
export interface ParamSchema {
  type?: string | string[]
  optional?: boolean
  default?: unknown
  enum?: unknown[]
  items?: ParamSchema
  properties?: Record<string, ParamSchema>
  minLength?: number
  description?: string
}

export interface MethodSchema {
  params?: Record<string, ParamSchema>
  description?: string
  permission?: string | null
}

/**
 * What xo-server itself does to parameters before checking them (api.mjs): a method that takes `id` also takes
 * `<namespace>: id` (`vm.start {vm}`), and a key ending in `?` is dropped when the method does not know it.
 */
export function normalizeParams(
  method: string,
  schema: MethodSchema,
  params: Record<string, unknown>,
): Record<string, unknown> {
  const known = schema.params ?? {}
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(params)) {
    if (key.endsWith('?')) {
      const bare = key.slice(0, -1)
      if (bare in known || '*' in known) out[bare] = value
      continue
    }
    out[key] = value
  }
  const namespace = method.slice(0, method.indexOf('.'))
  if ('id' in known && !('id' in out) && namespace in out && !(namespace in known)) {
    out.id = out[namespace]
    delete out[namespace]
  }
  return out
}

/** Checks parameters against a method's schema; the message names the wrong or missing parameter. */
export function checkParams(method: string, schema: MethodSchema, params: Record<string, unknown>): string | undefined {
  const known = schema.params ?? {}
  const open = '*' in known
  for (const [name, rule] of Object.entries(known)) {
    if (name === '*') continue
    const value = params[name]
    if (value === undefined) {
      if (rule.optional || rule.default !== undefined) continue
      return `${method}: missing parameter "${name}"${describe(rule)}`
    }
    const problem = checkValue(value, rule, name)
    if (problem) return `${method}: ${problem}`
  }
  if (!open) {
    const unknown = Object.keys(params).filter((name) => !(name in known))
    if (unknown.length) {
      const accepted = Object.keys(known).join(', ') || 'no parameters'
      return `${method}: unknown parameter${unknown.length > 1 ? 's' : ''} "${unknown.join('", "')}" (it takes ${accepted})`
    }
  }
  return undefined
}

function describe(rule: ParamSchema): string {
  const type = Array.isArray(rule.type) ? rule.type.join(' or ') : rule.type
  return type ? ` (${type})` : ''
}

function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

function matchesType(value: unknown, type: string): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(value)
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
    case 'array':
      return Array.isArray(value)
    case 'object':
      return typeOf(value) === 'object'
    case 'null':
      return value === null
    default:
      return typeof value === type
  }
}

function checkValue(value: unknown, rule: ParamSchema, path: string): string | undefined {
  if (rule.type !== undefined) {
    const types = Array.isArray(rule.type) ? rule.type : [rule.type]
    if (!types.some((type) => matchesType(value, type))) {
      return `parameter "${path}" must be ${types.join(' or ')}, not ${typeOf(value)}`
    }
  }
  if (rule.enum && !rule.enum.some((allowed) => allowed === value)) {
    return `parameter "${path}" must be one of ${rule.enum.map((v) => JSON.stringify(v)).join(', ')}`
  }
  if (typeof value === 'string' && value.length < (rule.minLength ?? 1)) return `parameter "${path}" must not be empty`
  if (Array.isArray(value) && rule.items) {
    for (let i = 0; i < value.length; i++) {
      const problem = checkValue(value[i], rule.items, `${path}[${i}]`)
      if (problem) return problem
    }
  }
  if (rule.properties && typeOf(value) === 'object') {
    const object = value as Record<string, unknown>
    for (const [name, sub] of Object.entries(rule.properties)) {
      if (object[name] === undefined) {
        if (sub.optional || sub.default !== undefined) continue
        return `missing parameter "${path}.${name}"${describe(sub)}`
      }
      const problem = checkValue(object[name], sub, `${path}.${name}`)
      if (problem) return problem
    }
  }
  return undefined
}
