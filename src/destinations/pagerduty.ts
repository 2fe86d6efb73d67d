import type { XoDigest } from './digest-message'
import type { XoEventSummary } from './summary'
import { digestPlace, isFiringProblem } from './from-digest'
import { xoLink } from './links'
import { notSent, type NotSent } from './not-sent'
import { describe } from './phrases'
import { digestClass, digestDetails } from './pagerduty-digest'
import { jsonRequest, type HttpRequestMessage } from './request'
import { stableHash, truncate } from './text'

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info'

export interface PagerDutyOptions {
  /** the integration key: the credential, sent in the body */
  routingKey: string
  /** `payload.source`; default: XO's host name, else the pool's name */
  source?: string
  /** alert: trigger failures and resolve successes; change: a change event for everything; auto (default): both, see below */
  mode?: 'alert' | 'change' | 'auto'
  /** by method or event (`host.stop`, `VM.migrated`): overrides the defaults below */
  severity?: Record<string, PagerDutySeverity>
  xoUrl?: string
  /**
   * The dedup keys triggered and not resolved yet (kept by the caller, e.g. in flow context): in auto mode, a
   * success whose key is open resolves it instead of being a change event. PagerDuty itself cannot be asked.
   */
  open?: { has(key: string): boolean }
}

const ENQUEUE = 'https://events.pagerduty.com/v2/enqueue'
const CHANGE_ENQUEUE = 'https://events.pagerduty.com/v2/change/enqueue'
const SUMMARY_MAX = 1024
const KEY_MAX = 255

// A host going down, however it went: one alert per host, resolved when it is back.
const HOST_DOWN = new Set(['host.stop', 'host.emergencyShutdownHost', 'host.restart', 'host.down'])
const HOST_UP = new Set(['host.start', 'host.up'])

const SEVERITY: Record<string, PagerDutySeverity> = {
  'host.emergencyShutdownHost': 'critical',
  'host.down': 'critical',
  'host.stop': 'error',
  'host.restart': 'error',
}

/**
 * The dedup key of what the event is about: `xo:<method or event>:<subject id>`, except that every way a host
 * goes down or comes back shares `xo:host.down:<host id>`, so that the host's return resolves the alert. A
 * digest's is `xo:digest:<group>`: one alert per group, for its whole life.
 */
export function pagerDutyDedupKey(s: XoEventSummary): string {
  if (s.digest) return bounded(`xo:digest:${s.digest.group}`)
  const condition = HOST_DOWN.has(s.kind) || HOST_UP.has(s.kind) ? 'host.down' : s.kind
  return bounded(s.subject ? `xo:${condition}:${s.subject.id}` : `xo:${condition}`)
}

// Cut with a hash of the whole: two long keys that share their start stay apart.
const bounded = (key: string) => (key.length <= KEY_MAX ? key : `${key.slice(0, KEY_MAX - 17)}~${stableHash(key)}`)

/**
 * A PagerDuty Events v2 event for the summary, or why there is nothing to tell PagerDuty: a pre (the call has
 * not happened), a routine event in alert mode, a change for a ruleset key (PagerDuty takes none).
 *
 * auto: failures, host shutdowns and host down trigger; a host's return resolves; a success whose key is
 * `open` resolves; any other success (a migration, a snapshot, VM.migrated…) is a change event, which gives
 * responders context without paging anyone.
 *
 * A digest: a problem group triggers while it fires and resolves once resolved (in alert and auto modes); an
 * info group is a change event in auto mode and routine in alert mode. Its details carry its counts and list.
 */
