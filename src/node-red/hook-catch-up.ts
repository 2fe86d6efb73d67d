import { CatchUp, type CatchUpOptions, type CatchUpSource } from '../audit/catch-up'
import type { CallClaim, ClaimAnswer } from '../coordination/coordinator'
import type { LeaseRole } from '../coordination/leader-lease'
import type { CleanupScope, Listenable } from '../common/cleanup-scope'
import type { Translate } from '../common/status'
import type { StateStore } from '../state/state-store'
import type { HookEmitter } from './hook-emitter'
import type { HookMetrics } from '../hooks/hook-metrics'
import type { HookState } from './hook-status'
import type { LiveCalls } from './hook-intake'
import type { MethodMatcher } from '../hooks/patterns'
import type { CatchUpSettings } from '../hooks/settings'

// With a shared store: how long the leader waits before catching up (live calls recorded as Redis returns).
const CATCH_UP_SETTLE_MS = 3_000

/** A catch-up as this wiring drives it (`CatchUp`). */
export interface RunningCatchUp {
  start(): void
  stop(forget: boolean, save?: boolean): Promise<void>
  claim(callId: string): boolean
}

/** What the wiring needs of the store and lease shared with another Node-RED (`Coordinator`). */
export interface SharedCatchUp extends Listenable {
  readonly role: LeaseRole
  readonly lease: { readonly leading: boolean }
  leaderState(): StateStore
  claim(nodeId: string, callId: string, keepMs: number): Promise<ClaimAnswer>
}

export interface HookCatchUpOptions {
  nodeId: string
  /** undefined: no catch-up (off, or the node takes no post deliveries) */
  settings: CatchUpSettings | undefined
  methods: MethodMatcher
  /** XO's connection (none: misconfigured, no catch-up) */
  connection: (CatchUpSource & { endpoint: { wsUrl: string } }) | undefined
  coordinator?: SharedCatchUp
  /** this Node-RED's own store, where a node alone keeps its cursor */
  localStore(): StateStore
  emitter: Pick<HookEmitter, 'emit'>
  metrics: Pick<HookMetrics, 'catchUpPass'>
  state: HookState
  /** the node's: the role listener and the catch-up are undone with it */
  scope: CleanupScope
  /** the node's status may have changed */
  refresh(): void
  warn(message: string): void
  log(message: string): void
  error(message: string): void
  t: Translate
  settleMs?: number
  create?: (options: CatchUpOptions<CallClaim>) => RunningCatchUp
}

/**
 * The catch-up of one xo-hook node. Alone, this node catches up; with a Redis shared with another Node-RED, only
 * the leader does, from the shared cursor, claiming each call so that a call emitted live by either instance never
 * comes out twice. The catch-up is saved when the node closes: the next start (or the redeployed node) goes on
 * from there.
 */
export class HookCatchUp implements LiveCalls {
  readonly #o: HookCatchUpOptions
  #current: RunningCatchUp | undefined
  #settling: NodeJS.Timeout | undefined

  constructor(options: HookCatchUpOptions) {
    this.#o = options
    const { coordinator, scope } = options
    if (coordinator) {
      scope.on(coordinator, 'role', this.#onRole)
    } else {
      this.#current = this.#create(options.localStore())
      this.#current?.start()
    }
    scope.defer((removed) => this.#stop(removed))
    if (coordinator) this.#onRole(coordinator.role)
  }

  tookLive(callId: string): boolean | undefined {
    return this.#o.coordinator ? undefined : this.#current?.claim(callId)
  }

  readonly #onRole = (role: LeaseRole): void => {
    const { coordinator, settings, scope } = this.#o
    this.#o.refresh()
    if (!coordinator || !settings || scope.closed) return
    if (role.role === 'leader') {
      if (this.#current || this.#settling) return
      // Calls the other instance took live while Redis was away are recorded as it comes back: a moment first.
      this.#settling = setTimeout(() => {
        this.#settling = undefined
        if (scope.closed || !coordinator.lease.leading || this.#current) return
        this.#current = this.#create(coordinator.leaderState(), coordinator)
        this.#current?.start()
      }, this.#o.settleMs ?? CATCH_UP_SETTLE_MS)
      return
    }
    clearTimeout(this.#settling)
    this.#settling = undefined
    const former = this.#current
    this.#current = undefined
    this.#o.state.catchUp = undefined
    void former?.stop(false, false)
  }

  #stop(removed: boolean): Promise<void> | undefined {
    clearTimeout(this.#settling)
    this.#settling = undefined
    return this.#current?.stop(removed)
  }

  #create(store: StateStore, shared?: SharedCatchUp): RunningCatchUp | undefined {
    const { nodeId, settings, connection, metrics, state, t } = this.#o
    if (!settings || !connection) return undefined
    const create = this.#o.create ?? ((options) => new CatchUp<CallClaim>(options))
    return create({
      key: `xo-hook/${nodeId}`,
      xo: () => connection.endpoint.wsUrl,
      store,
      ...(shared
        ? {
            claim: (callId: string) => shared.claim(nodeId, callId, settings.maxAgeMs),
            mayEmit: () => shared.lease.leading,
          }
        : {}),
      source: connection,
      selects: (method) => this.#o.methods.matches(method),
      ...settings,
      // A flow that fails on a recovered call is told (catch node), and the call counts as delivered.
      emit: (body, record, claim) =>
        this.#o.emitter.emit(body, 0, undefined, { replayed: record, claim }).then(
          (sent) => sent !== false,
          (error: Error) => {
            claim?.release()
            this.#o.error(t('errors.emitFailed', { reason: error.message }))
          },
        ),
      report: (status) => {
        state.catchUp = status
        if (status.state === 'caught-up' || status.state === 'unavailable') state.lastPass = Date.now()
        if (status.state === 'caught-up') metrics.catchUpPass('ok')
        else if (status.state === 'unavailable') metrics.catchUpPass(status.reason)
        this.#o.refresh()
      },
      warn: (message) => this.#o.warn(message),
      log: (message) => this.#o.log(message),
    })
  }
}
