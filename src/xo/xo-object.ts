/**
 * What an XO object is, and what makes a value of XO's object stream not one. Apart from the object store so that
 * the connection, which drops malformed objects from notifications before anyone sees them, need not import the
 * store that listens to it.
 */
import { describeValue, isRecord, preview } from './json-rpc'

/** An object of XO's object stream (pool, host, VM, VIF, network, SR, VDI, message, task…). */
export interface XoObject {
  id: string
  type: string
  [field: string]: unknown
}

/** The fields the package reads of XO's objects that XO always gives as strings, when it gives them. */
const STRING_FIELDS = ['name_label', 'name', '$pool', '$container', 'power_state'] as const
/** ...and as lists of strings (tags; VIF ids). */
const STRING_LIST_FIELDS = ['tags', 'VIFs'] as const
/**
 * XO's objects nest a few levels; far deeper values would overflow the stack of whatever walks them (comparing
 * two versions, copying a message) and are no XO object.
 */
const MAX_DEPTH = 32

/**
 * What makes a value of XO's object stream (an item of an "all" notification, of `xo.getAllObjects`) not an XO
 * object; undefined when nothing does. Only what the package reads is checked: an id and a type, the fields events,
 * filters and summaries read, and a bounded depth; any other field is XO's business.
 */
export function objectProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return `${describeValue(value)} instead of an object`
  const { id, type } = value
  if (typeof id !== 'string' || id === '') return `an object whose id is ${describeValue(id)}`
  const what = `object ${preview(JSON.stringify(id.slice(0, 100)))}`
  if (typeof type !== 'string' || type === '') return `${what} whose type is ${describeValue(type)}`
  // Copying its fields one by one (`copy[field] = value`) would change the copy's prototype instead.
  if (Object.hasOwn(value, '__proto__')) return `${what} with a field named __proto__`
  for (const field of STRING_FIELDS) {
    if (value[field] !== undefined && typeof value[field] !== 'string')
      return `${what} whose ${field} is ${describeValue(value[field])}`
  }
  for (const field of STRING_LIST_FIELDS) {
    const list = value[field]
    if (list !== undefined && !(Array.isArray(list) && list.every((item) => typeof item === 'string'))) {
      return `${what} whose ${field} is ${Array.isArray(list) ? 'not a list of strings' : describeValue(list)}`
    }
  }
  if (nestedDeeperThan(value, MAX_DEPTH - 1)) return `${what} nested deeper than ${MAX_DEPTH} levels`
  return undefined
}

/**
 * Whether objects and arrays nest more than `levelsLeft` levels below `value`. The recursion goes no deeper than
 * the bound, so a value nested far deeper cannot overflow the stack here.
 */
function nestedDeeperThan(value: object, levelsLeft: number): boolean {
  const children: ArrayLike<unknown> = Array.isArray(value) ? value : Object.values(value)
  for (let i = 0; i < children.length; i++) {
    const child = children[i]
    if (typeof child === 'object' && child !== null && (levelsLeft === 0 || nestedDeeperThan(child, levelsLeft - 1)))
      return true
  }
  return false
}
