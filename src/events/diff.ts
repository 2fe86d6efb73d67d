import { deepEqual } from '../xo/deep-equal'

/** For each changed field, its value before and after. */
export type Changes = Record<string, { before: unknown; after: unknown }>

/**
 * The top-level fields that differ between two versions of an object. XO sends whole objects, never diffs, so
 * this is how a flow learns what actually changed. Values are compared deeply, without copying anything.
 */
export function diffFields(previous: Record<string, unknown>, current: Record<string, unknown>): Changes {
  const changes: Changes = {}
  for (const key in current) {
    if (!deepEqual(previous[key], current[key])) changes[key] = { before: previous[key], after: current[key] }
  }
  for (const key in previous) {
    if (!(key in current)) changes[key] = { before: previous[key], after: undefined }
  }
  return changes
}

/** `diffFields` restricted to `fields`: the same entries for those fields, nothing else looked at. */
export function diffOnly(
  previous: Record<string, unknown>,
  current: Record<string, unknown>,
  fields: readonly string[],
): Changes {
  const changes: Changes = {}
  for (const key of fields) {
    if (key in current) {
      if (!deepEqual(previous[key], current[key])) changes[key] = { before: previous[key], after: current[key] }
    } else if (key in previous) {
      changes[key] = { before: previous[key], after: undefined }
    }
  }
  return changes
}
