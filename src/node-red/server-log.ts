import type { ListenerState } from '../listener/hook-listener'
import type { XoConnectionState } from '../xo/connection'
import { throttledLog } from './log-throttle'
import type { Translate } from '../common/status'

/** A line of the config node's log, at its level. */
export interface LogLine {
  level: 'log' | 'warn'
  text: string
}

// Operators read the log when a status is not enough; it never carries a secret.
/** What a connection's new state says in the log (nothing for a state a status tells well enough). */
export function transitionLine(state: XoConnectionState, url: string, t: Translate): LogLine | undefined {
  switch (state.status) {
    case 'connected':
      return { level: 'log', text: t('log.connected', { url, user: state.user.email, version: state.serverVersion }) }
    case 'auth-failed':
      return {
        level: 'warn',
        text: t('log.authFailed', { url, reason: state.reason, retry: Math.round(state.retryInMs / 1000) }),
      }
    case 'unreachable':
      return {
        level: 'warn',
        text: t('log.unreachable', { url, reason: state.reason, retry: Math.round(state.retryInMs / 1000) }),
      }
    default:
      return undefined
  }
}

/** What the listener's new state says in the log. */
export function listenerLine(state: ListenerState, localUrl: string, t: Translate): LogLine | undefined {
  if (state.status === 'failed')
    return { level: 'warn', text: t('log.listenerFailed', { reason: state.reason, seconds: state.retryInMs / 1000 }) }
  if (state.status === 'listening') return { level: 'log', text: t('log.listening', { url: localUrl }) }
  return undefined
}

/** Where the config node writes its log. */
export interface ServerLogTarget {
  log(text: string): void
  warn(text: string): void
}

/**
 * The config node's log: connection and listener transitions, and warnings about what XO sends, at most one per
 * 10 s (the next one says how many were held back). `url`: XO's address as the node knows it when a line is written.
 */
export function serverLog(target: ServerLogTarget, t: Translate, url: () => string, now?: () => number) {
  const write = (line: LogLine | undefined) => line && target[line.level](line.text)
  const warning = throttledLog(
    (message, held) => {
      const line = t('log.warning', { url: url(), message })
      target.warn(held ? t('log.suppressed', { line, count: held, seconds: 10 }) : line)
    },
    10_000,
    now,
  )
  return {
    warning,
    transition: (state: XoConnectionState) => write(transitionLine(state, url(), t)),
    listener: (state: ListenerState, localUrl: string) => write(listenerLine(state, localUrl, t)),
  }
}
