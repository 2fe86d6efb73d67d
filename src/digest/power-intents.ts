import type { XoEventSummary } from '../destinations/summary'

// Calls that stop, restart or remove a VM on purpose: the VM's stopping that follows is no incident. A host is
// another matter: every VM on it goes or moves, and on-call wants to know whoever shut it down (it pages until the
// host is back), so a host going down stays a problem, asked for or not.
const STOPPING = new Set(['vm.stop', 'vm.suspend', 'vm.pause', 'vm.restart', 'vm.delete'])

/** How long a stop asked for explains the object's going down: a clean shutdown may take minutes. */
export const INTENT_MS = 10 * 60_000
const MAX = 10_000

/**
 * The VMs someone asked XO to stop (xo-hook's pre or post, xo-call): a VM that stopped while a call of theirs asked
 * for it is news, not a problem. A pre says it before XO's object stream
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
