// The web-hooks plugin (0.4.0) as observed: plain POSTs with Node's global fetch (same headers as the
// real plugin: content-type, accept, accept-language, sec-fetch-mode, user-agent node, keep-alive),
// no retry, no signature. Only pre hooks with waitForResponse delay the call, up to ~10.5 s.
import { invalidParameters } from './errors'
import { WEB_HOOKS_METHOD_ENUM } from './data/method-catalogue'
import { WEB_HOOKS_TEST_PAYLOAD } from './data/plugins'

export interface Hook {
  method: string
  type: 'pre' | 'post' | 'pre/post'
  url: string
  format: 'json' | 'office365'
  waitForResponse?: boolean
}

export type Payload = Record<string, unknown>

const METHOD_SET = new Set(WEB_HOOKS_METHOD_ENUM)

/** Ajv-like validation of {hooks: [...]}; fills format's default "json" like Ajv's useDefaults. */
export function validateConfiguration(configuration: unknown): { hooks: Hook[] } {
  const errors: Record<string, unknown>[] = []
  const err = (instancePath: string, keyword: string, params: Record<string, unknown>, message: string) =>
    errors.push({ instancePath, schemaPath: `#/${keyword}`, keyword, params, message })
  if (typeof configuration !== 'object' || configuration === null || Array.isArray(configuration)) {
    err('', 'type', { type: 'object' }, 'must be object')
    throw invalidParameters(errors)
  }
  const hooks = (configuration as Record<string, unknown>).hooks
  if (hooks === undefined) err('', 'required', { missingProperty: 'hooks' }, "must have required property 'hooks'")
  else if (!Array.isArray(hooks)) err('/hooks', 'type', { type: 'array' }, 'must be array')
  else {
    hooks.forEach((h: any, i) => {
      const at = `/hooks/${i}`
      if (typeof h !== 'object' || h === null || Array.isArray(h))
        return err(at, 'type', { type: 'object' }, 'must be object')
      if (h.format === undefined) h.format = 'json'
      for (const k of ['method', 'type', 'url', 'format']) {
        if (h[k] === undefined) err(at, 'required', { missingProperty: k }, `must have required property '${k}'`)
      }
      const enumCheck = (k: string, allowed: readonly string[], has: (v: string) => boolean) => {
        if (h[k] !== undefined && !(typeof h[k] === 'string' && has(h[k]))) {
          err(`${at}/${k}`, 'enum', { allowedValues: allowed }, 'must be equal to one of the allowed values')
        }
      }
      enumCheck('method', WEB_HOOKS_METHOD_ENUM, (v) => METHOD_SET.has(v))
      enumCheck('type', ['pre', 'post', 'pre/post'], (v) => ['pre', 'post', 'pre/post'].includes(v))
      enumCheck('format', ['json', 'office365'], (v) => v === 'json' || v === 'office365')
      if (h.url !== undefined && typeof h.url !== 'string')
        err(`${at}/url`, 'type', { type: 'string' }, 'must be string')
      if (h.waitForResponse !== undefined && typeof h.waitForResponse !== 'boolean') {
        err(`${at}/waitForResponse`, 'type', { type: 'boolean' }, 'must be boolean')
      }
    })
  }
  if (errors.length > 0) throw invalidParameters(errors)
  return configuration as { hooks: Hook[] }
}

/** Office 365 connector MessageCard, as captured (scenario A7). */
export function office365Card(payload: Payload): Record<string, unknown> {
  const facts = Object.entries(payload)
    .filter(([k, v]) => k !== 'type' && v !== undefined)
    .map(([name, value]) => ({ name, value: typeof value === 'string' ? value : JSON.stringify(value) }))
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    themeColor: '6B63BF',
    summary: 'New notification from the Xen-Orchestra webhook plugin',
    sections: [{ title: `XO ${String(payload.type).toUpperCase()} notification`, facts }],
  }
}

/** One delivery as it went: the receiver's HTTP status, or why there was none. */
export interface Delivery {
  url: string
  payload: Payload
  status?: number
  error?: string
}

export class WebHooks {
  hooks: Hook[] = []
  loaded = false
  private readonly pending = new Set<AbortController>()

  constructor(
    private readonly timeoutMs: number,
    private readonly log: (s: string) => void,
    private readonly delivered: (delivery: Delivery) => void = () => {},
  ) {}

  private matching(method: string, phase: 'pre' | 'post'): Hook[] {
    if (!this.loaded) return []
    return this.hooks.filter((h) => h.method === method && (h.type === phase || h.type === 'pre/post'))
  }

  /** Sends the pre hooks; resolves once every waitForResponse hook answered, failed or timed out. */
  async pre(payload: Payload): Promise<void> {
    const waits: Promise<void>[] = []
    for (const hook of this.matching(String(payload.method), 'pre')) {
      const p = this.deliver(hook, { ...payload, type: 'pre' })
      if (hook.waitForResponse === true) waits.push(p)
    }
    await Promise.all(waits)
  }

  /**
   * Post hooks are fire-and-forget for XO (waitForResponse is ignored on them): the promise only tells the
   * caller when they were delivered; undefined when no hook matches.
   */
  post(payload: Payload): Promise<void> | undefined {
    const hooks = this.matching(String(payload.method), 'post')
    if (hooks.length === 0) return undefined
    return Promise.all(hooks.map((hook) => this.deliver(hook, { ...payload, type: 'post' }))).then(() => {})
  }

  /** plugin.test: the fixed fake call, to every hook, one after the other. */
  async test(): Promise<void> {
    const { callId, userId, userName, params, timestamp } = WEB_HOOKS_TEST_PAYLOAD
    for (const hook of this.hooks) {
      const types = hook.type === 'pre/post' ? ['pre', 'post'] : [hook.type]
      for (const type of types) {
        await this.deliver(hook, { callId, userId, userName, method: hook.method, params, timestamp, type })
      }
    }
  }

  /** Never throws: delivery errors are only logged, like the real plugin. */
  async deliver(hook: Hook, payload: Payload): Promise<void> {
    const ctl = new AbortController()
    this.pending.add(ctl)
    const timer = setTimeout(() => ctl.abort(new Error('timeout')), this.timeoutMs)
    try {
      const body = JSON.stringify(hook.format === 'office365' ? office365Card(payload) : payload)
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
        signal: ctl.signal,
      })
      await res.arrayBuffer() // drain so the keep-alive socket is reusable; the body is ignored
      if (!res.ok) this.log(`web-hook ${hook.url}: HTTP ${res.status}`)
      this.delivered({ url: hook.url, payload, status: res.status })
    } catch (err) {
      this.log(`web-hook ${hook.url}: ${(err as Error).message}`)
      this.delivered({ url: hook.url, payload, error: (err as Error).message })
    } finally {
      clearTimeout(timer)
      this.pending.delete(ctl)
    }
  }

  /** Aborts every request in flight (used by stop()). */
  abortAll(): void {
    for (const ctl of this.pending) ctl.abort(new Error('simulator stopped'))
    this.pending.clear()
  }
}
