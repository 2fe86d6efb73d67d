import { randomBytes } from 'node:crypto'
import type { NodeAPI } from 'node-red'
import { hookMetrics } from './hooks/hook-metrics'
import { hookWish, registrationAtStart } from './node-red/hook-registration'
import { hookPieces } from './node-red/hook-pieces'
import { receivingOptions, RetiredSecrets } from './hooks/hook-secrets'
import { hookStatus, newHookState, roleLabel } from './node-red/hook-status'
import { hookSettings, type XoHookConfig } from './hooks/settings'
import { nodeType } from './node-red/define-node'
import { hookDispatchOf } from './node-red/hook-dispatch'
import { hookRoutes, tracingWanted, type XoHookNode } from './node-red/hook-routes'
import { runtimeOf, serverLabel } from './node-red/runtime'
import { stateStoreOf } from './node-red/state'
import { serverNode } from './node-red/xo-server-node'

/**
 * Receives XO's web-hook deliveries for the methods it selects and emits them (pre on the first output, post on
 * the second), holding a gated pre until a flow lets XO go on; writes its entries in XO; catches up the calls XO
 * could not deliver. This file only builds and wires the pieces (see src/node-red/hook-pieces.ts).
 */
export = function register(RED: NodeAPI) {
  const tracing = tracingWanted(RED)
  const { endpoints } = hookDispatchOf(RED)
  const retired = new RetiredSecrets()
  hookRoutes(RED)

  const define = nodeType<XoHookConfig & { server?: string }, { secret?: string }>(
    'xo-hook',
    ({ node, config, t, scope, refuse }) => {
      const settings = hookSettings(config)
      const xo = serverNode(RED, config.server)
      if ('error' in settings || !xo)
        return refuse(
          t('status.misconfigured', { reason: 'error' in settings ? settings.error : t('errors.noServer') }),
        )
      const { coordinator } = xo

      // The secret is a credential the editor sets. An imported flow has none until the node is edited: derive a
      // stable one from the server's credentials, so the URL XO knows survives redeploys and restarts.
      const derived = xo.deriveSecret(`xo-hook:${node.id}`)
      const secret = node.credentials?.secret || derived || randomBytes(24).toString('base64url')
      if (!node.credentials?.secret && !derived && !settings.register) node.warn(t('errors.ephemeralSecret'))
      const { maxBytes, allowFrom } = settings
      const listenerAllows = xo.listener?.settings.allowFrom
      const receiving = receivingOptions(secret, { maxBytes, allowFrom, listenerAllows, retired, nodeId: node.id })
      const metrics = hookMetrics(runtimeOf(RED).metrics, serverLabel(xo))
      const wish = hookWish(xo.hookPrefix, node.id, secret, settings)
      const state = newHookState(registrationAtStart(wish, settings.register, t))

      const use = xo.use(node, {
        status: (spec) =>
          hookStatus(
            spec,
            state,
            { listener: xo.listener?.state, role: coordinator && roleLabel(coordinator.role, t) },
            t,
          ),
      })
      // Once the node closed, nothing it hears shows any more.
      const refresh = () => void (scope.closed || use.refreshStatus())
      const log = {
        warn: (m: string) => node.warn(m),
        log: (m: string) => node.log(m),
        error: (m: string) => node.error(m),
      }

      const { memory, held, intake, registration } = hookPieces({
        common: { nodeId: node.id, settings, state, metrics, refresh, t, ...log, closed: () => scope.closed },
        xo,
        scope,
        wish,
        receiving,
        tracing,
        localStore: () => stateStoreOf(RED),
        send: (outputs) => node.send(outputs),
        successor: () => endpoints.get(node.id),
        trace: (m) => node.trace(m),
        debug: (m) => node.debug(m),
      })
      scope.defer(() => use.close())
      if (xo.listener) scope.on(xo.listener, 'state', refresh)
      scope.defer(() => {
        held.releaseAll()
        memory.clear()
      })
      scope.defer((removed) => retired.closed(node.id, receiving.secret, removed))
      // Deliveries reach the node through the dispatch; a redeployed node's successor takes them over.
      endpoints.set(node.id, intake)
      scope.defer((removed) => endpoints.delete(node.id, !removed))

      const hook: Pick<XoHookNode, 'proceed' | 'entries' | 'reading'> = {
        proceed: (key) => intake.proceed(key),
        entries: () => registration.entries(() => xo.methods()),
        reading: () => ({ catchUp: state.catchUp, lastPass: state.lastPass }),
      }
      Object.assign(node, hook)
    },
    { credentials: { secret: { type: 'password' } } },
  )
  define(RED)
}
