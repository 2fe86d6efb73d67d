import type { LeaseRole } from '../coordination/leader-lease'
import type { CatchUpStatus } from '../audit/catch-up'
import type { ListenerState } from '../listener/hook-listener'
import type { StatusSpec, Translate } from '../common/status'

/** Where an xo-hook node's registration in XO stands: the entries it has there, or why it has none. */
export interface HookRegistrationState {
  error?: string
  count?: number
}

/** What an xo-hook node counts and hears, written by its collaborators and shown by `hookStatus`. */
export interface HookState {
  /** messages emitted */
  events: number
  /** deliveries refused, and the HTTP status of the latest one */
  rejected: number
  lastRejection: number
  registration: HookRegistrationState
  /** the catch-up's latest word; none while no catch-up runs here */
  catchUp?: CatchUpStatus
  /** when the catch-up last finished a pass (ms), for the operator's view */
  lastPass?: number
}

export const newHookState = (registration: HookRegistrationState = {}): HookState => ({
  events: 0,
  rejected: 0,
  lastRejection: 0,
  registration,
})

/** What the node reads of its surroundings when showing its status. */
export interface HookSurroundings {
  /** the xo-server node's listener, when deliveries come in on one */
  listener?: ListenerState
  /** this instance's role as the status says it (`roleLabel`), with a Redis shared with another Node-RED */
  role?: string
}

/**
 * The status of an xo-hook node, from the connection's (`spec`): a connected node shows what stops deliveries
 * (the listener failed, no entries in XO), else what it counted, the catch-up's progress and its role.
 */
export function hookStatus(spec: StatusSpec, state: HookState, around: HookSurroundings, t: Translate): StatusSpec {
  if (spec.fill !== 'green') return spec
  const listening = around.listener
  if (listening?.status === 'failed')
    return { fill: 'red', shape: 'ring', text: t('status.listenerFailed', { reason: listening.reason }) }
  if (state.registration.error)
    return { fill: 'red', shape: 'ring', text: t('status.notRegistered', { reason: state.registration.error }) }
  const counted: StatusSpec =
    state.events === 0 && state.rejected === 0
      ? spec
      : {
          fill: 'green',
          shape: 'dot',
          text: state.rejected
            ? t('status.countsRefused', { count: state.events, refused: state.rejected, code: state.lastRejection })
            : t('status.counts', { count: state.events }),
        }
  const shown = withCatchUp(counted, state.catchUp, t)
  return around.role !== undefined ? { ...shown, text: `${shown.text ?? ''} · ${around.role}` } : shown
}

// Live deliveries go on whatever the catch-up says: it only adds to the status, in yellow when it cannot work.
function withCatchUp(spec: StatusSpec, status: CatchUpStatus | undefined, t: Translate): StatusSpec {
  if (!status || status.state === 'waiting') return spec
  const text = (part: string) => `${spec.text ?? ''} · ${part}`
  switch (status.state) {
    case 'catching-up':
      return { ...spec, text: text(t('status.catchingUp')) }
    case 'caught-up':
      return status.replayed ? { ...spec, text: text(t('status.caughtUp', { count: status.replayed })) } : spec
    case 'unavailable':
      return {
        fill: 'yellow',
        shape: 'dot',
        text: text(t(`status.noCatchUp.${status.reason}`, { reason: status.message ?? '' })),
      }
  }
}

/** This instance's role among two sharing a Redis, as the status says it. */
export function roleLabel(role: LeaseRole, t: Translate): string {
  return role.role === 'unknown' ? t('status.role.noStore', { reason: role.reason }) : t(`status.role.${role.role}`)
}
