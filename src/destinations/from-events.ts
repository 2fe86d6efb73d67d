import type { ObjectRef, XoEventSummary } from './summary'
import { describe, roleLabel } from './phrases'
import { capitalize, isRecord, oneLine, stableHash, str, truncate } from './text'

type Place = { id: string; name?: string }

// The role an object of each type plays in `objects`, as xo-hook names them.
const ROLES: Record<string, string> = {
  VM: 'vm',
  'VM-template': 'template',
  'VM-snapshot': 'snapshot',
  SR: 'sr',
  VIF: 'vif',
}

const roleOf = (type: string) => ROLES[type] ?? type.charAt(0).toLowerCase() + type.slice(1)

const placeRef = (value: unknown): Place | undefined =>
  isRecord(value) && str(value.id)
    ? str(value.name)
      ? { id: value.id as string, name: value.name as string }
      : { id: value.id as string }
    : undefined

/** xo-events' `msg.payload`: {event, type, id, object, previous, changes, pool, host, ...detail}. */
export function summarizeObjectEvent(payload: Record<string, unknown>, now: () => Date, detail = true): XoEventSummary {
  const event = payload.event as string
  const type = payload.type as string
  const id = payload.id as string
  const kind = `${type}.${event}`
  const object = isRecord(payload.object) ? payload.object : undefined
  const previous = isRecord(payload.previous) ? payload.previous : undefined
  const time = timeOf(payload.time) ?? now().toISOString()
  const pool = placeRef(payload.pool)
  const host = type === 'host' ? { id, ...nameOf(object ?? previous) } : placeRef(payload.host)
  const subject: ObjectRef = { id, type, ...nameOf(object ?? previous) }
  const objects: Record<string, ObjectRef> = { [roleOf(type)]: objectSummary(payload, object, previous, pool, host) }
  const from = placeRef(payload.from)
  const to = placeRef(payload.to)
  if (from) objects.fromHost = { type: 'host', ...from }
  if (to) objects.toHost = { type: 'host', ...to }
  const summary: XoEventSummary = {
    source: 'events',
    // The same change of the same object version is the same event, however often it is delivered.
    // (A one-line summary needs no id: the digest of the whole object is left out of it.)
    id: `${type}:${id}:${event}:${detail ? stableHash(object ?? previous ?? time) : ''}`,
    kind,
    ok: true,
    subject,
    objects,
    time,
    title: truncate(oneLine(titleOf(event, subject, payload, object)), 1000),
    facts: [],
    raw: payload,
  }
  if (event === 'created') {
    summary.created = objects[roleOf(type)]
    // XO records who made a VM with vm.create (`creation: {user, date, template}`): a bill or inventory names them.
    const creator = isRecord(object?.creation) ? str(object.creation.user) : undefined
    if (creator) summary.user = { id: creator }
  }
  if (pool) summary.pool = pool
  if (host) summary.host = host
  if (detail) summary.facts = factsOf(summary, payload)
  return summary
}

function titleOf(
  event: string,
  subject: ObjectRef,
  payload: Record<string, unknown>,
  object: Record<string, unknown> | undefined,
): string {
  const what = describe(subject)!
  const from = placeRef(payload.from)
  const to = placeRef(payload.to)
  const tags = Array.isArray(payload.tags) ? payload.tags.join(', ') : ''
  switch (event) {
    case 'migrated':
      return capitalize(
        `${what} migrated${from ? ` from ${from.name ?? from.id}` : ''}${to ? ` to ${to.name ?? to.id}` : ''}`,
      )
    case 'up':
      return capitalize(`${what} came up`)
    case 'down':
      return capitalize(`${what} went down`)
    case 'tagged':
      return capitalize(`${what} tagged ${tags}`)
    case 'untagged':
      return capitalize(`${what} untagged ${tags}`)
    case 'updated': {
      const fields = isRecord(payload.changes) ? Object.keys(payload.changes) : []
      const shown = fields.slice(0, 5).join(', ') + (fields.length > 5 ? '…' : '')
      return capitalize(`${what} updated${shown ? ` (${shown})` : ''}`)
    }
    case 'alarm':
      return `Alarm: ${str(object?.body) ?? str(object?.name) ?? subject.id}`
    case 'initial':
      return capitalize(`${what} (initial state)`)
    default: {
      // started, stopped, suspended… on a host when the VM is resident on one
      const host = placeRef(payload.host)
      const on = subject.type === 'VM' && host && event === 'started' ? ` on ${host.name ?? host.id}` : ''
      return capitalize(`${what} ${event}${on}`)
    }
  }
}

