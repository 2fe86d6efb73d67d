import { type CallTarget, configuredParams, invokeXo, withPayload, XoCallError } from '../call/invoke'
import type { CallSettings } from '../call/settings'
import type { Translate } from '../common/status'
import { answeredCall, failedCall } from './call-reply'

/** A method name as XO's API spells it: `object.verb`, dotted words. */
const METHOD = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+$/

type Message = Record<string, unknown>
type Param = CallSettings['params'][number]

/** What xo call's input handler is given: plain functions and values, so that it runs without Node-RED. */
export interface CallInputDeps<M extends Message = Message> {
  settings: CallSettings
  /** the XO server the calls go to */
  xo: CallTarget
  /** where XO's transfer URLs are relative to (the connection's HTTP base), '' without a connection */
  httpBase(): string
  limiter: { run<T>(task: () => Promise<T>): Promise<T> }
  /** the node's tallies, shown in its status */
  counts: { ok: number; failed: number }
  refreshStatus(): void
  t: Translate
  /** evaluates a configured parameter (a typed input) against the message */
  evaluate(param: Param, msg: M, callback: (error: Error | null, value: unknown) => void): void
  /** writes `value` at the message property `path` */
  setProperty(msg: M, path: string, value: unknown): void
  /** aborted once the node closes: calls still to answer are dropped */
  signal: AbortSignal
  now(): number
}

/**
 * xo call's input handler: calls the node's method (or msg.topic) with the configured parameters and those of
 * msg.payload, within the limiter; the answered message goes to output 1, a failed one to output 2 when the node has
 * an error output, else to Catch nodes. Once the node has closed, whatever comes back is dropped.
 */
export function callInput<M extends Message>(deps: CallInputDeps<M>) {
  const { settings, xo, limiter, counts, t, signal } = deps
  return (msg: M, send: (msg: M | Array<M | null>) => void, done: (error?: Error) => void) => {
    const method = settings.method || (typeof msg.topic === 'string' ? msg.topic.trim() : '')
    const started = deps.now()
    let params: Record<string, unknown> = {}
    const fail = (error: Error) => {
      counts.failed++
      deps.refreshStatus()
      failedCall(msg, { method, params, durationMs: deps.now() - started }, error)
      if (signal.aborted) return done()
      if (settings.errorOutput) {
        send([null, msg])
        done()
      } else {
        done(error)
      }
    }
    if (!METHOD.test(method)) return fail(new XoCallError(t('errors.noMethod')))
    configuredParams(settings.params, (p, callback) => deps.evaluate(p, msg, callback), t)
      .then((configured) => {
        params = withPayload(configured, msg.payload, settings.payloadParams)
        return limiter.run(() => invokeXo(xo, settings, method, params, signal, t))
      })
      .then(({ params: sent, result }) => {
        if (signal.aborted) return done()
        counts.ok++
        deps.refreshStatus()
        const call = { method, params: sent, durationMs: deps.now() - started }
        answeredCall(msg, call, result, deps.httpBase(), (value) => deps.setProperty(msg, settings.property, value))
        send(settings.errorOutput ? [msg, null] : msg)
        done()
      })
      .catch(fail)
  }
}