export function pagerDutyEvent(
  s: XoEventSummary,
  opts: PagerDutyOptions,
): { url: string; body: Record<string, unknown> } | NotSent {
  const action = actionOf(s, opts)
  if (typeof action !== 'string') return action
  const key = pagerDutyDedupKey(s)
  const routing_key = opts.routingKey
  if (action === 'resolve') return { url: ENQUEUE, body: { routing_key, event_action: 'resolve', dedup_key: key } }
  const d = s.digest
  const link = xoLink(opts.xoUrl, d ? { ...s, subject: digestPlace(d) } : s)
  const links = link ? [{ href: link, text: 'Open in Xen Orchestra' }] : undefined
  const payload: Record<string, unknown> = {
    summary: truncate(s.title, SUMMARY_MAX),
    source: truncate(sourceOf(s, opts), 255),
    timestamp: s.time,
    custom_details: d ? digestDetails(d) : detailsOf(s),
  }
  if (action === 'change') {
    if (isRulesetKey(routing_key)) return notSent('rulesetKeyChange')
    return { url: CHANGE_ENQUEUE, body: { routing_key, payload, ...(links ? { links } : {}) } }
  }
  const component = describe(d ? d.host && { ...d.host, type: 'host' } : s.subject)
  Object.assign(payload, {
    severity: d
      ? digestSeverity(d, opts)
      : (opts.severity?.[s.kind] ?? (s.ok ? SEVERITY[s.kind] : undefined) ?? 'error'),
    class: d ? truncate(digestClass(d), 255) : s.kind,
    ...(component ? { component: truncate(component, 255) } : {}),
    ...(s.pool ? { group: truncate(s.pool.name ?? s.pool.id, 255) } : {}),
  })
  const body: Record<string, unknown> = {
    routing_key,
    event_action: 'trigger',
    dedup_key: key,
    payload,
    client: 'Xen Orchestra',
  }
  if (link) body.client_url = link
  if (links) body.links = links
  return { url: ENQUEUE, body }
}

/** The request for the http request node. */
export function pagerDutyRequest(event: { url: string; body: Record<string, unknown> }): HttpRequestMessage {
  return jsonRequest(event.url, event.body)
}

/**
 * Keys of (global) event rulesets and event orchestrations take no change events. They are `R` and 31 more
 * letters and digits; an integration key of a service is 32 lowercase hexadecimal digits, and never starts
 * with `R`.
 */
export const isRulesetKey = (key: string): boolean => /^R[0-9A-Za-z]{31}$/.test(key)

function actionOf(s: XoEventSummary, opts: PagerDutyOptions): 'trigger' | 'resolve' | 'change' | NotSent {
  if (s.phase === 'pre') return notSent('beforeCall')
  const mode = opts.mode ?? 'auto'
  if (mode === 'change') return 'change'
  if (s.digest) return digestAction(s, s.digest, mode, opts)
  if (!s.ok || (HOST_DOWN.has(s.kind) && s.ok)) return 'trigger'
  if (HOST_UP.has(s.kind)) return 'resolve'
  if (mode === 'alert') return s.source === 'events' ? notSent('routine') : 'resolve'
  return opts.open?.has(pagerDutyDedupKey(s)) ? 'resolve' : 'change'
}

// A resolved group whose alert this node opened is resolved whatever its severity says now.
function digestAction(
  s: XoEventSummary,
  d: XoDigest,
  mode: 'alert' | 'auto',
  opts: PagerDutyOptions,
): 'trigger' | 'resolve' | 'change' | NotSent {
  if (isFiringProblem(d)) return 'trigger'
  if (d.status === 'resolved' && (d.severity === 'problem' || opts.open?.has(pagerDutyDedupKey(s)))) return 'resolve'
  return mode === 'alert' ? notSent('routine') : 'change'
}

const RANK: PagerDutySeverity[] = ['info', 'warning', 'error', 'critical']

/** `severity.digest` when set; else the worst of its kinds' (`host.down` critical), `error` for the others. */
function digestSeverity(d: XoDigest, opts: PagerDutyOptions): PagerDutySeverity {
  if (opts.severity?.digest) return opts.severity.digest
  const ranks = Object.keys(d.counts).map((kind) => RANK.indexOf(opts.severity?.[kind] ?? SEVERITY[kind] ?? 'error'))
  return RANK[Math.max(...ranks, -1)] ?? 'error'
}

function sourceOf(s: XoEventSummary, opts: PagerDutyOptions): string {
  if (opts.source) return opts.source
  try {
    if (opts.xoUrl) return new URL(opts.xoUrl).hostname
  } catch {
    // not a URL: fall back to the pool
  }
  return s.pool?.name ?? s.pool?.id ?? 'xen-orchestra'
}

// Facts and ids only: never the raw payload, which may hold anything a method returned.
function detailsOf(s: XoEventSummary): Record<string, string> {
  const details: Record<string, string> = { event_id: s.id }
  if (s.subject) details.subject_id = s.subject.id
  if (s.pool) details.pool_id = s.pool.id
  for (const fact of s.facts.slice(0, 50)) details[truncate(fact.label, 100)] = truncate(fact.value, 1000)
  return details
}
