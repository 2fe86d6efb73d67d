import type { XoEventSummary } from '../destinations/summary'
import { isRecord } from '../destinations/text'

export type Silence =
  | { kind: 'window'; from: string /* 'HH:MM' */; to: string; days?: number[] /* 0 = Sunday */ }
  | { kind: 'maintenance' }

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number)
  return (h || 0) * 60 + (m || 0)
}

/**
 * Whether `time` falls in the window, in local time. A window past midnight (22:00 to 06:00) belongs to the day it
 * starts: Friday's 22:00–06:00 covers Saturday 03:00. `from` equal to `to` is the whole day.
 */
export function inWindow(silence: Extract<Silence, { kind: 'window' }>, time: number): boolean {
  const date = new Date(time)
  const minute = date.getHours() * 60 + date.getMinutes()
  const from = minutesOf(silence.from)
  const to = minutesOf(silence.to)
  let day = date.getDay()
  let inside: boolean
  if (from < to) inside = minute >= from && minute < to
  else if (from === to) inside = true
  else if (minute >= from) inside = true
  else {
    inside = minute < to
    day = (day + 6) % 7
  }
  return inside && (!silence.days || silence.days.includes(day))
}

/**
 * The hosts the message's object is on, or was on a moment ago: its host as the summary or a call's object names
 * it, and for xo-events its `$container` before and after. xo-events names no host of a VM that stopped (its
 * $container is the pool once halted): the one it ran on is its previous $container, as it is for a VM evacuated
 * from the host (migrated from it). A pool's id among them is harmless: no host has it.
 */
export function hostsOf(s: XoEventSummary, msg: Record<string, unknown>): string[] {
  const hosts: string[] = []
  const subject = s.subject
  const host = s.host?.id ?? (isRecord(subject?.host) ? (subject.host.id as string | undefined) : undefined)
  if (host) hosts.push(host)
  const payload = isRecord(msg.payload) ? msg.payload : undefined
  if (payload === undefined || s.source !== 'events') return hosts
  for (const object of [payload.object, payload.previous])
    if (isRecord(object) && typeof object.$container === 'string') hosts.push(object.$container)
  return hosts
}

/**
 * The hosts in maintenance mode (disabled), as the messages say: a host's own object (`enabled`), what a call
 * resolved, and the calls that disable or enable a host. Its events and its VMs' are silenced meanwhile.
 */
export class MaintenanceHosts {
  readonly #disabled = new Set<string>()

  /** Whether the message is about a host in maintenance or one of its VMs (`learn` it first). */
  covers(s: XoEventSummary, msg: Record<string, unknown>): boolean {
    if (this.#disabled.size === 0) return false
    if (s.subject?.type === 'host' && this.#disabled.has(s.subject.id)) return true
    return hostsOf(s, msg).some((host) => this.#disabled.has(host))
  }

  list(): string[] {
    return [...this.#disabled]
  }

  restore(ids: readonly string[]): void {
    for (const id of ids) this.#disabled.add(id)
  }

  /** What the message says of hosts' maintenance mode; whether a host entered or left it. */
  learn(s: XoEventSummary, msg: Record<string, unknown>): boolean {
    const payload = isRecord(msg.payload) ? msg.payload : undefined
    let changed = false
    if (s.source === 'events' && payload?.type === 'host' && isRecord(payload.object))
      changed = this.#set(payload.id as string, payload.object.enabled)
    for (const object of Object.values(s.objects))
      if (object.type === 'host') changed = this.#set(object.id, object.enabled) || changed
    const id = s.subject?.id
    if (!s.ok || s.source === 'events' || !id) return changed
    if (s.kind === 'host.disable') return this.#set(id, false) || changed
    if (s.kind === 'host.enable') return this.#set(id, true) || changed
    if (s.kind === 'host.setMaintenanceMode') {
      const params = isRecord(payload?.params)
        ? payload.params
        : isRecord(msg.xo)
          ? (msg.xo as { params?: unknown }).params
          : {}
      return this.#set(id, isRecord(params) && params.maintenance === false) || changed
    }
    return changed
  }

  /** Whether it changed. */
  #set(id: string, enabled: unknown): boolean {
    if (enabled === false && !this.#disabled.has(id)) return !!this.#disabled.add(id)
    if (enabled === true) return this.#disabled.delete(id)
    return false
  }
}