/** What xo-hook would say of the object: the latest version, or the last known one when it was removed. */
function objectSummary(
  payload: Record<string, unknown>,
  object: Record<string, unknown> | undefined,
  previous: Record<string, unknown> | undefined,
  pool?: Place,
  host?: Place,
): ObjectRef {
  const current = object ?? previous ?? {}
  const summary: ObjectRef = { id: payload.id as string, type: payload.type as string, ...nameOf(current) }
  if (str(current.power_state)) summary.powerState = current.power_state
  if (str(current.mainIpAddress)) summary.mainIpAddress = current.mainIpAddress
  if (pool && payload.type !== 'pool') summary.pool = pool
  if (host && payload.type !== 'host') summary.host = host
  if (payload.type === 'VIF') Object.assign(summary, vifOf(current))
  // XO's objects list VIF ids only: the MACs are known when a flow (or a later xo-events) resolved them, as
  // objects in `VIFs` or as summaries in `payload.vifs`; a removed VM may have them only in `previous`.
  const vifs = vifsOf(payload.vifs) ?? vifsOf(current.VIFs) ?? vifsOf(previous?.VIFs)
  if (vifs) summary.vifs = vifs
  return summary
}

type Vif = { id: string; mac?: string; device?: string; network?: Place }

function vifOf(v: Record<string, unknown>): Omit<Vif, 'id'> {
  const out: Omit<Vif, 'id'> = {}
  const mac = str(v.mac) ?? str(v.MAC)
  if (mac) out.mac = mac
  if (str(v.device)) out.device = v.device as string
  const network =
    placeRef(v.network) ??
    (str(v.$network)
      ? { id: v.$network as string, ...(str(v.networkName) ? { name: v.networkName as string } : {}) }
      : undefined)
  if (network) out.network = network
  return out
}

function vifsOf(value: unknown): Vif[] | undefined {
  if (!Array.isArray(value)) return undefined
  const vifs = value
    .filter((v): v is Record<string, unknown> => isRecord(v) && typeof v.id === 'string')
    .map((v) => ({ id: v.id as string, ...vifOf(v) }))
  return vifs.some((v) => v.mac) ? vifs : undefined
}

function factsOf(s: XoEventSummary, payload: Record<string, unknown>): XoEventSummary['facts'] {
  const facts: XoEventSummary['facts'] = []
  const add = (label: string, value: unknown) => {
    if (typeof value === 'string' && value !== '') facts.push({ label, value: oneLine(value) })
  }
  const subject = s.subject!
  add(roleLabel(roleOf(subject.type ?? ''), subject.type), subject.name ?? subject.id)
  add('Event', s.kind)
  if (s.pool && subject.type !== 'pool') add('Pool', s.pool.name ?? s.pool.id)
  if (s.host && subject.type !== 'host') add('Host', s.host.name ?? s.host.id)
  for (const role of ['fromHost', 'toHost'])
    if (s.objects[role]) add(roleLabel(role), s.objects[role].name ?? s.objects[role].id)
  if (typeof payload.from === 'string' && typeof payload.to === 'string')
    add('Power state', `${payload.from} → ${payload.to}`)
  if (Array.isArray(payload.tags)) add('Tags', payload.tags.join(', '))
  if (s.kind.endsWith('.updated') && isRecord(payload.changes)) add('Changed', Object.keys(payload.changes).join(', '))
  add('IP address', s.objects[roleOf(subject.type ?? '')]?.mainIpAddress)
  return facts
}

function nameOf(object: Record<string, unknown> | undefined): { name?: string } {
  const name = str(object?.name_label) ?? (object?.type === 'user' ? str(object.email) : undefined)
  return name ? { name } : {}
}

function timeOf(value: unknown): string | undefined {
  const date = typeof value === 'number' ? new Date(value) : typeof value === 'string' ? new Date(value) : undefined
  return date && Number.isFinite(date.getTime()) ? date.toISOString() : undefined
}
