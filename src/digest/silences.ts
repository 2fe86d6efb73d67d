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
 * The hosts in maintenance mode (disabled), as the messages say: a host's own object (`enabled`), what a call
 * resolved, and the calls that disable or enable a host. Its events and its VMs' are silenced meanwhile.
 */
export class MaintenanceHosts {
  readonly #disabled = new Set<string>()

  /** Whether the message is about a host in maintenance or one of its VMs (`learn` it first). */
  covers(s: XoEventSummary, msg: Record<string, unknown>): boolean {
    if (this.#disabled.size === 0) return false
    const subject = s.subject
    if (subject?.type === 'host' && this.#disabled.has(subject.id)) return true
    const host = s.host?.id ?? (isRecord(subject?.host) ? (subject.host.id as string | undefined) : undefined)
    if (host && this.#disabled.has(host)) return true
    // xo-events names no host of a VM that stopped (its $container is the pool once halted): the one it ran on is
    // its previous $container, as it is for a VM evacuated from the host (migrated from it).
    const payload = isRecord(msg.payload) ? msg.payload : undefined
    if (payload === undefined || s.source !== 'events') return false
    return this.#hasContainer(payload.object) || this.#hasContainer(payload.previous)
  }

  #hasContainer(object: unknown): boolean {
    return isRecord(object) && typeof object.$container === 'string' && this.#disabled.has(object.$container)
  }

  list(): string[] {
    return [...this.#disabled]
  }

  restore(ids: readonly string[]): void {
    for (const id of ids) this.#disabled.add(id)
  }

  /** What the message says of hosts' maintenance mode. */
  learn(s: XoEventSummary, msg: Record<string, unknown>): void {
    const payload = isRecord(msg.payload) ? msg.payload : undefined
    if (s.source === 'events' && payload?.type === 'host' && isRecord(payload.object))
      this.#set(payload.id as string, payload.object.enabled)
    for (const object of Object.values(s.objects)) if (object.type === 'host') this.#set(object.id, object.enabled)
    const id = s.subject?.id
    if (!s.ok || s.source === 'events' || !id) return
    if (s.kind === 'host.disable') this.#disabled.add(id)
    else if (s.kind === 'host.enable') this.#disabled.delete(id)
    else if (s.kind === 'host.setMaintenanceMode') {
      const params = isRecord(payload?.params)
        ? payload.params
        : isRecord(msg.xo)
          ? (msg.xo as { params?: unknown }).params
          : {}
      this.#set(id, isRecord(params) && params.maintenance === false)
    }
  }

  #set(id: string, enabled: unknown): void {
    if (enabled === false) this.#disabled.add(id)
    else if (enabled === true) this.#disabled.delete(id)
  }
}
