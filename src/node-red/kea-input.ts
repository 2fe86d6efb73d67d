import type { Translate } from '../common/status'
import { summarizeMessage } from '../destinations/event'
import { keaReservationCommands } from '../destinations/kea'
import { keaAnswered, type KeaProgress } from '../destinations/kea-steps'
import { isNotSent } from '../destinations/not-sent'

type Message = Record<string, unknown>

/** What xo kea's input handler is given: plain functions and values, so that it runs without Node-RED. */
export interface KeaInputDeps {
  /** Kea's URL, '' when not configured (every event fails then) */
  url: string
  subnets: Record<string, number>
  operationTarget: 'alternate' | 'primary' | 'all' | undefined
  /** the node's tallies, shown in its status */
  counts: { changes: number; failed: number }
  /** what was not sent, by reason */
  notSent: { add(reason: string, about: string): void }
  /** shows the counts in the node's status */
  show(): void
  /** the message for the next command of a change (the first of `progress.pending`) */
  request(msg: Message, progress: KeaProgress): Message
  t: Translate
}

/**
 * xo kea's input handler: a message carrying `msg.xoKea.current` is the answer to the command sent last, whose next
 * command goes to output 1, or, once none is left or one failed, the outcome to output 2; any other message is an
 * event, whose first command goes to output 1 (or nothing, counted by reason, when there is nothing to send).
 */
export function keaInput(deps: KeaInputDeps) {
  const { url, subnets, operationTarget, counts, t } = deps
  return (msg: Message, send: (msg: Array<Message | null>) => void, done: (error?: Error) => void) => {
    const answer = msg.xoKea as (KeaProgress & { current?: string }) | undefined
    if (answer?.current) {
      // The answer to our previous command.
      const step = keaAnswered({ ...answer, current: answer.current }, msg.statusCode, msg.payload)
      if ('next' in step) {
        send([deps.request(msg, step.next), null])
        return done()
      }
      if (!step.done.ok) counts.failed++
      deps.show()
      send([null, { ...msg, xoKea: step.done }])
      return done()
    }
    if (!url) return done(new Error(t('errors.missingUrl')))
    const summary = summarizeMessage(msg)
    if (!('kind' in summary)) return done(new Error(t('errors.notAnEvent', { reason: summary.error })))
    const commands = keaReservationCommands(summary, { subnets, ...(operationTarget ? { operationTarget } : {}) })
    if (isNotSent(commands)) {
      deps.notSent.add(commands.notSent, summary.title)
      deps.show()
      return done()
    }
    counts.changes++
    deps.show()
    send([
      deps.request(
        { ...msg, xoSummary: { id: summary.id, kind: summary.kind, title: summary.title } },
        { pending: commands, results: [] },
      ),
      null,
    ])
    done()
  }
}
