import type { IncomingMessage, ServerResponse } from 'node:http'
import type { CallClaim } from '../coordination/coordinator'
import type { DeliveryPath, HookEndpoint } from './hook-dispatch'
import type { Translate } from '../common/status'
import type { HookBody } from '../hooks/delivery'
import type { HookEmitter } from './hook-emitter'
import type { HeldDeliveries } from '../hooks/held-deliveries'
import type { HookMetrics } from '../hooks/hook-metrics'
import type { HookState } from './hook-status'
import { readDelivery, type ReceiverOptions } from '../hooks/receiver'
import { refuse } from '../hooks/refuse'
import type { HookSettings } from '../hooks/settings'

/** What the intake asks of the catch-up running beside it. */
export interface LiveCalls {
  /**
   * A post came live (the catch-up will not give its call): false when the catch-up gave it already. Undefined
   * when there is no such record here (no catch-up, or a shared store, whose claims say it).
   */
  tookLive(callId: string): boolean | undefined
}

export interface HookIntakeOptions {
  settings: Pick<HookSettings, 'methods' | 'pre' | 'post' | 'gate' | 'gateTimeoutMs'>
  receiving: ReceiverOptions
  /** the one path whose URL is registered in XO: Node-RED's endpoints, or the xo-server node's listener */
  path: DeliveryPath
  held: HeldDeliveries
  emitter: Pick<HookEmitter, 'emit' | 'sharedPost'>
  catchUp: LiveCalls
  state: HookState
  metrics: Pick<HookMetrics, 'refused' | 'gated'>
  /** the node has closed: a pre is no longer held for a flow */
  closed(): boolean
  /** the node's figures changed */
  refresh(): void
  debug(message: string): void
  warn(message: string): void
  error(message: string): void
  t: Translate
  now?: () => number
}

/**
 * Takes XO's deliveries for one xo-hook node: refuses what is not XO's (counted), answers XO at once or holds a
 * gated pre until a flow lets it go, and hands what the node selects to the emitter.
 */
export class HookIntake implements HookEndpoint {
  readonly #now: () => number

  constructor(private readonly o: HookIntakeOptions) {
    this.#now = o.now ?? Date.now
  }

  receive(
    req: IncomingMessage,
    res: ServerResponse,
    presented: string | undefined,
    arrived: number,
    via: DeliveryPath,
  ): void {
    void this.#receive(req, res, presented, arrived, via)
  }

  /** Handed over by this node's predecessor, which took it live (and claimed it): remembered, and emitted. */
  async deliver(body: HookBody, bytes: number, claim?: CallClaim): Promise<void> {
    if (!this.#selects(body)) return claim?.release()
    if (body.type === 'post') this.o.catchUp.tookLive(body.callId)
    await this.o.emitter.emit(body, bytes, undefined, { claim })
  }

  /** Lets XO go on with a held pre delivery; false when it was no longer held. */
  proceed(key: string): boolean {
    return this.o.held.release(key)
  }

  #selects(body: HookBody): boolean {
    const { settings } = this.o
    return settings.methods.matches(body.method) && (body.type === 'pre' ? settings.pre : settings.post)
  }

  // A post the audit log already gave (while this delivery was late) is not emitted twice. With a shared store
  // the claim is asked of Redis once XO has its answer.
  #wanted(body: HookBody): boolean {
    return this.#selects(body) && (body.type !== 'post' || this.o.catchUp.tookLive(body.callId) !== false)
  }

  async #receive(
    req: IncomingMessage,
    res: ServerResponse,
    presented: string | undefined,
    arrived: number,
    via: DeliveryPath,
  ): Promise<void> {
    const { settings, state, metrics, held, t } = this.o
    // A node whose XO server receives on its own listener is not reachable through Node-RED's endpoints, and
    // the other way round: only the path whose URL is registered in XO.
    if (via !== this.o.path) return refuse(req, res, 404)
    const outcome = await readDelivery(req, presented, this.o.receiving).catch(() => ({
      status: 400 as const,
      reason: 'unreadable body',
    }))
    if ('status' in outcome) {
      state.rejected++
      state.lastRejection = outcome.status
      metrics.refused(outcome.status)
      if (outcome.status === 405) res.setHeader('Allow', 'POST')
      refuse(req, res, outcome.status)
      this.o.debug(t('errors.rejected', { status: outcome.status, reason: outcome.reason }))
      this.o.refresh()
      return
    }
    const body = outcome.body
    const wanted = this.#wanted(body)
    let hold: string | undefined
    if (wanted && body.type === 'pre' && settings.gate && !this.o.closed()) {
      hold = `${body.method}:${body.callId}:${this.#now()}`
      metrics.gated('held')
      held.hold(
        hold,
        (how) => {
          metrics.gated(how)
          if (!res.writableEnded) answer(res, 204)
          if (how === 'timeout')
            this.o.warn(t('errors.gateTimeout', { method: body.method, seconds: settings.gateTimeoutMs / 1000 }))
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
      const shared = await this.o.emitter.sharedPost(body)
      // Emitted already (the catch-up gave it, this delivery being late), or another claim is giving it now.
      if (shared.claim && shared.claim.state !== 'mine') return
      if (shared.claim) claim = shared.claim.claim
      await this.o.emitter.emit(body, outcome.bytes, hold, { sharedPre: shared.pre, claim })
    } catch (error) {
      // Not emitted: the catch-up gives the call rather than wait for the claim to run out.
      claim?.release()
      // No flow will let XO go on with this call: it must not wait for the timeout.
      if (hold) held.release(hold)
      this.o.error(t('errors.emitFailed', { reason: (error as Error).message }))
    }
  }
}

function answer(res: ServerResponse, status: number): void {
  res.statusCode = status
  res.end()
}
