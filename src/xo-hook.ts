import { randomBytes } from 'node:crypto'
import type { Node, NodeAPI, NodeDef } from 'node-red'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Request, Response } from 'express'
import { HookBody } from './hooks/delivery'
import { ENRICHMENT_TYPES, resolveInvolved } from './hooks/enrich'
import { HeldDeliveries } from './hooks/held-deliveries'
import { involvedRefs } from './hooks/involved'
import { describeCall, XoHookInfo, XoHookMessage } from './hooks/message'
import { PreCallMemory } from './hooks/correlate'
import { readDelivery, ReceiverOptions, secretDigest } from './hooks/receiver'
import { refuse } from './hooks/refuse'
import { summaryLine } from './destinations/event'
import { DeliveryPath, hookDispatchOf } from './node-red/hook-dispatch'
import { roleText, runtimeOf, serverLabel } from './node-red/runtime'
import { entriesFor, HookEntry, HookWish, RegistrationReport } from './hooks/registrar'
import { HookSettings, hookSettings, XoHookConfig } from './hooks/settings'
import { refuseToRun } from './node-red/misconfigured'
import type { StatusSpec } from './node-red/status'
import type { XoServerNode } from './node-red/xo-server-node'
import { XoApiError, XO_ERROR } from './xo/errors'
import { CatchUp, CatchUpStatus } from './audit/catch-up'
import type { AuditRecord } from './audit/records'
import type { HookPost } from './hooks/delivery'
import { stateStoreOf } from './node-red/state'
import type { StateStore } from './state/state-store'
import type { LeaseRole } from './coordination/lease'
import type { CallClaim, ClaimAnswer, Coordinator } from './coordination/coordinator'
import type { HookPre } from './hooks/delivery'

/** What a message comes with besides the delivery (see `emit`). */
interface EmitWith {
  replayed?: AuditRecord
  sharedPre?: HookPre
  claim?: CallClaim
}

interface XoHookNode extends Node<{ secret?: string }> {
  /** lets XO go on with a held pre delivery; false when it was no longer held */
  proceed(key: string): boolean
  /** the entries this node wants in XO's web-hooks plugin */
  entries(): Promise<HookEntry[]>
}

// How long the URL of a redeployed node's predecessor stays valid: enough for XO's entries to be rewritten.
const FORMER_SECRET_GRACE_MS = 10_000
// With a shared store: how long the leader waits before catching up (live calls recorded as Redis returns),
// and the largest pre handed to the other instance (its post carries the same parameters anyway).
const CATCH_UP_SETTLE_MS = 3_000
const SHARED_PRE_MAX_BYTES = 1024 * 1024
// How long a post waits for its pre when this node selects both and the pre has not arrived (the two race).
const PRE_WAIT_MS = 1_000

