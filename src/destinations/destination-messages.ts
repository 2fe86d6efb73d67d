import type { StatusSpec } from '../common/status'
import type { XoEventSummary } from './event'
import type { Destination } from './outcome'
import type { HttpRequestMessage } from './request'
import type { Translate } from '../common/status'

/** What a destination node adds to the message it was given, for each request. */
export interface RequestMessage extends HttpRequestMessage {
  /** the request again: http request replaces payload and headers with the answer's, and a retry re-sends it */
  xoRequest: HttpRequestMessage
  xoDestination: Destination
  xoSummary: { id: string; kind: string; title: string; ok: boolean }
  /** the node that made the request: xo outbox asks it to refresh a request it sends again later */
  xoOrigin: string
}

/** A text of the destinations' catalogue, with its substitutions. */

/**
 * The messages of a destination node for one event: each request (`msg.url`, `msg.method`, `msg.headers`,
 * `msg.payload`) on the message it came from (a copy of it for the second and later ones), with a copy of the
 * request that a retry re-sends, the destination whose rules xo outcome reads the answer by, and a short summary.
 */
export function requestMessages<M extends object>(
  msg: M,
  requests: HttpRequestMessage[],
  destination: Destination,
  summary: XoEventSummary,
  origin: string,
  clone: (msg: M) => M,
): Array<M & RequestMessage> {
  return requests.map((request, i) => ({
    ...(i === 0 ? msg : clone(msg)),
    ...request,
    // http request replaces payload and headers with the answer's: a retry re-sends this copy.
    xoRequest: request,
    xoDestination: destination,
    xoSummary: { id: summary.id, kind: summary.kind, title: summary.title, ok: summary.ok },
    xoOrigin: origin,
  }))
}

/**
 * The red status of a node deployed without the secret it needs (neither set, or its variable not set); undefined
 * when it has it.
 */
export function missingSecretStatus(
  name: string,
  secret: string | undefined,
  env: unknown,
  t: Translate,
): StatusSpec | undefined {
  if (secret) return undefined
  const variable = String(env ?? '').trim()
  return {
    fill: 'red',
    shape: 'ring',
    text: variable ? t('status.missingEnv', { name, env: variable }) : t('status.missing', { name }),
  }
}

/** How many requests a destination node made, and what it did not send by reason (`suffix` of its tally). */
export function sentStatus(sent: number, notSentSuffix: string, t: Translate): StatusSpec {
  return { fill: sent > 0 ? 'green' : 'grey', shape: 'dot', text: t('status.sent', { count: sent }) + notSentSuffix }
}
