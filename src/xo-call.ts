import { CallLimiter } from './call/limiter'
import { callStatus } from './node-red/call-reply'
import { callInput } from './node-red/call-input'
import { callSettings, type XoCallConfig } from './call/settings'
import { type Msg, nodeType } from './node-red/define-node'
import { serverNode } from './node-red/xo-server-node'
import { XoConnectionError } from './xo/errors'

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

  node.on(
    'input',
    callInput<Msg>({
      settings,
      xo,
      httpBase: () => xo.connection?.endpoint.httpBase ?? '',
      limiter,
      counts,
      refreshStatus: () => use.refreshStatus(),
      t,
      evaluate: (p, msg, callback) => RED.util.evaluateNodeProperty(p.value, p.type, node, msg, callback),
      setProperty: (msg, path, value) => RED.util.setMessageProperty(msg, path, value, true),
      signal: closing.signal,
      now: Date.now,
    }),
  )
})
