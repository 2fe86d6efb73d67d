import { involvedRefs } from '../hooks/involved'
import type { ObjectRef, XoEventSummary } from './summary'
import { describe, phraseFor, ROLE_TYPES, roleLabel } from './phrases'
import { hideSecrets, safeResult } from './secrets'
import { capitalize, formatDuration, isRecord, oneLine, stableHash, str, truncate } from './text'

type Place = { id: string; name?: string }

/** A call XO ran (or was about to run), as xo-hook or xo-call saw it. */
interface CallFacts {
  source: 'hook' | 'call'
  id: string
  method: string
  phase?: 'pre' | 'post'
  params: Record<string, unknown>
  result?: unknown
  error?: { message: string; code?: number | string }
  user?: XoEventSummary['user']
  /** the summaries xo-hook resolved, by role */
  resolved: Record<string, unknown>
  durationMs?: number
  time: string
  raw: unknown
}

// A message is never worth more than this: XAPI errors can embed whole task records.
const ERROR_MAX = 2000
const TITLE_MAX = 1000

/** xo-hook's `msg.xo` (XoHookInfo) and `msg.payload` (XO's body). */
export function summarizeHook(
  xo: Record<string, unknown>,
  payload: unknown,
  now: () => Date,
  detail = true,
): XoEventSummary {
  const body = isRecord(payload) ? payload : {}
  const method = String(xo.method)
  const phase = xo.phase === 'pre' ? 'pre' : 'post'
  const pre = isRecord(xo.pre) ? xo.pre : {}
  const params = isRecord(body.params) ? body.params : isRecord(pre.params) ? pre.params : {}
  const error = phase === 'post' ? errorOf(xo.error ?? body.error) : undefined
  const timestamp =
    typeof body.timestamp === 'number' && Number.isFinite(body.timestamp) ? new Date(body.timestamp) : now()
  // A copy with secrets hidden: only when the whole summary is asked for (not for a one-line summary).
  const raw =
    detail && isRecord(payload)
      ? hideSecrets('result' in body ? { ...body, result: safeResult(method, body.result) } : body)
      : undefined
  const summary = describeCall(
    {
      source: 'hook',
      id: `${String(xo.callId)}:${phase}`,
      method,
      phase,
      params,
      result: body.result,
      error,
      user: userOf(xo.user),
      resolved: isRecord(xo.objects) ? xo.objects : {},
      durationMs: typeof xo.durationMs === 'number' ? xo.durationMs : undefined,
      time: timestamp.toISOString(),
      raw,
    },
    detail,
  )
  // XO could not deliver it when it ran: it comes from XO's audit log, later.
  if (xo.replayed === true) {
    summary.replayed = true
    if (detail) summary.facts.push({ label: 'Delivered', value: "later, from XO's audit log (missed live)" })
  }
  return summary
}

/** xo-call's `msg.xo` ({method, params, durationMs, error?}) and its result in `msg.payload`. */
export function summarizeCall(
  xo: Record<string, unknown>,
  payload: unknown,
  now: () => Date,
  detail = true,
): XoEventSummary {
  const method = String(xo.method)
  const params = isRecord(xo.params) ? xo.params : {}
  const error = errorOf(xo.error)
  const time = now().toISOString()
  return describeCall(
    {
      source: 'call',
      // A call carries no id of its own: the same call at the same instant is the same event.
      id: `call:${method}:${detail ? stableHash({ method, params, time }) : ''}`,
      method,
      params,
      result: error ? undefined : payload,
      error,
      resolved: {},
      durationMs: typeof xo.durationMs === 'number' ? xo.durationMs : undefined,
      time,
      raw: !detail ? undefined : error ? hideSecrets(payload) : safeResult(method, payload),
    },
    detail,
  )
}

