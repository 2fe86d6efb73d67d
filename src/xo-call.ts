import { configuredParams, invokeXo, withPayload, XoCallError } from './call/invoke'
import { CallLimiter } from './call/limiter'
import { answeredCall, callStatus, failedCall } from './node-red/call-reply'
import { callSettings, type XoCallConfig } from './call/settings'
import { type Done, type Msg, nodeType, type Send } from './node-red/define-node'
import { serverNode } from './node-red/xo-server-node'
import { XoConnectionError } from './xo/errors'

const METHOD = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+$/

/**
 * `xo call`: calls one of XO's API methods for each message (the node's method, or msg.topic), with the parameters
 * configured on the node and those of msg.payload; at most a few at a time, the others queued.
 */
export = nodeType<XoCallConfig & { server?: string }>('xo-call', ({ RED, node, config, t, scope, refuse }) => {
  const settings = callSettings(config)
  const xo = serverNode(RED, config.server)
  if ('error' in settings || !xo) {
    return refuse(t('status.misconfigured', { reason: 'error' in settings ? settings.error : t('errors.noServer') }))
  }
  const limiter = new CallLimiter(settings.concurrency, settings.maxQueue)
  const closing = new AbortController()
  const counts = { ok: 0, failed: 0 }
  const use = xo.use(node, { status: (spec) => callStatus(spec, counts, limiter.queued, t) })
  scope.defer(() => use.close())
  // Undone first: calls still waiting fail, answers still to come are dropped, before the status stops following.
  scope.defer(() => {
    closing.abort()
    limiter.clear(new XoConnectionError(t('errors.closed')))
  })

  node.on('input', (msg: Msg, send: Send, done: Done) => {
    const method = settings.method || (typeof msg.topic === 'string' ? msg.topic.trim() : '')
    const started = Date.now()
    let params: Record<string, unknown> = {}
    const fail = (error: Error) => {
      counts.failed++
      use.refreshStatus()
      failedCall(msg, { method, params, durationMs: Date.now() - started }, error)
      if (closing.signal.aborted) return done()
      if (settings.errorOutput) {
        send([null, msg])
        done()
      } else {
        done(error)
      }
    }
    if (!METHOD.test(method)) return fail(new XoCallError(t('errors.noMethod')))
    configuredParams(
      settings.params,
      (p, callback) => RED.util.evaluateNodeProperty(p.value, p.type, node, msg, callback),
      t,
    )
      .then((configured) => {
        params = withPayload(configured, msg.payload, settings.payloadParams)
        return limiter.run(() => invokeXo(xo, settings, method, params, closing.signal, t))
      })
      .then(({ params: sent, result }) => {
        if (closing.signal.aborted) return done()
        counts.ok++
        use.refreshStatus()
        const call = { method, params: sent, durationMs: Date.now() - started }
        answeredCall(msg, call, result, xo.connection?.endpoint.httpBase ?? '', (value) =>
          RED.util.setMessageProperty(msg, settings.property, value, true),
        )
        send(settings.errorOutput ? [msg, null] : msg)
        done()
      })
      .catch(fail)
  })
})
