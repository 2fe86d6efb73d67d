import type { XoObject } from '../xo/object-store'

/**
 * How long a post delivery's objects may wait for XO's object stream to show what the call did. XO sends the
 * object update of a call's last step within a few milliseconds of the post delivery, either first (captured:
 * 2 to 5 ms after it for tag.add, vm.set, vm.create, host.setMaintenanceMode); what a call leaves for later
 * (a host coming back seconds after host.restart returned) is not waited for.
 */
export const POST_SETTLE_MS = 250

type Expectation = (object: XoObject | undefined) => boolean

const power =
  (state: string): Expectation =>
  (o) =>
    o?.power_state === state
const gone: Expectation = (o) => o === undefined
const str = (value: unknown) => (typeof value === 'string' ? value : undefined)

// Calls that change nothing: their objects need no waiting.
const READ_ONLY = /^(get|list|stats|fetch|has|is|check|search|scan|probe|test|export)/i

/** Whether a call may change the objects it names (read-only calls do not). */
export function changesObjects(method: string): boolean {
  return !READ_ONLY.test(method.slice(method.lastIndexOf('.') + 1))
}

/**
 * What an object the call names (by `role`) looks like once the call is done, when the call says so: a started
 * VM runs (on the host asked for), a migrated one is on its target host, a tagged object has the tag, a `*.set`
 * gives the fields it sets, a deleted object is gone. Undefined when the call says nothing about it.
 */
export function expectedAfter(
  method: string,
  params: Record<string, unknown> | undefined,
  role: string,
): Expectation | undefined {
  const p = params ?? {}
  const [namespace, action = ''] = method.split('.')
  // `id` takes the name of the method's namespace (involvedRefs): vm.start {id} is about the role `vm`
  const subject = role === namespace
  if (namespace === 'vm' && subject) {
    switch (action) {
      case 'start': {
        const host = str(p.host)
        return host ? (o) => o?.power_state === 'Running' && o.$container === host : power('Running')
      }
      case 'resume':
      case 'unpause':
        return power('Running')
      case 'stop':
        return power('Halted')
      case 'suspend':
        return power('Suspended')
      case 'pause':
        return power('Paused')
    }
  }
  if (method === 'vm.migrate' && role === 'vm') {
    const target = str(p.targetHost)
    return target ? (o) => o?.$container === target : undefined
  }
  if (namespace === 'tag' && (action === 'add' || action === 'remove')) {
    const tag = str(p.tag)
    if (!tag) return undefined
    const has = (o: XoObject | undefined) => Array.isArray(o?.tags) && (o!.tags as unknown[]).includes(tag)
    return action === 'add' ? has : (o) => o !== undefined && !has(o)
  }
  if (namespace === 'host' && subject) {
    if (action === 'enable') return (o) => o?.enabled === true
    if (action === 'disable') return (o) => o?.enabled === false
    if (action === 'setMaintenanceMode' && typeof p.maintenance === 'boolean')
      return (o) => o?.enabled === !p.maintenance
  }
  if (action === 'delete' && subject) return gone
  if (action === 'set' && subject) return fieldsSet(p)
  return undefined
}

/** `*.set {id, name_label: 'x', …}`: the plain fields it names hold the values given. */
function fieldsSet(params: Record<string, unknown>): Expectation | undefined {
  const fields = Object.entries(params).filter(
    ([key, value]) => key !== 'id' && ['string', 'number', 'boolean'].includes(typeof value),
  )
  if (fields.length === 0) return undefined
  return (o) => o !== undefined && fields.every(([key, value]) => !(key in o) || o[key] === value)
}
