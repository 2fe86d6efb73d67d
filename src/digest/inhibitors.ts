import type { GroupState } from './group-state'

/**
 * The pool-wide problems open in each pool (a host down, a new master), each held by the group that gathered it:
 * while one is open, the per-VM problems of that pool are inhibited. Each group lists its own in `inhibits`, so
 * that a snapshot keeps them and a closing group takes them away.
 */
export class Inhibitors<G extends { state: GroupState }> {
  readonly #open = new Map<string, Map<string, G>>()

  inhibits(pool: string): boolean {
    return (this.#open.get(pool)?.size ?? 0) > 0
  }

  /** `why`: what lifts it (the host's power, for its coming back up), or an id of its own */
  add(pool: string, why: string, group: G): void {
    this.#of(pool).set(why, group)
    group.state.inhibits.push({ pool, why })
  }

  /** A restored group's own. */
  restore(group: G): void {
    for (const { pool, why } of group.state.inhibits) this.#of(pool).set(why, group)
  }

  /** A host back up lifts what its going down inhibited. */
  lift(pool: string, why: string): void {
    const open = this.#open.get(pool)
    const group = open?.get(why)
    if (!open || !group) return
    open.delete(why)
    if (open.size === 0) this.#open.delete(pool)
    group.state.inhibits = group.state.inhibits.filter((i) => i.why !== why)
  }

  /** The group closed: what it held is lifted. */
  close(group: G): void {
    for (const { pool, why } of group.state.inhibits) {
      const open = this.#open.get(pool)
      if (open?.get(why) === group) open.delete(why)
      if (open?.size === 0) this.#open.delete(pool)
    }
  }

  #of(pool: string): Map<string, G> {
    let open = this.#open.get(pool)
    if (!open) this.#open.set(pool, (open = new Map()))
    return open
  }
}
