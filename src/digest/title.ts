import { describe, phraseFor, typeLabel } from '../destinations/phrases'
import type { XoEventSummary } from '../destinations/summary'
import { capitalize, formatDuration, oneLine } from '../destinations/text'
import { type GroupState, SUBJECTS_KEPT } from './group-state'

// What became of each kind of event, as a sentence says it after the subjects ("web-01 and 3 other VMs started").
const EVENT_VERBS: Record<string, string> = {
  down: 'went down',
  up: 'came up',
}

// Verbs of calls that read wrong once the sentence is turned round ("Host xcp-host-2 put in maintenance mode").
const ACTIVE_ONLY = new Set(['put', 'took', 'signed in'])

// Calls whose verb names something other than their subject ("removed tag prod from VM web-01").
const CALL_VERBS: Record<string, string> = { 'tag.remove': 'untagged' }

/** What a group's subjects underwent, said after them: "started", "went down", "had vm.set run". */
export function verbOf(s: XoEventSummary): string {
  if (s.source === 'events') {
    const event = s.kind.slice(s.kind.indexOf('.') + 1)
    return EVENT_VERBS[event] ?? event
  }
  if (!s.ok) return 'failed'
  if (CALL_VERBS[s.kind]) return CALL_VERBS[s.kind]
  const { past } = phraseFor(s.kind, { params: {}, objects: {} })
  return past.startsWith('called') || ACTIVE_ONLY.has(past) ? `had ${s.kind} run` : past
}

// What a recovery is called after its problem: "3 hosts went down, 2 back up".
const RECOVERIES: Record<string, string> = { 'host.down': 'back up', 'VM.stopped': 'started again' }

/**
 * The one line a person reads of a group: "web-01 and 11 other VMs started on pool sim-pool by admin@admin.net in
 * 40 s", "3 hosts went down on pool A, 2 back up", "vm.start failed for VM web-01 on pool A by admin (3 times)".
 */
export function titleOf(g: GroupState, status: 'firing' | 'resolved'): string {
  return oneLine(sentenceOf(g, status))
}

function sentenceOf(g: GroupState, status: 'firing' | 'resolved'): string {
  const where = g.pool && g.type !== 'pool' ? ` on pool ${g.pool.name ?? g.pool.id}` : ''
  const by = g.user?.name || g.user?.id ? ` by ${g.user.name ?? g.user.id}` : ''
  if (g.problemKind && g.problems > 0 && (g.recovered > 0 || status === 'resolved')) {
    const removed = g.removed ?? 0
    const back = g.recovered - removed
    const all = (n: number) => (n >= g.problems ? 'all' : String(n))
    const recovery = [
      back > 0 ? `${all(back)} ${recoveryOf(g.problemKind)}` : '',
      removed > 0 ? `${all(removed)} removed` : '',
    ]
      .filter(Boolean)
      .join(', ')
    return g.failedCall
      ? `${g.problemKind} failed${forWhat(g, true)}${where}${by}, ${recovery}`
      : `${subjects(g, true, true)} ${g.problemVerb ?? g.verb}${where}, ${recovery}`
  }
  const kinds = Object.keys(g.counts)
  // An alarm's subject is XAPI's message: its own title says what it is about.
  if (kinds.length === 1 && kinds[0] === 'message.alarm')
    return g.count === 1 ? `${g.items[0]?.title ?? 'Alarm'}${where}` : `${g.count} alarms${where}`
  if (kinds.length === 1) {
    const span = Date.parse(g.lastAt) - Date.parse(g.firstAt)
    const took = g.count > 1 && span >= 1000 ? ` in ${formatDuration(span)}` : ''
    const times = g.count > 1 && g.subjects.length <= 1 ? ` (${g.count} times)` : ''
    if (g.failedCall) return `${kinds[0]} failed${forWhat(g, false)}${where}${by}${took}${times}`
    // Only a call may name no object (system.getServerVersion, session.signIn): say the method.
    if (!g.subject) return `${kinds[0]} called${where}${by}${took}${times}`
    return `${subjects(g, false, true)} ${g.verb}${where}${by}${took}${times}`
  }
  // One incident told by several kinds (a host shut down: the call, then its going down): the problem says it.
  if (g.problemKind && g.problems > 0 && !g.failedCall)
    return `${subjects(g, false, true)} ${g.problemVerb}${where}${by}`
  const top = kinds
    .sort((a, b) => g.counts[b] - g.counts[a])
    .slice(0, 3)
    .map((k) => `${g.counts[k]} ${k}`)
  const others = kinds.length > 3 ? `, ${kinds.length - 3} other kinds` : ''
  // All about one object: named first.
  const about = g.subjects.length <= 1 && g.subject ? capitalize(describe(g.subject) ?? '') : `${g.count} events`
  return `${about}${where}: ${top.join(', ')}${others}`
}

// What a call failed for; nothing when it named no object (a vm.create that failed made none): the method says it.
const forWhat = (g: GroupState, counted: boolean): string =>
  g.subject || g.subjects.length > 1 ? ` for ${subjects(g, counted)}` : ''

// "VM web-01", "web-01 and 11 other VMs", or counted ("3 hosts") when the title goes on with how many recovered.
function subjects(g: GroupState, counted: boolean, atStart = false): string {
  const n = g.subjects.length
  const more = n >= SUBJECTS_KEPT ? 'more than ' : ''
  if (n <= 1) {
    const one = describe(g.subject) ?? 'something'
    return atStart ? capitalize(one) : one
  }
  const one = g.type ? (typeLabel(g.type) ?? g.type) : 'object'
  if (counted) return `${more}${n} ${one}s`
  const first = g.subject?.name ?? g.subject?.id
  return `${first} and ${more}${n - 1} other ${n - 1 === 1 && !more ? one : `${one}s`}`
}

function recoveryOf(problemKind: string): string {
  return RECOVERIES[problemKind] ?? 'succeeded since'
}
