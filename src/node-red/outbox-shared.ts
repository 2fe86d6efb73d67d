import { randomBytes } from 'node:crypto'
import type { Coordinator } from '../coordination/coordinator'
import type { LeaseRole } from '../coordination/leader-lease'
import type { OutboxEntry, OutboxLimits } from '../outbox/outbox'
import { RedisOutboxStore } from '../outbox/redis-outbox-store'
import { SharedOutbox } from '../outbox/shared-outbox'

export interface SharedOutboxDeps {
  coordinator: Coordinator
  nodeId: string
  limits: Partial<OutboxLimits>
  /** the lease time: how long a claim holds unless prolonged */
  claimMs: number
  send(entry: OutboxEntry): void
  warn(message: string): void
  changed(): void
}

/**
 * The outbox of an xo outbox node whose xo-server shares a Redis: its entries in that Redis, sent by the instance
 * holding each one's claim; the leader reads everything again as soon as it takes the lead. `close()` stops it and
 * removes its listener.
 */
export function sharedOutbox(deps: SharedOutboxDeps): { outbox: SharedOutbox; close(): void } {
  const { coordinator } = deps
  const claimer = `${coordinator.instance}#${randomBytes(4).toString('hex')}`
  const outbox = new SharedOutbox({
    store: new RedisOutboxStore(coordinator.link, coordinator.prefix, deps.nodeId, claimer),
    leading: () => coordinator.lease.leading,
    send: deps.send,
    limits: deps.limits,
    claimMs: deps.claimMs,
    // Retries are due to the second; a claim that ran out is seen well within the lease time.
    pollMs: Math.min(500, deps.claimMs / 4),
    warn: deps.warn,
    changed: deps.changed,
  })
  const onRole = (role: LeaseRole) => role.role === 'leader' && void outbox.look(true)
  coordinator.on('role', onRole)
  return {
    outbox,
    close: () => {
      coordinator.off('role', onRole)
      outbox.stop()
    },
  }
}
