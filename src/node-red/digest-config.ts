import type { DigestOptions, GroupKey, Silence } from '../digest/digest-engine'

/** An xo digest node's properties, as the editor (or a flow file written by hand) gives them. */
export interface DigestConfig {
  groupBy?: unknown
  groupWait?: unknown
  groupInterval?: unknown
  repeatInterval?: unknown
  repeatFor?: unknown
  resolve?: unknown
  dedup?: unknown
  maxItems?: unknown
  silences?: unknown
  inhibit?: unknown
}

export type DigestSettings = Omit<DigestOptions, 'send' | 'dropped' | 'clock'>

const KEYS = new Set(['kind', 'method', 'pool', 'host', 'user', 'tag', 'job', 'type'])
// A message property path as Node-RED's typed inputs write one (`payload.object.name_label`, `xo.user.id`).
const PROPERTY = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/

class Refused extends Error {}

/**
 * Reads and checks an xo digest node's properties once, at deploy: the engine's options, or the reason they cannot
 * work (naming the property), which the node shows and fails every message with, rather than grouping wrongly.
 * Missing properties take their defaults (group by kind and pool, 10 s, 5 min, 4 h, repeated for 24 h, 20 items).
 */
export function digestSettings(config: DigestConfig): { settings: DigestSettings } | { error: string } {
  try {
    return {
      settings: {
        groupBy: groupBy(config.groupBy),
        groupWaitMs: seconds(config.groupWait, 10, 'group wait', 0) * 1000,
        groupIntervalMs: seconds(config.groupInterval, 300, 'group interval', 1) * 1000,
        repeatIntervalMs: seconds(config.repeatInterval, 14_400, 'repeat interval', 1) * 1000,
        repeatForMs: seconds(config.repeatFor, 86_400, 'repeat for', 0) * 1000,
        resolve: flag(config.resolve, true),
        dedup: flag(config.dedup, true),
        maxItems: maxItems(config.maxItems),
        silences: silences(config.silences),
        inhibit: flag(config.inhibit, false),
      },
    }
  } catch (error) {
    if (error instanceof Refused) return { error: error.message }
    throw error
  }
}

/** A span set in seconds as the node's log says it: "24 h", "90 min", "45 s". */
export function spanOf(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s >= 3600 && s % 3600 === 0) return `${s / 3600} h`
  if (s >= 60 && s % 60 === 0) return `${s / 60} min`
  return `${s} s`
}

const absent = (value: unknown) => value === undefined || value === null || value === ''

function groupBy(value: unknown): GroupKey[] {
  if (absent(value)) return ['kind', 'pool']
  const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value
  if (!Array.isArray(list)) throw new Refused('group by: a list of keys is expected')
  for (const key of list) {
    const ok =
      typeof key === 'string' &&
      (KEYS.has(key) || (key.startsWith('property:') && PROPERTY.test(key.slice('property:'.length))))
    if (!ok)
      throw new Refused(
        `group by: ${JSON.stringify(key)} is no grouping key (${[...KEYS].join(', ')}, property:<path>)`,
      )
  }
  return [...new Set(list as GroupKey[])]
}

function seconds(value: unknown, fallback: number, what: string, least: number): number {
  if (absent(value)) return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n < least)
    throw new Refused(`${what}: ${JSON.stringify(value)} is not a number of seconds of at least ${least}`)
  return n
}

function flag(value: unknown, fallback: boolean): boolean {
  if (absent(value)) return fallback
  return value === true || value === 'true'
}

function maxItems(value: unknown): number {
  if (absent(value)) return 20
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1)
    throw new Refused(`list limit: ${JSON.stringify(value)} is not a whole number of at least 1`)
  return n
}

function silences(value: unknown): Silence[] {
  if (absent(value)) return []
  if (!Array.isArray(value)) throw new Refused('silences: a list is expected')
  return value.map((silence, at) => {
    const which = `silence ${at + 1}`
    if (silence?.kind === 'maintenance') return { kind: 'maintenance' }
    if (silence?.kind !== 'window') throw new Refused(`${which}: a window or maintenance is expected`)
    const { from, to, days } = silence as { from?: unknown; to?: unknown; days?: unknown }
    if (typeof from !== 'string' || !TIME.test(from))
      throw new Refused(`${which}: from ${JSON.stringify(from)} is not HH:MM`)
    if (typeof to !== 'string' || !TIME.test(to)) throw new Refused(`${which}: to ${JSON.stringify(to)} is not HH:MM`)
    if (absent(days)) return { kind: 'window', from, to }
    if (Array.isArray(days) && days.length === 0) throw new Refused(`${which}: no day ticked, it would never hold`)
    const list = Array.isArray(days) ? days.map(Number) : []
    if (!list.length || list.some((d) => !Number.isInteger(d) || d < 0 || d > 6))
      throw new Refused(`${which}: days ${JSON.stringify(days)} are not days of the week (0 = Sunday to 6)`)
    return { kind: 'window', from, to, days: [...new Set(list)].sort((a, b) => a - b) }
  })
}
