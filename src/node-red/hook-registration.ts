import type { CleanupScope } from '../common/cleanup-scope'
import type { Translate } from '../common/status'
import { XoApiError, XO_ERROR } from '../xo/errors'
import type { HookRegistrationState, HookState } from './hook-status'
import {
  entriesFor,
  type HookEntry,
  type HookRegistrar,
  type HookWish,
  type RegistrationReport,
} from '../hooks/registrar'
import type { HookSettings } from '../hooks/settings'

/** The entries an xo-hook node wants in XO's web-hooks plugin; none without a URL XO can reach. */
export function hookWish(
  prefix: string | undefined,
  nodeId: string,
  secret: string,
  settings: Pick<HookSettings, 'methods' | 'pre' | 'post' | 'gate'>,
): HookWish | undefined {
  if (!prefix) return undefined
  return {
    url: `${prefix}${nodeId}/${secret}`,
    methods: settings.methods,
    type: settings.pre && settings.post ? 'pre/post' : settings.pre ? 'pre' : 'post',
    waitForResponse: settings.gate,
  }
}

/** Where the registration stands before the registrar says anything: a node that registers needs a URL. */
export function registrationAtStart(
  wish: HookWish | undefined,
  register: boolean,
  t: Translate,
): HookRegistrationState {
  return register && !wish ? { error: t('errors.noBaseUrl') } : {}
}

export interface HookRegistrationOptions {
  nodeId: string
  /** the node's hook prefix (see `XoServerNode.hookPrefix`); none: nothing is claimed */
  prefix: string | undefined
  wish: HookWish | undefined
  /** the node writes its entries itself (*Register in XO*) */
  register: boolean
  /** the XO's registrar; none: misconfigured */
  registrar: Pick<HookRegistrar, 'claim'> | undefined
  state: HookState
  /** the node's: the claim goes back when it closes */
  scope: CleanupScope
  t: Translate
  warn(message: string): void
  refresh(): void
}

/**
 * An xo-hook node's entries in XO. They follow the deployed nodes: the registrar writes them once the flows have
 * started, and again after every reconnection; this node hears how it went. A deleted or disabled node's entries
 * leave XO (through its config node's connection, which waits for it); a redeployed one keeps them for its
 * successor.
 */
export class HookRegistration {
  readonly #o: HookRegistrationOptions

  constructor(options: HookRegistrationOptions) {
    this.#o = options
    const { registrar, prefix } = options
    if (!registrar || !prefix) return
    const release = registrar.claim({
      nodeId: options.nodeId,
      prefix,
      wish: options.register ? options.wish : undefined,
      expected: options.wish,
      report: this.#report,
    })
    options.scope.defer(release)
  }

  /** The entries this node wants, against XO's method catalogue; throws without a URL XO can reach. */
  async entries(catalogue: () => Promise<Record<string, unknown>>): Promise<HookEntry[]> {
    if (!this.#o.wish) throw new Error(this.#o.t('errors.noBaseUrl'))
    return entriesFor(this.#o.wish, Object.keys(await catalogue()))
  }

  readonly #report = (report: RegistrationReport): void => {
    const { state, t, warn } = this.#o
    if (this.#o.scope.closed) return
    if (report.ok) {
      state.registration = report.entries.length
        ? { count: report.entries.length }
        : { error: t('errors.noMethodMatches') }
      if (report.rejected.length) warn(t('errors.rejectedMethods', { methods: report.rejected.join(', ') }))
      if (report.unknown.length) warn(t('errors.unknownMethods', { methods: report.unknown.join(', ') }))
    } else {
      const error = report.error
      const notAdmin = error instanceof XoApiError && error.code === XO_ERROR.unauthorized
      const reason = notAdmin ? t('errors.notAdmin') : error.message
      state.registration = { error: reason }
      warn(t('errors.registrationFailed', { reason }))
    }
    this.#o.refresh()
  }
}
