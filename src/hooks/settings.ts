import { compileMethods, type MethodMatcher } from './patterns'
import { type AddressMatcher, compileAllowList } from './receiver'

/** What the editor stores for an `xo-hook` node. */
export interface XoHookConfig {
  methods?: string[] | string
  phase?: 'both' | 'pre' | 'post'
  register?: boolean
  enrich?: boolean
  /** seconds to wait for an object created by the call to reach the object stream */
  enrichWait?: number | string
  gate?: boolean
  /** seconds a gated pre delivery is held at most */
  gateTimeout?: number | string
  /** MiB */
  maxBody?: number | string
  allowFrom?: string
  /** emit post deliveries XO could not make, from its audit log */
  catchUp?: boolean
  /** hours: missed calls older than this are not caught up */
  catchUpHours?: number | string
  /** missed calls caught up at most in one go (the newest) */
  catchUpMax?: number | string
  /** seconds between two reads of the audit log while connected */
  catchUpEvery?: number | string
  /** seconds a call stays in the log before it is taken from there (it may still come live) */
  catchUpGrace?: number | string
}

export interface CatchUpSettings {
  maxAgeMs: number
  maxCalls: number
  periodMs: number
  graceMs: number
}

export interface HookSettings {
  methods: MethodMatcher
  patterns: string[]
  pre: boolean
  post: boolean
  register: boolean
  enrich: boolean
  enrichWaitMs: number
  gate: boolean
  gateTimeoutMs: number
  maxBytes: number
  allowFrom: AddressMatcher | undefined
  /** undefined: no catch-up (off, or the node takes no post deliveries) */
  catchUp: CatchUpSettings | undefined
}

// XO gives up on a pre hook after about 10.5 s and then proceeds anyway. A gate releases at least a second
// before, even with hundreds of deliveries held at once (then releases lag by a few hundred ms).
export const XO_WAIT_LIMIT_S = 9
export const DEFAULT_GATE_TIMEOUT_S = 8

const number = (value: unknown, fallback: number) => {
  const n = typeof value === 'string' && value.trim() === '' ? NaN : Number(value)
  return Number.isFinite(n) ? n : fallback
}

/** Compiles a node's configuration once, at deploy; every problem comes back as a message. */
export function hookSettings(config: XoHookConfig): HookSettings | { error: string } {
  const patterns = Array.isArray(config.methods) ? config.methods : String(config.methods ?? '').split(/[\s,]+/)
  const methods = compileMethods(patterns)
  if ('error' in methods) return methods
  const phase = config.phase ?? 'both'
  if (!['both', 'pre', 'post'].includes(phase)) return { error: `invalid phase: ${phase}` }
  const gateTimeout = number(config.gateTimeout, DEFAULT_GATE_TIMEOUT_S)
  if (gateTimeout <= 0 || gateTimeout > XO_WAIT_LIMIT_S)
    return { error: `gate timeout must be over 0 and at most ${XO_WAIT_LIMIT_S} s` }
  const maxBody = number(config.maxBody, 16)
  if (!(maxBody > 0)) return { error: 'size limit must be a positive number of MiB' }
  const enrichWait = number(config.enrichWait, 5)
  if (enrichWait < 0) return { error: 'enrichment wait must not be negative' }
  const allowFrom = compileAllowList(config.allowFrom ?? '')
  if (allowFrom && typeof allowFrom === 'object') return allowFrom
  const catchUp = catchUpSettings(config, phase !== 'pre')
  if (catchUp && 'error' in catchUp) return catchUp
  return {
    methods,
    patterns: patterns.map((p) => p.trim()).filter(Boolean),
    pre: phase !== 'post',
    post: phase !== 'pre',
    register: config.register !== false,
    enrich: config.enrich !== false,
    enrichWaitMs: enrichWait * 1000,
    gate: config.gate === true && phase !== 'post',
    gateTimeoutMs: gateTimeout * 1000,
    maxBytes: Math.round(maxBody * 1024 * 1024),
    allowFrom,
    catchUp,
  }
}

// Defaults: a day back, a thousand calls, a read a minute, ten seconds for a live delivery to arrive first.
export const CATCH_UP_DEFAULTS = { hours: 24, max: 1000, every: 60, grace: 10 }

/** Pre deliveries cannot be recovered (XO's audit log records calls once they ran): catch-up needs post. */
function catchUpSettings(config: XoHookConfig, post: boolean): CatchUpSettings | undefined | { error: string } {
  if (config.catchUp !== true || !post) return undefined
  const hours = number(config.catchUpHours, CATCH_UP_DEFAULTS.hours)
  if (!(hours > 0)) return { error: 'catch-up age must be a positive number of hours' }
  const max = number(config.catchUpMax, CATCH_UP_DEFAULTS.max)
  if (!(max >= 1) || !Number.isInteger(max))
    return { error: 'catch-up count must be a whole number of calls, 1 or more' }
  const every = number(config.catchUpEvery, CATCH_UP_DEFAULTS.every)
  if (!(every >= 1)) return { error: 'catch-up period must be at least 1 s' }
  const grace = number(config.catchUpGrace, CATCH_UP_DEFAULTS.grace)
  if (!(grace >= 0)) return { error: 'catch-up grace must not be negative' }
  return { maxAgeMs: hours * 3_600_000, maxCalls: max, periodMs: every * 1000, graceMs: grace * 1000 }
}
