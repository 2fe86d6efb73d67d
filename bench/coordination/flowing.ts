/**
 * When object events flow again after a failover, as near as the coordinators alone can tell: an instance holds the
 * lease, has read the last leader's snapshot (what a takeover compares XO's objects with) and has had one fenced
 * write to it acknowledged (with Sentinel and `replicas`, by a replica too: WAIT). That write is what an xo-events
 * node does right after each message it sends; until it succeeds, a leader sends nothing.
 */
import type { Coordinator } from '../../src/coordination/coordinator'
import { sentField } from '../../src/coordination/shared-snapshot'

/** The bench's xo-events node, whose snapshot the leader writes. */
const NODE_ID = 'bench-events'

export interface Flowing {
  /** the coordinator that wrote */
  by: Coordinator
  /** performance.now() when its write was acknowledged */
  at: number
}

/**
 * Resolves once one of `coordinators` leads and its snapshot read and write (both started after this call) have
 * been answered; every 5 ms it looks again. Rejects after `timeoutMs`.
 */
export async function untilFlowing(coordinators: () => Coordinator[], timeoutMs: number): Promise<Flowing> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    for (const c of coordinators()) {
      if (!c.lease.leading) continue
      const snapshot = c.snapshot(NODE_ID)
      try {
        await snapshot.load()
        const now = Date.now()
        await snapshot.apply(['bench-vm', sentField('{"id":"bench-vm","type":"VM","power_state":"Running"}', now)], now)
        return { by: c, at: performance.now() }
      } catch {
        // Not leading after all, or Redis (or its replica) not there yet: tried again.
      }
    }
    if (performance.now() > deadline) throw new Error(`no leader writing within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

export const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]
