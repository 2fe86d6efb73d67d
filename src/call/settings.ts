/** One configured parameter: a name and a Node-RED typed input (str, num, bool, json, msg, flow, global, env…). */
export interface ParamRow {
  name?: string
  type?: string
  value?: string
}

/** What the editor stores for an `xo-call` node. */
export interface XoCallConfig {
  method?: string
  params?: ParamRow[]
  payloadParams?: boolean
  property?: string
  /** seconds, 0 = none */
  timeout?: number | string
  concurrency?: number | string
  queue?: number | string
  whenDown?: 'wait' | 'fail'
  /** seconds */
  waitTimeout?: number | string
  errorOutput?: boolean
}

export interface CallSettings {
  method: string
  params: Array<{ name: string; type: string; value: string }>
  payloadParams: boolean
  property: string
  timeoutMs: number
  concurrency: number
  maxQueue: number
  whenDown: 'wait' | 'fail'
  waitMs: number
  errorOutput: boolean
}

const TYPES = new Set(['str', 'num', 'bool', 'json', 'msg', 'flow', 'global', 'env', 'date', 'jsonata', 'bin', 're'])

const number = (value: unknown, fallback: number) => {
  const n = value === '' || value === undefined ? NaN : Number(value)
  return Number.isFinite(n) ? n : fallback
}

export function callSettings(config: XoCallConfig): CallSettings | { error: string } {
  const method = (config.method ?? '').trim()
  if (method && !/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+$/.test(method)) return { error: `invalid method name: ${method}` }
  const params: CallSettings['params'] = []
  for (const row of config.params ?? []) {
    const name = (row.name ?? '').trim()
    if (!name) continue
    const type = row.type ?? 'str'
    if (!TYPES.has(type)) return { error: `parameter ${name}: unknown value type ${type}` }
    if (params.some((p) => p.name === name)) return { error: `parameter ${name} is set twice` }
    params.push({ name, type, value: row.value ?? '' })
  }
  const timeout = number(config.timeout, 60)
  const concurrency = number(config.concurrency, 4)
  const queue = number(config.queue, 100)
  const waitTimeout = number(config.waitTimeout, 30)
  if (timeout < 0) return { error: 'timeout must not be negative' }
  if (!(concurrency >= 1) || !Number.isInteger(concurrency))
    return { error: 'concurrency must be a whole number from 1' }
  if (!(queue >= 0) || !Number.isInteger(queue)) return { error: 'queue must be a whole number from 0' }
  if (waitTimeout < 0) return { error: 'waiting time must not be negative' }
  const property = (config.property ?? '').trim() || 'payload'
  return {
    method,
    params,
    payloadParams: config.payloadParams !== false,
    property,
    timeoutMs: timeout * 1000,
    concurrency,
    maxQueue: queue,
    whenDown: config.whenDown === 'fail' ? 'fail' : 'wait',
    waitMs: waitTimeout * 1000,
    errorOutput: config.errorOutput === true,
  }
}
