import type { Translate } from '../common/status'
import { isXoEventSummary, summarizeMessage } from '../destinations/event'
import type { Done, Msg } from './define-node'
import type { AddResult } from './digest-keeper'

export interface DigestInputOptions {
  add(msg: Msg): Promise<AddResult>
  /** the status may have changed */
  show(): void
  t: Translate
}

/**
 * An xo digest node's input: each message to the engine (once what was kept is back). A message that is no XO
 * event fails with the reason, so that a Catch node sees a miswired flow; one dropped (a duplicate, silenced,
 * inhibited) is done, counted in the status by the engine's report.
 */
export function digestInput(o: DigestInputOptions): (msg: Msg, done: Done) => void {
  return (msg, done) => {
    o.add(msg).then(
      (result) => {
        o.show()
        if (result.accepted || result.reason !== 'not an event') return done()
        const summary = summarizeMessage(msg, undefined, false)
        const reason = isXoEventSummary(summary) ? result.reason : summary.error
        done(new Error(o.t('errors.notAnEvent', { reason })))
      },
      (error: Error) => done(error),
    )
  }
}
