import type { LeaseRole } from '../coordination/leader-lease'
import type { StatusSpec, Translate } from '../common/status'

/** What an xo-events node's status shows besides its connection. */
export interface EventsFigures {
  /** XO's objects are loaded */
  loaded: boolean
  /** how many objects are kept */
  objects: number
  /** with a Redis shared with another Node-RED: whether this one leads, and its role */
  shared?: { leading: boolean; role: LeaseRole }
  /** *remember* could not read or save what the node knew */
  notRemembered: boolean
  /** messages sent */
  count: number
  /** VMs removed before XO finished making them */
  unfinished: number
  /** VMs that came or went with their pool */
  withPool: number
}

/**
 * The status of an xo-events node: the connection's (`spec`) while it is not connected; once connected, whether
 * XO's objects are loaded, whether it follows another Node-RED, what it sent, and what it did not send and why.
 * `t` reads the xo-events catalogue.
 */
export function eventsStatus(spec: StatusSpec, figures: EventsFigures, t: Translate): StatusSpec {
  if (spec.fill !== 'green') return spec
  if (!figures.loaded) return { fill: 'yellow', shape: 'dot', text: t('status.loading') }
  const { shared, count } = figures
  if (shared && !shared.leading) {
    return shared.role.role === 'unknown'
      ? { fill: 'yellow', shape: 'ring', text: t('status.noStore', { reason: shared.role.reason }) }
      : {
          fill: 'grey',
          shape: 'ring',
          text: t('status.following', { role: t('status.follower'), objects: figures.objects }),
        }
  }
  if (figures.notRemembered) return { fill: 'yellow', shape: 'ring', text: t('status.notRemembered', { count }) }
  const counted = count ? { fill: 'green' as const, shape: 'dot' as const, text: t('status.counts', { count }) } : spec
  const notes = [
    ...(figures.unfinished ? [t('status.unfinished', { count: figures.unfinished })] : []),
    ...(figures.withPool ? [t('status.withPool', { count: figures.withPool })] : []),
  ]
  const shown = notes.length ? { ...counted, text: [counted.text ?? '', ...notes].join(' · ') } : counted
  return shared ? { ...shown, text: `${shown.text ?? ''} · ${t('status.leader')}` } : shown
}
