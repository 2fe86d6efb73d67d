import type { StatusSpec, Translate } from '../common/status'
import { messageOf, outcomeOf, type Refresh, requestOf } from '../outbox/messages'
import type { Outbox, OutboxEntry } from '../outbox/outbox'

type Msg = Record<string, unknown>
type Outputs = [Msg | null, Msg | null]

export interface OutboxInputDeps {
  outbox: Pick<Outbox, 'add' | 'answered' | 'list'>
  nodeId: string
  send(outputs: Outputs): void
  /** shows the node's status; `error`: why the last message was refused */
  show(error?: Error): void
  t: Translate
}

/**
 * The status of an xo outbox node: how many requests wait, how many failed for good; or why the last request was
 * refused (its shared store cannot be reached), until the next one is kept.
 */
export function outboxStatus(
  list: { pending: OutboxEntry[]; dead: OutboxEntry[] },
  t: Translate,
  refused?: Error,
): StatusSpec {
  const { pending, dead } = list
  if (refused) return { fill: 'red', shape: 'ring', text: t('status.refused', { reason: refused.message }) }
  if (dead.length)
    return { fill: 'red', shape: 'dot', text: t('status.dead', { pending: pending.length, dead: dead.length }) }
  if (pending.length) return { fill: 'yellow', shape: 'dot', text: t('status.pending', { pending: pending.length }) }
  return { fill: 'green', shape: 'dot', text: t('status.empty') }
}

/**
 * How an entry goes to the http request node: one message per attempt, refreshed by the node that made it when that
 * node is deployed (`origins`, by node id).
 */
export function sendEntry(send: (outputs: Outputs) => void, origins?: ReadonlyMap<string, Refresh>) {
  return (entry: OutboxEntry) => {
    const origin = entry.request.carried?.xoOrigin
    send([messageOf(entry, typeof origin === 'string' ? origins?.get(origin) : undefined), null])
  }
}

/**
 * An xo outbox node's input: a request from a destination node is kept, then sent (output 1, to the http request
 * node); a message back from xo outcome settles its request: delivered or failed for good goes out on output 2 with
 * `msg.xoOutbox.state`, a retry waits in the outbox. Anything else fails with a clear error.
 */
export function outboxInput(deps: OutboxInputDeps) {
  return (msg: Msg, done: (error?: Error) => void): void => {
    const back = outcomeOf(msg)
    const work = back
      ? deps.outbox.answered(back.id, back.outcome).then((state) => {
          // A retry past the outbox's own limits (attempts, age) is dead too; an answer to a request settled
          // already (sent again after its answer timeout, then both answered) says nothing more.
          if (state === 'delivered' || state === 'dead')
            deps.send([null, { ...msg, xoOutbox: { ...(msg.xoOutbox as object), state } }])
        })
      : (() => {
          const kept = requestOf(msg)
          if ('error' in kept) return Promise.reject(new Error(deps.t('errors.notARequest', { reason: kept.error })))
          return deps.outbox.add(deps.nodeId, kept.id, kept.request).then(() => undefined)
        })()
    work.then(
      () => {
        deps.show()
        done()
      },
      (error: Error) => {
        deps.show(error)
        done(error)
      },
    )
  }
}
