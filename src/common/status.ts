import type { XoConnectionState } from '../xo/connection'

export interface StatusSpec {
  fill: 'red' | 'green' | 'yellow' | 'blue' | 'grey'
  shape: 'ring' | 'dot'
  text: string
}

/** Looks up a label of the package's `xo-server` catalogue; Node-RED's `RED._` in production. */
export type Translate = (key: string, substitutions?: Record<string, string | number>) => string

/** The status every node using a connection shows, so a user sees at a glance what XO says. */
export function connectionStatus(state: XoConnectionState, t: Translate): StatusSpec {
  switch (state.status) {
    case 'idle':
      return { fill: 'grey', shape: 'ring', text: t('status.idle') }
    case 'connecting':
      return state.attempt > 0
        ? { fill: 'yellow', shape: 'ring', text: t('status.reconnecting', { attempt: state.attempt }) }
        : { fill: 'yellow', shape: 'ring', text: t('status.connecting') }
    case 'connected':
      if (state.badFrames)
        return { fill: 'yellow', shape: 'dot', text: t('status.badFrames', { count: state.badFrames }) }
      return {
        fill: 'green',
        shape: 'dot',
        text: t('status.connected', { user: state.user.email, version: state.serverVersion }),
      }
    case 'auth-failed':
      return { fill: 'red', shape: 'ring', text: t('status.authFailed') }
    case 'unreachable':
      return { fill: 'red', shape: 'ring', text: t('status.unreachable', { reason: state.reason }) }
    case 'closed':
      return { fill: 'grey', shape: 'ring', text: t('status.closed') }
  }
}

/** How often at most a node shows figures that change with every message. */
export const STATUS_INTERVAL_MS = 250

/**
 * `show` coalesced to once per `ms` at most, a little after the first call of a burst: a status costs translations
 * and an editor message each time, and a node's figures change with every message. `close` drops what is pending.
 */
export function coalesced(show: () => void, ms = STATUS_INTERVAL_MS): { run(): void; close(): void } {
  let closed = false
  let pending: NodeJS.Timeout | undefined
  return {
    run: () => {
      if (closed || pending) return
      pending = setTimeout(() => {
        pending = undefined
        if (!closed) show()
      }, ms)
    },
    close: () => {
      closed = true
      clearTimeout(pending)
    },
  }
}
