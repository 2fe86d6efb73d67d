import type { XoEventSummary } from '../destinations/summary'
import { isRecord, str } from '../destinations/text'
import { valueAt } from './digest-event'

export type GroupKey = 'kind' | 'method' | 'pool' | 'host' | 'user' | 'tag' | 'job' | 'type' | `property:${string}`

/**
 * The group of a message: `key` (ids, stable while names change: a PagerDuty dedup key, a thread) and `labels`
 * (what a person reads: names where known). A message without a value for a grouping key groups with the others
 * without one.
 */
export function groupOf(
  groupBy: readonly GroupKey[],
  s: XoEventSummary,
  msg: Record<string, unknown>,
): { key: string; labels: Record<string, string> } {
  const labels: Record<string, string> = {}
  let key = ''
  for (const by of groupBy) {
    const value = labelOf(by, s, msg)
    key += `${key ? '|' : ''}${by}=${value?.id ?? ''}`
    if (value) labels[by] = value.name
  }
  return { key, labels }
}

type Label = { id: string; name: string }

const named = (place: { id?: string; name?: string } | undefined): Label | undefined => {
  const id = place?.id ?? place?.name
  return id ? { id, name: place?.name ?? id } : undefined
}

const plain = (value: string | undefined): Label | undefined => (value ? { id: value, name: value } : undefined)

function labelOf(by: GroupKey, s: XoEventSummary, msg: Record<string, unknown>): Label | undefined {
  switch (by) {
    case 'kind':
      return plain(s.kind)
    case 'method':
      return s.source === 'events' ? undefined : plain(s.kind)
    case 'pool':
      return named(s.pool)
    case 'host':
      return named(s.host)
    case 'user':
      return named(s.user)
    case 'type':
      return plain(s.subject?.type)
    case 'tag':
      return plain(tagsOf(s, msg))
    case 'job':
      return plain(jobOf(s, msg))
    default:
      return plain(valueAt(msg, by.slice('property:'.length)))
  }
}

// Every tag of the object, sorted: objects tagged alike group together.
function tagsOf(s: XoEventSummary, msg: Record<string, unknown>): string | undefined {
  const payload = isRecord(msg.payload) ? msg.payload : {}
  const object = s.source === 'events' && isRecord(payload.object) ? payload.object : s.subject
  const tags = Array.isArray(object?.tags) ? object.tags.filter((t): t is string => typeof t === 'string') : []
  return tags.length ? [...tags].sort().join(',') : undefined
}

const JOB_NAMESPACES = ['backupNg.', 'metadataBackup.', 'mirrorBackup.', 'job.']

// A backup job's call names the job (`backupNg.runJob {id}`, `schedule.create {jobId}`); a task of XO says which
// job it runs in its properties.
function jobOf(s: XoEventSummary, msg: Record<string, unknown>): string | undefined {
  const payload = isRecord(msg.payload) ? msg.payload : {}
  if (s.source === 'events') {
    const object = isRecord(payload.object) ? payload.object : {}
    return str(isRecord(object.properties) ? object.properties.jobId : undefined) ?? str(object.jobId)
  }
  const xo = isRecord(msg.xo) ? msg.xo : {}
  const params = isRecord(payload.params) ? payload.params : isRecord(xo.params) ? xo.params : {}
  if (str(params.jobId)) return params.jobId as string
  return JOB_NAMESPACES.some((ns) => s.kind.startsWith(ns)) ? str(params.id) : undefined
}
