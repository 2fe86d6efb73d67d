import type { AuditRecord } from '../audit/records'
import type { CallClaim, ClaimAnswer, Coordinator } from '../coordination/coordinator'
import { summaryLine } from '../destinations/event'
import type { Translate } from '../common/status'
import type { ObjectStore } from '../xo/object-store'
import type { PreCallMemory } from '../hooks/pre-call-memory'
import type { HookBody, HookPre } from '../hooks/delivery'
import { resolveInvolved } from '../hooks/enrich'
import type { HookMetrics } from '../hooks/hook-metrics'
import type { HookState } from './hook-status'
import { involvedRefs } from '../hooks/involved'
import { describeCall, type XoHookMessage } from '../hooks/message'
import type { HookSettings } from '../hooks/settings'

// With a shared store: the largest pre handed to the other instance (its post carries the same parameters anyway).
const SHARED_PRE_MAX_BYTES = 1024 * 1024
// How long a post waits for its pre when this node selects both and the pre has not arrived (the two race).
const PRE_WAIT_MS = 1_000

/**
 * What a message comes with besides the delivery. `replayed`: the call's audit record (from the catch-up);
 * `sharedPre`: its pre, received by the other instance; `claim`: this instance's claim on emitting the call
 * (shared store, with *Catch up*).
 */
export interface EmitWith {
  replayed?: AuditRecord
  sharedPre?: HookPre
  claim?: CallClaim
}

/** The node that took over a closed node's deliveries (its redeployed successor). */
export interface Successor {
  deliver(body: HookBody, bytes: number, claim?: CallClaim): Promise<void>
}

export interface HookEmitterOptions {
  nodeId: string
  settings: Pick<HookSettings, 'pre' | 'post' | 'methods' | 'enrichWaitMs' | 'catchUp'>
  memory: PreCallMemory
  /** the store and lease shared with another Node-RED running the same flows */
  coordinator?: Pick<Coordinator, 'sharePre' | 'recordEmitted' | 'postArrived'>
  /** XO's objects, to describe those a call is about (*Describe objects*) */
  store?: ObjectStore
  state: HookState
  metrics: Pick<HookMetrics, 'delivered' | 'caughtUp'>
  /** the node's two outputs: pre, post */
  send(outputs: [XoHookMessage | null, XoHookMessage | null]): void
  /** the node has closed (redeployed, deleted, Node-RED stopping) */
  closed(): boolean
  /** the node's successor, waited for across a redeploy */
  successor(): Promise<Successor | undefined>
  /** the node's figures changed */
  refresh(): void
  log(message: string): void
  warn(message: string): void
  /** only when a log handler shows trace: Node-RED builds a trace line even when nothing shows it */
  trace?: (message: string) => void
  t: Translate
}

/** Turns XO's deliveries (live, handed over, or from the audit log) into the node's messages, each at most once. */
export class HookEmitter {
  constructor(private readonly o: HookEmitterOptions) {}

  /** False when the call was not emitted here (given elsewhere, or dropped while closing). */
  async emit(
    body: HookBody,
    bytes: number,
    hold: string | undefined,
    { replayed, sharedPre, claim }: EmitWith = {},
  ): Promise<boolean | void> {
    const { settings, memory, coordinator, t } = this.o
    if (body.type === 'pre' && settings.post) {
      memory.remember(body, bytes)
      // Its post may reach the other instance.
      if (coordinator && bytes <= SHARED_PRE_MAX_BYTES)
        coordinator.sharePre(this.o.nodeId, `${body.method}:${body.callId}`, JSON.stringify(body), memory.maxAgeMs)
    }
    // The pre of a post: kept here, received by the other instance, or (racing its post) about to arrive.
    const expectsPre = body.type === 'post' && !replayed && settings.pre && settings.methods.matches(body.method)
    const pre =
      body.type === 'post'
        ? (memory.take(body.method, body.callId) ??
          sharedPre ??
          (expectsPre ? await memory.takeOrWait(body.method, body.callId, PRE_WAIT_MS) : undefined))
        : undefined
    const info: XoHookMessage['xo'] = describeCall(body, pre)
    if (replayed) info.replayed = true
    const result = body.type === 'post' ? body.result : undefined
    const refs = involvedRefs(body.method, body.params, result)
    for (const ref of refs) info.objects[ref.role] = { id: ref.id }
    // A call from the audit log ran a while ago: its objects are described as they are now, without waiting.
    const done =
      body.type === 'post' && body.error === undefined && !replayed
        ? { method: body.method, params: body.params }
        : undefined
    if (this.o.store && refs.length)
      info.objects = await resolveInvolved(refs, this.o.store, replayed ? 0 : settings.enrichWaitMs, done)
    // The claim is confirmed right before the message leaves, in the same turn: a claim this instance held while
    // it was paused or cut off past its time may have gone to the other instance, which gave the call meanwhile.
    if (claim && !(await claim.confirm())) {
      claim.release()
      this.o.log(t('errors.givenElsewhere', { method: body.method, callId: body.callId }))
      return false
    }
    // XO was told it was delivered: if this node was redeployed meanwhile, its successor emits it.
    if (this.o.closed()) {
      if (replayed) claim?.release()
      return replayed ? false : this.handOver(body, bytes, claim)
    }
    if (hold) info.hold = { node: this.o.nodeId, id: hold }
    this.o.state.events++
    const msg: XoHookMessage = { topic: body.method, payload: body, xo: info }
    msg.summary = summaryLine(msg)
    this.o.send(body.type === 'pre' ? [msg, null] : [null, msg])
    // Recorded for the other instance and the catch-up as the message leaves (claimed before, final now).
    if (claim) claim.sent()
    else if (coordinator && settings.catchUp && body.type === 'post')
      coordinator.recordEmitted(this.o.nodeId, body.callId, settings.catchUp.maxAgeMs)
    if (replayed) this.o.metrics.caughtUp(body.method)
    else this.o.metrics.delivered(body.method, body.type)
    this.o.trace?.(`emitted ${body.type} ${body.method} ${body.callId}`)
    this.o.refresh()
    return true
  }

  /**
   * With a shared store, in one round trip: with *Catch up*, the claim on emitting the post's call (emitted already
   * by the leader's catch-up, this delivery being late; or being given by it) and its pre, if the other instance
   * received it.
   */
  async sharedPost(body: HookBody): Promise<{ claim?: ClaimAnswer; pre?: HookPre }> {
    const { coordinator, settings } = this.o
    if (!coordinator || body.type !== 'post' || (!settings.catchUp && !(settings.pre && settings.post))) return {}
    const { claim, pre } = await coordinator.postArrived(
      this.o.nodeId,
      body.callId,
      `${body.method}:${body.callId}`,
      settings.catchUp?.maxAgeMs,
    )
    if (!pre) return { claim }
    try {
      return { claim, pre: JSON.parse(pre) as HookPre }
    } catch {
      return { claim }
    }
  }

  /** A delivery XO was told about, reaching this node after it closed: its successor emits it, if there is one. */
  async handOver(body: HookBody, bytes: number, claim?: CallClaim): Promise<void> {
    const successor = await this.o.successor()
    if (successor) return void (await successor.deliver(body, bytes, claim))
    claim?.release()
    this.o.warn(this.o.t('errors.dropped', { method: body.method, phase: body.type }))
  }
}