function describeCall(c: CallFacts, detail: boolean): XoEventSummary {
  const ok = c.error === undefined
  const { objects, createdRoles } = objectsOf(c)
  const subjectRole = subjectRoleOf(c.method, objects, createdRoles)
  let subject = subjectRole ? subjectOf(objects[subjectRole]) : undefined
  // user.create answers with the new user's id: the one object of the call.
  if (!subject && c.method === 'user.create' && ok && typeof c.result === 'string')
    subject = { id: c.result, type: 'user', name: str(c.params.email) }
  const { pool, host } = placeOf(subject, objects)
  const phrase = phraseFor(c.method, { params: c.params, subject, objects })
  const rest = phrase.rest ? ` ${phrase.rest}` : ''
  const where =
    pool && subject?.type !== 'pool' ? ` ${subject?.type === 'host' ? 'in' : 'on'} pool ${pool.name ?? pool.id}` : ''
  let title: string
  if (!ok) {
    const what = describe(subject) ?? phrase.rest
    title = `${c.method}${what ? ` of ${what}` : ''} failed: ${firstLine(c.error!.message)}`
  } else if (c.source === 'call') {
    title = capitalize(`${phrase.past}${rest}${where}`)
  } else {
    // A caller XO does not know (a call before sign-in) has neither name nor id.
    const actor = c.user
      ? (c.user.name ?? c.user.id ?? `An anonymous caller${c.user.ip ? ` (${c.user.ip})` : ''}`)
      : 'XO'
    title =
      c.phase === 'pre'
        ? `${actor} is about to ${phrase.base}${rest}${where}`
        : `${actor} ${phrase.past}${rest}${where}`
  }
  const summary: XoEventSummary = {
    source: c.source,
    id: c.id,
    kind: c.method,
    ok,
    objects,
    time: c.time,
    title: truncate(oneLine(title), TITLE_MAX),
    facts: [],
    raw: c.raw,
  }
  if (c.phase) summary.phase = c.phase
  if (c.error) summary.error = c.error
  if (c.user && Object.keys(c.user).length) summary.user = c.user
  if (subject) summary.subject = subject
  if (ok && c.phase !== 'pre' && createdRoles.length > 0) summary.created = objects[createdRoles[0]]
  if (pool) summary.pool = pool
  if (host) summary.host = host
  if (c.durationMs !== undefined) summary.durationMs = c.durationMs
  if (detail) summary.facts = factsOf(summary, subjectRole)
  return summary
}

// The objects a call names (from its parameters, and its result for the methods that create one), overlaid
// with what xo-hook resolved. Created objects not yet described take their name from the parameters.
function objectsOf(c: CallFacts): { objects: Record<string, ObjectRef>; createdRoles: string[] } {
  const objects: Record<string, ObjectRef> = {}
  const refs = involvedRefs(c.method, c.params, c.error ? undefined : c.result)
  for (const ref of refs) {
    const type = ROLE_TYPES[ref.role]
    objects[ref.role] = type ? { id: ref.id, type, typeGuessed: true } : { id: ref.id }
  }
  for (const [role, value] of Object.entries(c.resolved)) {
    if (!isRecord(value) || !str(value.id)) continue
    const { typeGuessed, ...named } = objects[role] ?? {}
    objects[role] = {
      ...(str(value.type) ? named : { ...named, ...(typeGuessed ? { typeGuessed } : {}) }),
      ...value,
      id: value.id as string,
    }
  }
  const createdRoles = refs.filter((ref) => ref.created).map((ref) => ref.role)
  for (const role of createdRoles) {
    const name = str(c.params.name_label) ?? str(c.params.name)
    if (!objects[role].name && name) objects[role].name = name
  }
  return { objects, createdRoles }
}

