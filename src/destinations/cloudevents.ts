import type { XoEventSummary } from './summary'
import type { HttpRequestMessage } from './request'
import { digestData } from './cloudevents-digest'
import { standardWebhookHeaders } from './signing'
import { byteLength, truncate } from './text'

export { verifyStandardWebhook } from './signing'

export interface CloudEventOptions {
  /** a URI-reference naming the producer: XO's URL */
  source: string
  /** reverse-DNS prefix of `type`; default `org.xen-orchestra` */
  typePrefix?: string
  /** what `subject` is: the user (default, who a billing or audit system charges), the pool or the object */
  subject?: 'user' | 'pool' | 'object'
}

// Intermediaries must forward CloudEvents up to 64 KiB; the event stays far below with these caps.
const EVENT_MAX_BYTES = 64 * 1024
const NAME_MAX = 256
const MAX_OBJECTS = 20

type Named = { id: string; type?: string; name?: string }

const thin = (o: Named | undefined): Named | undefined =>
  o && { id: o.id, ...(o.type ? { type: o.type } : {}), ...(o.name ? { name: truncate(o.name, NAME_MAX) } : {}) }

/**
 * A CloudEvents 1.0 event (structured mode). `id` is the summary's deterministic id, so that a re-sent event
 * is recognised (OpenMeter deduplicates on source + id). `type` is `<prefix>.<method>.<pre|post|call>` or
 * `<prefix>.<type>.<event>` for object events (`org.xen-orchestra.vm.create.post`, `org.xen-orchestra.VM.migrated`).
 * `data` is thin: ids, names, the user and the outcome; never the payload, which may hold anything. A digest is
 * one event of type `<prefix>.digest`, its id the digest's, its data the group's counts and list.
 */
export function cloudEvent(s: XoEventSummary, opts: CloudEventOptions): Record<string, unknown> {
  const suffix = s.source === 'hook' ? `.${s.phase}` : s.source === 'call' ? '.call' : ''
  const subject =
    opts.subject === 'pool' ? s.pool?.id : opts.subject === 'object' ? s.subject?.id : (s.user?.name ?? s.user?.id)
  const objects = Object.fromEntries(
    Object.entries(s.objects)
      .slice(0, MAX_OBJECTS)
      .map(([role, o]) => [role, thin(o)]),
  )
  const dataOf = (): Record<string, unknown> => ({
    kind: s.kind,
    ...(s.phase ? { phase: s.phase } : {}),
    ok: s.ok,
    ...(s.error
      ? {
          error: {
            message: truncate(s.error.message, 1000),
            ...(s.error.code !== undefined ? { code: s.error.code } : {}),
          },
        }
      : {}),
    title: truncate(s.title, 1000),
    ...(s.user ? { user: { ...s.user, ...(s.user.name ? { name: truncate(s.user.name, NAME_MAX) } : {}) } } : {}),
    ...(s.subject ? { subject: thin(s.subject) } : {}),
    ...(s.pool ? { pool: thin(s.pool) } : {}),
    ...(s.host ? { host: thin(s.host) } : {}),
    objects,
    ...(s.durationMs !== undefined ? { durationMs: s.durationMs } : {}),
  })
  // What the envelope takes besides data is far below this margin.
  const data = s.digest ? digestData(s.digest, EVENT_MAX_BYTES - 4096) : dataOf()
  const event: Record<string, unknown> = {
    specversion: '1.0',
    id: s.id,
    source: opts.source,
    type: `${opts.typePrefix ?? 'org.xen-orchestra'}.${s.kind}${suffix}`,
    ...(subject ? { subject: truncate(subject, NAME_MAX) } : {}),
    time: s.time,
    datacontenttype: 'application/json',
    data,
  }
  if (!s.digest && byteLength(event) > EVENT_MAX_BYTES) data.objects = {}
  return event
}

/**
 * The HTTP request of a structured-mode CloudEvent. The payload is the exact JSON text, so that it is what was
 * signed: with `signing`, Standard Webhooks headers (`webhook-id` defaults to the event id, which stays the
 * same across retries; `webhook-timestamp` to now).
 */
export function structuredRequest(
  event: Record<string, unknown>,
  url: string,
  signing?: { secret: string; id?: string; timestamp?: number },
): HttpRequestMessage {
  const body = JSON.stringify(event)
  const headers: Record<string, string> = { 'Content-Type': 'application/cloudevents+json; charset=UTF-8' }
  if (signing) {
    const id = signing.id ?? String(event.id)
    Object.assign(
      headers,
      standardWebhookHeaders(id, signing.timestamp ?? Math.floor(Date.now() / 1000), body, signing.secret),
    )
  }
  return { url, method: 'POST', headers, payload: body }
}

/**
 * `request` signed again now, under its own `webhook-id` (a receiver that deduplicates still sees one event); a
 * request that was not signed, or whose payload is not the exact text, is left as it is.
 */
export function resigned(
  request: HttpRequestMessage,
  secret: string,
  timestamp: number = Math.floor(Date.now() / 1000),
): HttpRequestMessage {
  const id = request.headers?.['webhook-id']
  if (!id || typeof request.payload !== 'string') return request
  return {
    ...request,
    headers: { ...request.headers, ...standardWebhookHeaders(id, timestamp, request.payload, secret) },
  }
}
