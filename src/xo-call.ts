import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { CallLimiter } from './call/limiter'
import { summaryLine } from './destinations/event'
import type { XoCallInfo } from './call/message'
import { obfuscate } from './call/obfuscate'
import { checkParams, MethodSchema, normalizeParams } from './call/params'
import { CallSettings, callSettings, XoCallConfig } from './call/settings'
import { transferOf } from './call/transfer'
import { refuseToRun } from './node-red/misconfigured'
import type { StatusSpec } from './node-red/status'
import type { XoServerNode } from './node-red/xo-server-node'
import { XoApiError, XoConnectionError } from './xo/errors'

/** The call could not be made as asked: wrong method or parameters (nothing was sent to XO). */
class XoCallError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'XoCallError'
  }
}

type Msg = NodeMessage & Record<string, unknown>
type Send = (msg: Msg | Array<Msg | null>) => void
type Done = (error?: Error) => void

export = function register(RED: NodeAPI) {
  const t = (key: string, substitutions?: Record<string, string | number>) => RED._(`xo-call.${key}`, substitutions)

  function XoCall(this: Node, config: NodeDef & XoCallConfig & { server?: string }) {
    RED.nodes.createNode(this, config)
    const node = this
    const compiled = callSettings(config)
    const server = RED.nodes.getNode(config.server ?? '') as XoServerNode | null
    if ('error' in compiled || !server) {
      const reason = 'error' in compiled ? compiled.error : t('errors.noServer')
      return refuseToRun(node, t('status.misconfigured', { reason }))
    }
    const settings: CallSettings = compiled
    const xo: XoServerNode = server
    const limiter = new CallLimiter(settings.concurrency, settings.maxQueue)
    const closing = new AbortController()
    const counts = { ok: 0, failed: 0 }

    const decorate = (spec: StatusSpec): StatusSpec => {
      if (spec.fill !== 'green' || counts.ok + counts.failed === 0) return spec
      const text = t('status.counts', { count: counts.ok + counts.failed, failed: counts.failed, queued: limiter.queued })
      return { fill: counts.failed ? 'yellow' : 'green', shape: 'dot', text }
    }
    const use = xo.use(node, { status: decorate })

    // Parameters configured on the node: each value is a typed input (string, number, JSON, msg, flow, global, env…).
    const evaluate = (msg: Msg): Promise<Record<string, unknown>> =>
      Promise.all(
        settings.params.map(
          (p) =>
            new Promise<[string, unknown]>((resolve, reject) =>
              RED.util.evaluateNodeProperty(p.value, p.type, node, msg, (error: Error | null, value: unknown) =>
                error ? reject(new XoCallError(t('errors.param', { name: p.name, reason: error.message }))) : resolve([p.name, value]),
              ),
            ),
        ),
      ).then((entries) => Object.fromEntries(entries.filter(([, value]) => value !== undefined)))

    const call = async (method: string, params: Record<string, unknown>) => {
      const connection = xo.connection
      if (!connection) throw new XoConnectionError(xo.configError ?? 'no connection')
      if (!connection.isConnected) {
        if (settings.whenDown === 'fail') throw new XoConnectionError(t('errors.down', { state: connection.state.status }))
        const up = await connection.whenConnected(settings.waitMs, closing.signal)
        if (!up) throw new XoConnectionError(t('errors.stillDown', { seconds: settings.waitMs / 1000 }))
      }
      const catalogue = (await xo.methods()) as Record<string, MethodSchema>
      const schema = catalogue[method]
      if (!schema) throw new XoCallError(t('errors.unknownMethod', { method }))
      const normalized = normalizeParams(method, schema, params)
      const problem = checkParams(method, schema, normalized)
      if (problem) throw new XoCallError(problem)
      return { params: normalized, result: await connection.call(method, normalized, settings.timeoutMs) }
    }

    node.on('input', (msg: Msg, send: Send, done: Done) => {
      const method = settings.method || (typeof msg.topic === 'string' ? msg.topic.trim() : '')
      const started = Date.now()
      let params: Record<string, unknown> = {}
      const fail = (error: Error) => {
        counts.failed++
        use.refreshStatus()
        const e = error as Partial<XoApiError>
        msg.xo = {
          method,
          params: obfuscate(params) as Record<string, unknown>,
          durationMs: Date.now() - started,
          error: { name: error.name, message: error.message, code: e.code, data: e.data },
        } satisfies XoCallInfo
        msg.summary = summaryLine(msg)
        if (closing.signal.aborted) return done()
        if (settings.errorOutput) {
          send([null, msg])
          done()
        } else {
          done(error)
        }
      }
      if (!/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+$/.test(method)) return fail(new XoCallError(t('errors.noMethod')))
      evaluate(msg)
        .then((configured) => {
          const payload = msg.payload
          const fromPayload = settings.payloadParams && payload && typeof payload === 'object' && !Array.isArray(payload)
          params = fromPayload ? { ...configured, ...(payload as Record<string, unknown>) } : configured
          return limiter.run(() => call(method, params))
        })
        .then(({ params: sent, result }) => {
          if (closing.signal.aborted) return done()
          counts.ok++
          use.refreshStatus()
          const transfer = transferOf(result, xo.connection?.endpoint.httpBase ?? '')
          RED.util.setMessageProperty(msg, settings.property, transfer ? { ...(result as object), url: transfer.url } : result, true)
          if (transfer) Object.assign(msg, { url: transfer.url, method: transfer.method })
          msg.xo = { method, params: obfuscate(sent) as Record<string, unknown>, durationMs: Date.now() - started } satisfies XoCallInfo
          msg.summary = summaryLine(msg)
          send(settings.errorOutput ? [msg, null] : msg)
          done()
        })
        .catch(fail)
    })

    node.on('close', (done: () => void) => {
      closing.abort()
      limiter.clear(new XoConnectionError(t('errors.closed')))
      use.close()
      done()
    })
  }

  RED.nodes.registerType('xo-call', XoCall as unknown as Parameters<NodeAPI['nodes']['registerType']>[1])
}