// The main object: the one of the method's namespace (the VM of vm.start, the host of host.stop), else the
// one the call created (vm.create), else a VM, host or pool.
function subjectRoleOf(method: string, objects: Record<string, ObjectRef>, createdRoles: string[]): string | undefined {
  const namespace = method.slice(0, method.indexOf('.'))
  // Not the template of vm.create: before the call ran, the VM it creates has no id yet, and is no subject.
  return (
    [namespace, ...createdRoles, 'vm', 'host', 'pool', 'sr'].find((role) => objects[role]) ??
    Object.keys(objects).find((role) => role !== 'template')
  )
}

const subjectOf = (o: ObjectRef): ObjectRef => ({ ...o })

const placeRef = (value: unknown): Place | undefined =>
  isRecord(value) && str(value.id)
    ? str(value.name)
      ? { id: value.id as string, name: value.name as string }
      : { id: value.id as string }
    : undefined

function placeOf(subject: ObjectRef | undefined, objects: Record<string, ObjectRef>): { pool?: Place; host?: Place } {
  const self = subject && placeRef({ id: subject.id, name: subject.name })
  const others = Object.values(objects)
  const pool =
    subject?.type === 'pool'
      ? self
      : (placeRef(subject?.pool) ?? placeRef(objects.pool) ?? others.map((o) => placeRef(o.pool)).find(Boolean))
  const host = subject?.type === 'host' ? self : (placeRef(subject?.host) ?? placeRef(objects.host))
  return { pool, host }
}

function factsOf(s: XoEventSummary, subjectRole: string | undefined): XoEventSummary['facts'] {
  const facts: XoEventSummary['facts'] = []
  const add = (label: string, value: unknown) => {
    if (typeof value === 'string' && value !== '') facts.push({ label, value: oneLine(value) })
  }
  const roles = Object.keys(s.objects)
  if (subjectRole) roles.sort((a, b) => Number(b === subjectRole) - Number(a === subjectRole))
  for (const role of roles) {
    const object = s.objects[role]
    // The host of vm.start (or of any method outside host.*) is where to run it, not where the VM is.
    const label = role === 'host' && !s.kind.startsWith('host.') ? 'Target host' : roleLabel(role, object.type)
    add(label, object.name ?? object.id)
  }
  if (!s.objects[subjectRole ?? ''] && s.subject)
    add(roleLabel(s.subject.type ?? 'object', s.subject.type), s.subject.name ?? s.subject.id)
  const known = new Set(Object.values(s.objects).map((o) => o.id))
  if (s.pool && !known.has(s.pool.id)) add('Pool', s.pool.name ?? s.pool.id)
  if (s.host && !known.has(s.host.id)) add('Host', s.host.name ?? s.host.id)
  add('IP address', s.subject?.mainIpAddress)
  if (s.user) add('User', `${s.user.name ?? s.user.id ?? 'anonymous'}${s.user.ip ? ` (${s.user.ip})` : ''}`)
  add('Method', s.kind)
  if (s.durationMs !== undefined) add('Duration', formatDuration(s.durationMs))
  if (s.error?.code !== undefined) add('Error code', String(s.error.code))
  add('Error', s.error?.message)
  return facts
}

function userOf(value: unknown): XoEventSummary['user'] {
  if (!isRecord(value)) return undefined
  const user: NonNullable<XoEventSummary['user']> = {}
  if (str(value.id)) user.id = value.id as string
  if (str(value.name)) user.name = value.name as string
  if (str(value.ip)) user.ip = value.ip as string
  return user
}

/** The message and code of an error, without its stack or data (which may hold anything). */
export function errorOf(value: unknown): XoEventSummary['error'] {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return { message: truncate(value, ERROR_MAX) }
  if (!isRecord(value) && !(value instanceof Error)) return { message: truncate(String(value), ERROR_MAX) }
  const e = value as Record<string, unknown>
  const message = truncate(typeof e.message === 'string' && e.message !== '' ? e.message : 'unknown error', ERROR_MAX)
  const code = e.code
  return typeof code === 'number' || (typeof code === 'string' && code !== '') ? { message, code } : { message }
}

const firstLine = (text: string) => text.split('\n', 1)[0].trim()
