import type { XoEventSummary } from '../destinations/summary'

// Calls that stop, restart or remove a VM or a host on purpose: the power change that follows is no incident.
const STOPPING = new Set([
  'vm.stop',
  'vm.suspend',
  'vm.pause',
  'vm.restart',
  'vm.delete',
  'host.stop',
  'host.restart',
  'host.emergencyShutdownHost',
])

/** How long a stop asked for explains the object's going down: a clean shutdown may take minutes. */
export const INTENT_MS = 10 * 60_000
const MAX = 10_000

/**
 * The VMs and hosts someone asked XO to stop (xo-hook's pre or post, xo-call): a VM that stopped, a host that went
 * down, while a call of theirs asked for it, is news, not a problem. A pre says it before XO's object stream
 * shows the change; a failed call takes it back.
 */
export class PowerIntents {
  // Insertion order is expiry order (one lifetime for all): the oldest to forget is always first.
  readonly #until = new Map<string, number>()

  /** Whether the message asked for a stop (the object's id then). */
  learn(s: XoEventSummary, now: number): string | undefined {
    const id = s.subject?.id
    if (s.source === 'events' || !id || !STOPPING.has(s.kind)) return undefined
    this.#until.delete(id)
    if (!s.ok) return undefined
    this.#until.set(id, now + INTENT_MS)
    for (const [old, until] of this.#until) {
      if (until > now && this.#until.size <= MAX) break
      this.#until.delete(old)
    }
    return id
  }

  /** Whether someone asked for this object's going down a moment ago. */
  intended(s: XoEventSummary, now: number): boolean {
    const until = s.subject ? this.#until.get(s.subject.id) : undefined
    return until !== undefined && until > now
  }
}
