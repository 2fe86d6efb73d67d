import type { ObjectRef, XoEventSummary } from './summary'
import { jsonRequest, trimSlashes, type HttpRequestMessage } from './request'
import { truncate } from './text'

const VALUE_MAX = 1000

// The VM and host of the event, whichever role they play (the created VM of vm.create, the subject of VM.*).
const vmOf = (s: XoEventSummary): ObjectRef | undefined =>
  s.objects.vm ?? (s.subject?.type === 'VM' ? s.subject : undefined)
const hostOf = (s: XoEventSummary) => (s.subject?.type === 'host' ? s.subject : s.host)

/** CI variables (strings, as GitLab requires), only those known. */
export function ciVariables(s: XoEventSummary): Record<string, string> {
  const vm = vmOf(s)
  const host = hostOf(s)
  const entries: Array<[string, unknown]> = [
    ['XO_EVENT', s.kind],
    ['XO_EVENT_ID', s.id],
    ['XO_PHASE', s.phase],
    ['XO_OK', String(s.ok)],
    ['XO_TIME', s.time],
    ['XO_TITLE', s.title],
    ['XO_SUBJECT_ID', s.subject?.id],
    ['XO_SUBJECT_TYPE', s.subject?.type],
    ['XO_SUBJECT_NAME', s.subject?.name],
    ['XO_VM_ID', vm?.id],
    ['XO_VM_NAME', vm?.name],
    ['XO_VM_IP', vm?.mainIpAddress],
    ['XO_HOST_ID', host?.id],
    ['XO_HOST_NAME', host?.name],
    ['XO_POOL_ID', s.pool?.id],
    ['XO_POOL_NAME', s.pool?.name],
    ['XO_USER', s.user?.name ?? s.user?.id],
    ['XO_USER_ID', s.user?.id],
    ['XO_ERROR', s.error?.message],
  ]
  return Object.fromEntries(
    entries
      .filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')
      .map(([k, v]) => [k, truncate(v, VALUE_MAX)]),
  )
}

/**
 * GitLab's pipeline trigger: a trigger token can only start pipelines, narrower than an access token. Jobs see
 * the XO_* variables and `CI_PIPELINE_SOURCE == "trigger"`. Every call creates a pipeline (no dedup).
 */
export function gitlabTrigger(
  s: XoEventSummary,
  opts: { baseUrl: string; project: string; token: string; ref: string },
): HttpRequestMessage {
  const base = trimSlashes(opts.baseUrl).replace(/\/api\/v4$/, '')
  const url = `${base}/api/v4/projects/${encodeURIComponent(opts.project)}/trigger/pipeline`
  return jsonRequest(url, { token: opts.token, ref: opts.ref, variables: ciVariables(s) })
}

const EVENT_TYPE_MAX = 100

/**
 * GitHub's repository_dispatch: runs the default branch's workflows that list `event_type` under
 * `on: repository_dispatch: types`. `client_payload` takes at most 10 top-level keys: nested below.
 */
export function githubDispatch(
  s: XoEventSummary,
  opts: { owner: string; repo: string; token: string; eventType?: string; apiUrl?: string },
): HttpRequestMessage {
  const api = trimSlashes(opts.apiUrl ?? 'https://api.github.com')
  const url = `${api}/repos/${encodeURIComponent(opts.owner)}/${encodeURIComponent(opts.repo)}/dispatches`
  const eventType = truncate(opts.eventType ?? `xo.${s.kind}${s.phase ? `.${s.phase}` : ''}`, EVENT_TYPE_MAX)
  const client_payload = {
    id: s.id,
    kind: s.kind,
    phase: s.phase,
    ok: s.ok,
    error: s.error && { message: truncate(s.error.message, VALUE_MAX), code: s.error.code },
    time: s.time,
    title: s.title,
    user: s.user,
    subject: s.subject && { id: s.subject.id, type: s.subject.type, name: s.subject.name },
    where: { pool: s.pool, host: s.host },
  }
  return jsonRequest(
    url,
    { event_type: eventType, client_payload },
    {
      Authorization: `Bearer ${opts.token}`,
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
      'User-Agent': 'node-red-xen-orchestra',
    },
  )
}
