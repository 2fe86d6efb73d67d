import {
  destinationOf,
  outcomeSettings,
  outcomeStatus,
  readAnswer,
  type OutcomeConfig,
} from './destinations/outcome-decision'
import { type Done, type Msg, nodeType, type Send } from './node-red/define-node'

const OUTPUTS = { ok: 0, retry: 1, failed: 2 } as const

/**
 * `xo outcome`: reads a destination's answer after the core http request node, the way that destination means
 * it (Slack's plain-text errors, Kea's result codes, PagerDuty's 202…): output 1 delivered, output 2 retry later
 * (`msg.delay` set for a delay node looping back to http request; `Retry-After` honoured, else exponential
 * backoff with jitter), output 3 failed for good (or out of attempts): park it (dead-letter).
 */
export = nodeType<OutcomeConfig>('xo-outcome', ({ node, config, t }) => {
  const settings = outcomeSettings(config)
  const counts = { ok: 0, retry: 0, failed: 0 }
  const warned = new Set<string>()
  node.on('input', (msg: Msg, send: Send, done: Done) => {
    const { destination, unknown } = destinationOf(settings, msg.xoDestination)
    if (unknown !== undefined && !warned.has(unknown)) {
      warned.add(unknown)
      node.warn(t('warnings.unknownDestination', { name: unknown }))
    }
    const output = readAnswer(msg, destination, settings)
    counts[output]++
    const out: Array<Msg | null> = [null, null, null]
    out[OUTPUTS[output]] = msg
    send(out)
    node.status(outcomeStatus(counts, t))
    done()
  })
})
