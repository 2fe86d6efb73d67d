import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { backoffMs, classifyResponse, Destination, DESTINATIONS, type XoOutcome } from '../destinations/outcome'

type Msg = NodeMessage & Record<string, unknown>
type Send = (msg: Array<Msg | null>) => void
type Done = (error?: Error) => void
const KNOWN = new Set<string>(DESTINATIONS)

/**
 * `xo outcome`: reads a destination's answer after the core http request node, the way that destination means
 * it (Slack's plain-text errors, Kea's result codes, PagerDuty's 202…): output 1 delivered, output 2 retry later
 * (`msg.delay` set for a delay node looping back to http request; `Retry-After` honoured, else exponential
 * backoff with jitter), output 3 failed for good (or out of attempts): park it (dead-letter).
 */
export function registerOutcomeNode(RED: NodeAPI): void {
  function XoOutcome(this: Node, config: NodeDef & { destination?: string; maxAttempts?: number | string; maxDelay?: number | string }) {
    RED.nodes.createNode(this, config)
    const node = this
    const maxAttempts = Number(config.maxAttempts) > 0 ? Number(config.maxAttempts) : 5
    const maxDelayMs = (Number(config.maxDelay) > 0 ? Number(config.maxDelay) : 300) * 1000
    const counts = { ok: 0, retry: 0, failed: 0 }
    const unknown = new Set<string>()
    node.on('input', (msg: Msg, send: Send, done: Done) => {
      const fromMsg = typeof msg.xoDestination === 'string' ? msg.xoDestination : undefined
      const configured = config.destination && config.destination !== 'auto' ? config.destination : undefined
      const name = configured ?? fromMsg ?? 'generic'
      if (!KNOWN.has(name) && !unknown.has(name)) {
        unknown.add(name)
        node.warn(`unknown destination "${name}": its answers are read as a generic receiver's`)
      }
      const destination = (KNOWN.has(name) ? name : 'generic') as Destination
      const outcome = classifyResponse(destination, {
        statusCode: msg.statusCode as number | string | undefined,
        headers: msg.headers as Record<string, unknown> | undefined,
        payload: msg.payload,
        error: msg.error,
      })
      const attempt = (Number(msg.xoAttempt) || 0) + 1
      msg.xoAttempt = attempt
      if (outcome.outcome === 'ok') {
        counts.ok++
        msg.xoOutcome = { outcome: 'ok', attempt } satisfies XoOutcome
        send([msg, null, null])
      } else if (outcome.outcome === 'retry' && attempt < maxAttempts) {
        counts.retry++
        const delay = Math.min(maxDelayMs, outcome.afterMs ?? backoffMs(attempt))
        msg.delay = delay
        // The http request node replaced payload and headers with the answer's: put the request back to re-send it.
        if (msg.xoRequest && typeof msg.xoRequest === 'object') Object.assign(msg, msg.xoRequest)
        msg.xoOutcome = { outcome: 'retry', reason: outcome.reason, attempt, delayMs: delay } satisfies XoOutcome
        send([null, msg, null])
      } else {
        counts.failed++
        const reason = outcome.outcome === 'retry' ? `${outcome.reason}; gave up after ${attempt} attempts` : outcome.reason
        msg.xoOutcome = { outcome: 'failed', reason, attempt } satisfies XoOutcome
        send([null, null, msg])
      }
      node.status({ fill: counts.failed ? 'yellow' : 'green', shape: 'dot', text: `${counts.ok} ok · ${counts.retry} retried · ${counts.failed} failed` })
      done()
    })
  }
  RED.nodes.registerType('xo-outcome', XoOutcome as unknown as Parameters<NodeAPI['nodes']['registerType']>[1])
}
