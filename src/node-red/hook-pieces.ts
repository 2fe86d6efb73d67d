import type { CleanupScope } from '../common/cleanup-scope'
import { ENRICHMENT_TYPES } from '../hooks/enrich'
import { HeldDeliveries } from '../hooks/held-deliveries'
import type { HookMetrics } from '../hooks/hook-metrics'
import { PreCallMemory } from '../hooks/pre-call-memory'
import type { ReceiverOptions } from '../hooks/receiver'
import type { HookSettings } from '../hooks/settings'
import type { StateStore } from '../state/state-store'
import type { Translate } from '../common/status'
import { HookCatchUp } from './hook-catch-up'
import { HookEmitter, type HookEmitterOptions } from './hook-emitter'
import { HookIntake } from './hook-intake'
import { HookRegistration } from './hook-registration'
import type { HookWish } from '../hooks/registrar'
import type { HookState } from './hook-status'
import type { XoServerNode } from './xo-server-node'

/** What every piece of an xo-hook node is told: who it is, what the node counts and shows, where it logs. */
export interface HookCommon {
  nodeId: string
  settings: HookSettings
  state: HookState
  metrics: HookMetrics
  refresh(): void
  t: Translate
  warn(message: string): void
  log(message: string): void
  error(message: string): void
  closed(): boolean
}

export interface HookPiecesOptions {
  common: HookCommon
  xo: XoServerNode
  scope: CleanupScope
  wish: HookWish | undefined
  receiving: ReceiverOptions
  tracing: boolean
  localStore(): StateStore
  send: HookEmitterOptions['send']
  successor: HookEmitterOptions['successor']
  trace(message: string): void
  debug(message: string): void
}

/**
 * The pieces of one xo-hook node, wired to each other: the pre/post memory and the held deliveries, the emitter,
 * the catch-up (built before the intake, which asks it, and so closed after it: saved once the rest is undone),
 * the intake, the registration of its entries in XO.
 */
export function hookPieces(o: HookPiecesOptions) {
  const { common, xo, scope } = o
  const { coordinator } = xo
  const memory = new PreCallMemory()
  const held = new HeldDeliveries()
  const store = common.settings.enrich ? xo.openObjectStore(ENRICHMENT_TYPES) : undefined
  const trace = o.tracing ? o.trace : undefined
  const emitter = new HookEmitter({
    ...common,
    memory,
    coordinator,
    store,
    send: o.send,
    successor: o.successor,
    trace,
  })
  const catchUp = new HookCatchUp({
    ...common,
    settings: common.settings.catchUp,
    methods: common.settings.methods,
    connection: xo.connection,
    coordinator,
    localStore: o.localStore,
    emitter,
    scope,
  })
  const intake = new HookIntake({
    ...common,
    receiving: o.receiving,
    path: xo.deliveryPath,
    held,
    emitter,
    catchUp,
    debug: o.debug,
  })
  const registration = new HookRegistration({
    ...common,
    prefix: xo.hookPrefix,
    wish: o.wish,
    register: common.settings.register,
    registrar: xo.hookRegistrar(),
    scope,
  })
  return { memory, held, intake, registration }
}
