import { type DigestEvent, isVmProblem } from './digest-event'
import { inWindow, MaintenanceHosts, type Silence } from './silences'

export type DropReason = 'duplicate' | 'silenced' | 'inhibited' | 'not an event'

const SUPPRESSED_MAX = 10_000

/**
 * What keeps a message out of every group: a silence (a time window, a host in maintenance), a pool-wide problem
 * inhibiting a VM's, or a problem dropped so: its recovery is dropped alike (a VM's start after its stop was
 * silenced is no news either).
 */
export class Suppressions {
  readonly #maintenance = new MaintenanceHosts()
  /** problems dropped, by pair (the latest SUPPRESSED_MAX) */
  readonly #suppressed = new Map<string, DropReason>()
  readonly #watchesMaintenance: boolean

  constructor(
    private readonly silences: readonly Silence[],
    /** whether a pool has a pool-wide problem open, when inhibition is on */
    private readonly inhibits: ((pool: string) => boolean) | undefined,
  ) {
    this.#watchesMaintenance = silences.some((silence) => silence.kind === 'maintenance')
  }

  /** What every message says of hosts' maintenance mode, whether it is gathered or not. */
  learn(e: Pick<DigestEvent, 'summary' | 'msg'>): void {
    if (this.#watchesMaintenance) this.#maintenance.learn(e.summary, e.msg)
  }

  /** Why the message is kept out, if it is; a problem kept out is remembered for its recovery. */
  reasonFor(e: DigestEvent, now: number): DropReason | undefined {
    const reason = this.#reasonFor(e, now)
    if (reason && e.pair && e.role === 'problem') {
      this.#suppressed.delete(e.pair)
      this.#suppressed.set(e.pair, reason)
      if (this.#suppressed.size > SUPPRESSED_MAX) this.#suppressed.delete(this.#suppressed.keys().next().value!)
    }
    return reason
  }

  /** A problem recovered in its group: whatever was dropped of it before no longer matters. */
  recovered(pair: string): void {
    this.#suppressed.delete(pair)
  }

  snapshot(): { maintenance: string[]; suppressed: Array<[string, DropReason]> } {
    return { maintenance: this.#maintenance.list(), suppressed: [...this.#suppressed] }
  }

  restore(maintenance: readonly string[], suppressed: ReadonlyArray<[string, DropReason]>): void {
    this.#maintenance.restore(maintenance)
    for (const [pair, reason] of suppressed) this.#suppressed.set(pair, reason)
  }

  #reasonFor(e: DigestEvent, now: number): DropReason | undefined {
    if (e.role === 'recovery' && e.pair) {
      const reason = this.#suppressed.get(e.pair)
      if (reason) {
        this.#suppressed.delete(e.pair)
        return reason
      }
    }
    for (const silence of this.silences) {
      if (silence.kind === 'window' ? inWindow(silence, now) : this.#maintenance.covers(e.summary, e.msg))
        return 'silenced'
    }
    const pool = e.summary.pool?.id
    if (this.inhibits && pool && isVmProblem(e) && this.inhibits(pool)) return 'inhibited'
    return undefined
  }
}
