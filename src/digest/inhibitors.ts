import type { DigestEvent } from './digest-event'
import type { GroupState } from './group-state'

/** What an open problem inhibits: the problems of the VMs on `host`, or, without one, of every VM of `pool`. */
export interface Inhibition {
  pool: string
  host?: string
}

/**
 * What a problem marked pool-wide inhibits. A host down (or shut down) takes down the VMs that ran on it, not those
 * of the pool's other hosts: its inhibition is scoped to that host. Only a problem of the pool itself (a new master:
 * every host and VM was unreachable a while) inhibits the whole pool.
 */
export function inhibitionOf(e: DigestEvent): Inhibition | undefined {
  const pool = e.summary.pool?.id
  if (!e.poolWide || e.role !== 'problem' || !pool) return undefined
  const subject = e.summary.subject
  return subject?.type === 'host' ? { pool, host: subject.id } : { pool }
}

/**
 * The inhibiting problems open in each pool (a host down, a new master), each held by the group that gathered it:
 * while one is open, the VM problems in its scope are inhibited. Each group lists its own in `inhibits`, so that a
 * snapshot keeps them and a closing group takes them away.
 */
export class Inhibitors<G extends { state: GroupState }> {
  readonly #open = new Map<string, Map<string, { group: G; host?: string }>>()

  /** Whether a problem of a VM of `pool` that is (or was) on one of `hosts` is inhibited. */
  inhibits(pool: string, hosts: readonly string[]): boolean {
    const open = this.#open.get(pool)
    if (!open) return false
    for (const { host } of open.values()) if (host === undefined || hosts.includes(host)) return true
    return false
  }

  /** `why`: what lifts it (the host's power, for its coming back up), or an id of its own */
  add({ pool, host }: Inhibition, why: string, group: G): void {
    this.#of(pool).set(why, { group, ...(host ? { host } : {}) })
    group.state.inhibits.push({ pool, why, ...(host ? { host } : {}) })
  }

  /** A restored group's own. */
  restore(group: G): void {
    for (const { pool, why, host } of group.state.inhibits) this.#of(pool).set(why, { group, host })
  }

  /** A host back up lifts what its going down inhibited; whether something was lifted. */
  lift(pool: string, why: string): boolean {
    const open = this.#open.get(pool)
    const held = open?.get(why)
    if (!open || !held) return false
    open.delete(why)
    if (open.size === 0) this.#open.delete(pool)
    held.group.state.inhibits = held.group.state.inhibits.filter((i) => i.why !== why)
    return true
  }

  /** The group closed: what it held is lifted; whether something was. */
  close(group: G): boolean {
    let lifted = false
    for (const { pool, why } of group.state.inhibits) {
      const open = this.#open.get(pool)
      if (open?.get(why)?.group === group) lifted = open.delete(why) || lifted
      if (open?.size === 0) this.#open.delete(pool)
    }
    return lifted
  }

  #of(pool: string): Map<string, { group: G; host?: string }> {
    let open = this.#open.get(pool)
    if (!open) this.#open.set(pool, (open = new Map()))
    return open
  }
}