export = function register(RED: NodeAPI) {
  const t = (key: string, substitutions?: Record<string, string | number>) => RED._(`xo-hook.${key}`, substitutions)
  const logging = (RED.settings as unknown as { logging?: Record<string, { level?: string } | undefined> }).logging ?? {}
  const tracing = Object.values(logging).some((handler) => handler?.level === 'trace')

  // One route for every xo-hook node, dispatching on the node id: redeploys never leave routes behind, and a
  // delivery for a node being redeployed waits for its successor. The listeners of xo-server nodes dispatch there too.
  const { endpoints, dispatch } = hookDispatchOf(RED)
  // The secrets of redeployed nodes, still accepted for a while: XO's entries change after the new node starts.
  const retired = new Map<string, { secret: Buffer; until: number }>()
  const route = (req: Request, res: Response) =>
    void dispatch('node-red', String(req.params.nodeId), req.params.secret === undefined ? undefined : String(req.params.secret), req, res)
  RED.httpNode.all('/xo-hook/:nodeId', route)
  RED.httpNode.all('/xo-hook/:nodeId/:secret', route)

  RED.httpAdmin.get('/xo-hook/:id/entries', RED.auth.needsPermission('xo-hook.write'), async (req: Request, res: Response) => {
    const node = RED.nodes.getNode(String(req.params.id)) as XoHookNode | null
    if (!node || node.type !== 'xo-hook') return void res.status(404).json({ error: t('errors.notDeployed') })
    try {
      res.json({ entries: await node.entries() })
    } catch (error) {
      res.status(503).json({ error: (error as Error).message })
    }
  })

  function XoHook(this: XoHookNode, config: NodeDef & XoHookConfig & { server?: string }) {
    RED.nodes.createNode(this, config)
    const node = this
    const compiled = hookSettings(config)
    const server = RED.nodes.getNode(config.server ?? '') as XoServerNode | null
    if ('error' in compiled || !server) {
      const reason = 'error' in compiled ? compiled.error : t('errors.noServer')
      return refuseToRun(node, t('status.misconfigured', { reason }))
    }
    const settings: HookSettings = compiled
    const xo: XoServerNode = server
    const coordinator = xo.coordinator

    // The secret is a credential the editor sets. An imported flow has none until the node is edited: derive a
    // stable one from the server's credentials, so the URL XO knows survives redeploys and restarts.
    const derived = xo.deriveSecret(`xo-hook:${node.id}`)
    const secret = node.credentials?.secret || derived || randomBytes(24).toString('base64url')
    if (!node.credentials?.secret && !derived && !settings.register) node.warn(t('errors.ephemeralSecret'))
    // On a listener, its own allow-list applies too: both must allow the source.
    const nodeAllows = settings.allowFrom
    const listenerAllows = xo.listener?.settings.allowFrom
    const allowFrom = nodeAllows && listenerAllows ? (address: string) => nodeAllows(address) && listenerAllows(address) : (nodeAllows ?? listenerAllows)
    const receiving: ReceiverOptions = { secret: secretDigest(secret), maxBytes: settings.maxBytes, allowFrom }
    const metrics = runtimeOf(RED).metrics
    const serverName = serverLabel(xo)
    const former = retired.get(node.id)
    if (former && !former.secret.equals(receiving.secret)) receiving.former = former
    const counters = { events: 0, rejected: 0, lastRejection: 0 }
    let registration: { error?: string; count?: number } = {}
    const memory = new PreCallMemory()
    const held = new HeldDeliveries()
    const store = settings.enrich ? xo.objects(ENRICHMENT_TYPES) : undefined
    let closed = false

    const wish: HookWish | undefined = xo.hookPrefix
      ? {
          url: `${xo.hookPrefix}${node.id}/${secret}`,
          methods: settings.methods,
          type: settings.pre && settings.post ? 'pre/post' : settings.pre ? 'pre' : 'post',
          waitForResponse: settings.gate,
        }
      : undefined

    node.entries = async () => {
      if (!wish) throw new Error(t('errors.noBaseUrl'))
      return entriesFor(wish, Object.keys(await xo.methods()))
    }

    node.proceed = (key) => held.release(key)

    let catchUpStatus: CatchUpStatus | undefined
    const decorate = (spec: StatusSpec): StatusSpec => {
      if (spec.fill !== 'green') return spec
      const listening = xo.listener?.state
      if (listening?.status === 'failed') return { fill: 'red', shape: 'ring', text: t('status.listenerFailed', { reason: listening.reason }) }
      if (registration.error) return { fill: 'red', shape: 'ring', text: t('status.notRegistered', { reason: registration.error }) }
      const counted = counters.events === 0 && counters.rejected === 0
        ? spec
        : {
            fill: 'green' as const,
            shape: 'dot' as const,
            text: counters.rejected
              ? t('status.countsRefused', { count: counters.events, refused: counters.rejected, code: counters.lastRejection })
              : t('status.counts', { count: counters.events }),
          }
      const shown = withCatchUp(counted, catchUpStatus)
      return coordinator ? { ...shown, text: `${shown.text ?? ''} · ${roleText(coordinator.role)}` } : shown
    }
    // Live deliveries go on whatever the catch-up says: it only adds to the status, in yellow when it cannot work.
    const withCatchUp = (spec: StatusSpec, status: CatchUpStatus | undefined): StatusSpec => {
      if (!status || status.state === 'waiting') return spec
      const text = (part: string) => `${spec.text ?? ''} · ${part}`
      switch (status.state) {
        case 'catching-up':
          return { ...spec, text: text(t('status.catchingUp')) }
        case 'caught-up':
          return status.replayed ? { ...spec, text: text(t('status.caughtUp', { count: status.replayed })) } : spec
        case 'unavailable':
          return { fill: 'yellow', shape: 'dot', text: text(t(`status.noCatchUp.${status.reason}`, { reason: status.message ?? '' })) }
      }
    }

    // XO's entries follow the deployed nodes: the registrar writes them once the flows have started, and again
    // after every reconnection; this node hears how it went.
    const onReport = (report: RegistrationReport) => {
      if (closed) return
      if (report.ok) {
        registration = report.entries.length ? { count: report.entries.length } : { error: t('errors.noMethodMatches') }
        if (report.rejected.length) node.warn(t('errors.rejectedMethods', { methods: report.rejected.join(', ') }))
        if (report.unknown.length) node.warn(t('errors.unknownMethods', { methods: report.unknown.join(', ') }))
      } else {
        const error = report.error
        const notAdmin = error instanceof XoApiError && error.code === XO_ERROR.unauthorized
        registration = { error: notAdmin ? t('errors.notAdmin') : error.message }
        node.warn(t('errors.registrationFailed', { reason: registration.error! }))
      }
      use.refreshStatus()
    }
    if (settings.register && !wish) registration = { error: t('errors.noBaseUrl') }
    const registrar = xo.hooks()
    const release =
      registrar && xo.hookPrefix
        ? registrar.claim({ nodeId: node.id, prefix: xo.hookPrefix, wish: settings.register ? wish : undefined, report: onReport })
        : undefined

    const use = xo.use(node, { status: decorate })
    const onListener = () => use.refreshStatus()
    xo.listener?.on('state', onListener)

    const connection = xo.connection
    const catchUpSettings = settings.catchUp
    const newCatchUp = (store: StateStore, shared?: Coordinator) => catchUpSettings && connection
      ? new CatchUp<CallClaim>({
          key: `xo-hook/${node.id}`,
          xo: () => connection.endpoint.wsUrl,
          store,
          ...(shared ? { claim: (callId: string) => shared.claim(node.id, callId, catchUpSettings.maxAgeMs), mayEmit: () => shared.lease.leading } : {}),
          source: connection,
          selects: (method) => settings.methods.matches(method),
          ...catchUpSettings,
          // A flow that fails on a recovered call is told (catch node), and the call counts as delivered.
          emit: (body: HookPost, record: AuditRecord, claim?: CallClaim) =>
            emit(body, 0, undefined, { replayed: record, claim }).then(
              (sent) => sent !== false,
              (error: Error) => {
                claim?.release()
                node.error(t('errors.emitFailed', { reason: error.message }))
              },
            ),
          report: (status) => {
            catchUpStatus = status
            if (status.state === 'caught-up') metrics.catchUpPasses.inc({ server: serverName, outcome: 'ok' })
            else if (status.state === 'unavailable') metrics.catchUpPasses.inc({ server: serverName, outcome: status.reason })
            use.refreshStatus()
          },
          warn: (message) => node.warn(message),
          log: (message) => node.log(message),
        })
      : undefined
    // Alone, this node catches up; with a Redis shared with another Node-RED, only the leader does, from the shared
    // cursor, claiming each call so that a call emitted live by either instance never comes out twice.
    let catchUp = coordinator ? undefined : newCatchUp(stateStoreOf(RED))
    catchUp?.start()
    let settling: NodeJS.Timeout | undefined
    const onRole = (role: LeaseRole) => {
      use.refreshStatus()
      if (!coordinator || !catchUpSettings || closed) return
      if (role.role === 'leader') {
        if (catchUp || settling) return
        // Calls the other instance took live while Redis was away are recorded as it comes back: a moment first.
        settling = setTimeout(() => {
          settling = undefined
          if (closed || !coordinator.lease.leading || catchUp) return
          catchUp = newCatchUp(coordinator.leaderState(), coordinator)
          catchUp?.start()
        }, CATCH_UP_SETTLE_MS)
        return
      }
      clearTimeout(settling)
      settling = undefined
      const former = catchUp
      catchUp = undefined
      catchUpStatus = undefined
      void former?.stop(false, false)
    }
    coordinator?.on('role', onRole)
    if (coordinator) onRole(coordinator.role)

    /**
     * `replayed`: the call's audit record (from the catch-up); `sharedPre`: its pre, received by the other instance;
     * `claim`: this instance's claim on emitting the call (shared store, with *Catch up*).
     */
    const emit = async (body: HookBody, bytes: number, hold: string | undefined, { replayed, sharedPre, claim }: EmitWith = {}): Promise<boolean | void> => {
      if (body.type === 'pre' && settings.post) {
        memory.remember(body, bytes)
        // Its post may reach the other instance.
        if (coordinator && bytes <= SHARED_PRE_MAX_BYTES) coordinator.sharePre(node.id, `${body.method}:${body.callId}`, JSON.stringify(body), memory.maxAgeMs)
      }
      // The pre of a post: kept here, received by the other instance, or (racing its post) about to arrive.
      const expectsPre = body.type === 'post' && !replayed && settings.pre && settings.methods.matches(body.method)
      const pre = body.type === 'post'
        ? (memory.take(body.method, body.callId) ?? sharedPre ?? (expectsPre ? await memory.takeOrWait(body.method, body.callId, PRE_WAIT_MS) : undefined))
        : undefined
      const info: XoHookInfo & { hold?: { node: string; id: string } } = describeCall(body, pre)
      if (replayed) info.replayed = true
      const result = body.type === 'post' ? body.result : undefined
      const refs = involvedRefs(body.method, body.params, result)
      for (const ref of refs) info.objects[ref.role] = { id: ref.id }
      // A call from the audit log ran a while ago: its objects are described as they are now, without waiting.
      const done = body.type === 'post' && body.error === undefined && !replayed ? { method: body.method, params: body.params } : undefined
      if (store && refs.length) info.objects = await resolveInvolved(refs, store, replayed ? 0 : settings.enrichWaitMs, done)
      // The claim is confirmed right before the message leaves, in the same turn: a claim this instance held while
      // it was paused or cut off past its time may have gone to the other instance, which gave the call meanwhile.
      if (claim && !(await claim.confirm())) {
        claim.release()
        node.log(t('errors.givenElsewhere', { method: body.method, callId: body.callId }))
        return false
      }
      // XO was told it was delivered: if this node was redeployed meanwhile, its successor emits it.
      if (closed) {
        if (replayed) claim?.release()
        return replayed ? false : handOver(body, bytes, claim)
      }
      if (hold) info.hold = { node: node.id, id: hold }
      counters.events++
      const msg: XoHookMessage = { topic: body.method, payload: body, xo: info }
      msg.summary = summaryLine(msg)
      node.send(body.type === 'pre' ? [msg, null] : [null, msg])
      // Recorded for the other instance and the catch-up as the message leaves (claimed before, final now).
      if (claim) claim.sent()
      else if (coordinator && catchUpSettings && body.type === 'post') coordinator.recordEmitted(node.id, body.callId, catchUpSettings.maxAgeMs)
      if (replayed) metrics.caughtUp.inc({ server: serverName, method: body.method })
      else metrics.deliveries.inc({ server: serverName, method: body.method, phase: body.type })
      // Node-RED builds a trace line even when nothing shows it: only when a log handler wants trace.
      if (tracing) node.trace(`emitted ${body.type} ${body.method} ${body.callId}`)
      use.refreshStatus()
      return true
    }

    // A post the audit log already gave (while this delivery was late) is not emitted twice. With a shared store
    // the claim is asked of Redis once XO has its answer.
    const selects = (body: HookBody) => settings.methods.matches(body.method) && (body.type === 'pre' ? settings.pre : settings.post)
    const isWanted = (body: HookBody) => selects(body) && (coordinator !== undefined || body.type !== 'post' || catchUp?.claim(body.callId) !== false)
    /**
     * With a shared store, in one round trip: with *Catch up*, the claim on emitting the post's call (emitted already
     * by the leader's catch-up, this delivery being late; or being given by it) and its pre, if the other instance
     * received it.
     */
    const sharedPost = async (body: HookBody): Promise<{ claim?: ClaimAnswer; pre?: HookPre }> => {
      if (!coordinator || body.type !== 'post' || (!catchUpSettings && !(settings.pre && settings.post))) return {}
      const { claim, pre } = await coordinator.postArrived(node.id, body.callId, `${body.method}:${body.callId}`, catchUpSettings?.maxAgeMs)
      if (!pre) return { claim }
      try {
        return { claim, pre: JSON.parse(pre) as HookPre }
      } catch {
        return { claim }
      }
    }

    const handOver = async (body: HookBody, bytes: number, claim?: CallClaim) => {
      const successor = await endpoints.get(node.id)
      if (successor) return void (await successor.deliver(body, bytes, claim))
      claim?.release()
      node.warn(t('errors.dropped', { method: body.method, phase: body.type }))
    }

    const answer = (res: ServerResponse, status: number) => {
      res.statusCode = status
      res.end()
    }
    const receive = async (req: IncomingMessage, res: ServerResponse, presented: string | undefined, arrived: number, via: DeliveryPath) => {
      // A node whose XO server receives on its own listener is not reachable through Node-RED's endpoints, and
      // the other way round: only the path whose URL is registered in XO.
      if (via !== xo.deliveryPath) return refuse(req, res, 404)
      const outcome = await readDelivery(req, presented, receiving).catch(
        () => ({ status: 400 as const, reason: 'unreadable body' }),
      )
      if ('status' in outcome) {
        counters.rejected++
        counters.lastRejection = outcome.status
        metrics.refusals.inc({ server: serverName, status: String(outcome.status) })
        if (outcome.status === 405) res.setHeader('Allow', 'POST')
        refuse(req, res, outcome.status)
        node.debug(t('errors.rejected', { status: outcome.status, reason: outcome.reason }))
        use.refreshStatus()
        return
      }
      const body = outcome.body
      const wanted = isWanted(body)
      let hold: string | undefined
      if (wanted && body.type === 'pre' && settings.gate && !closed) {
        hold = `${body.method}:${body.callId}:${Date.now()}`
        metrics.gated.inc({ server: serverName, outcome: 'held' })
        held.hold(
          hold,
          (how) => {
            metrics.gated.inc({ server: serverName, outcome: how })
            if (!res.writableEnded) answer(res, 204)
            if (how === 'timeout') node.warn(t('errors.gateTimeout', { method: body.method, seconds: settings.gateTimeoutMs / 1000 }))
          },
          // XO's own limit runs from when it sent the delivery: so does the gate's.
          { arrived, limitMs: settings.gateTimeoutMs },
        )
      } else {
        // XO is told at once; the flow runs after. XO never waits on an ungated delivery.
        answer(res, 204)
      }
      if (!wanted) return
      let claim: CallClaim | undefined
      try {
        const shared = await sharedPost(body)
        // Emitted already (the catch-up gave it, this delivery being late), or another claim is giving it now.
        if (shared.claim && shared.claim.state !== 'mine') return
        if (shared.claim) claim = shared.claim.claim
        await emit(body, outcome.bytes, hold, { sharedPre: shared.pre, claim })
      } catch (error) {
        // Not emitted: the catch-up gives the call rather than wait for the claim to run out.
        claim?.release()
        // No flow will let XO go on with this call: it must not wait for the timeout.
        if (hold) held.release(hold)
        node.error(t('errors.emitFailed', { reason: (error as Error).message }))
      }
    }

    endpoints.set(node.id, {
      receive: (req, res, presented, arrived, via) => void receive(req, res, presented, arrived, via),
      deliver: async (body, bytes, claim) => {
        // Handed over by this node's predecessor, which took it live (and claimed it): this node remembers it, and
        // emits it.
        if (!selects(body)) return claim?.release()
        if (body.type === 'post' && !coordinator) catchUp?.claim(body.callId)
        await emit(body, bytes, undefined, { claim })
      },
    })

    node.on('close', (removed: boolean, done: () => void) => {
      closed = true
      coordinator?.off('role', onRole)
      clearTimeout(settling)
      // Saved before the flows stop: the next start (or the redeployed node) goes on from there.
      const saving = catchUp?.stop(removed)
      endpoints.delete(node.id, !removed)
      if (removed) retired.delete(node.id)
      else retired.set(node.id, { secret: receiving.secret, until: Date.now() + FORMER_SECRET_GRACE_MS })
      held.releaseAll()
      memory.clear()
      xo.listener?.off('state', onListener)
      use.close()
      // A deleted or disabled node's entries leave XO (through its config node's connection, which waits for it);
      // a redeployed one keeps them for its successor.
      release?.(removed)
      if (saving) void saving.then(done, done)
      else done()
    })
  }

  RED.nodes.registerType('xo-hook', XoHook as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: { secret: { type: 'password' } },
  })
}
