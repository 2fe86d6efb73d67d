import type { ObjectStore, XoObject } from '../xo/object-store'
import { changesObjects, expectedAfter, POST_SETTLE_MS } from './after-call'
import { type InvolvedRef, isSettled, macOwnersOf, type ObjectSummary, summarize } from './involved'

/** A call that is over (its post delivery, successful): its objects are described as it left them. */
export interface CallDone {
  method: string
  params: Record<string, unknown> | undefined
}

/**
 * Resolves the objects a call is about into summaries, by role. Objects the call created are waited for
 * (bounded by `waitMs`): the post often comes before XO's object stream shows them. After a call (`done`), the
 * objects it changed are waited for too, for a short while (POST_SETTLE_MS): until they show what the call did
 * when that is known (a started VM running), else until their next update. Unknown ids stay as `{id}`; an
 * object the call removed is described as it last was, with `removed: true`.
 */
export async function resolveInvolved(
  refs: InvolvedRef[],
  store: ObjectStore,
  waitMs: number,
  done?: CallDone,
): Promise<Record<string, ObjectSummary>> {
  const objects: Record<string, ObjectSummary> = {}
  if (refs.length === 0) return objects
  if (!store.loaded) await store.whenLoaded(waitMs)
  const lookup = (id: string) => store.get(id)
  const settle = done !== undefined && changesObjects(done.method)
  const macOwners = macOwnersOf(() => store.values(), lookup)
  await Promise.all(
    refs.map(async (ref) => {
      const before = lookup(ref.id)
      let object = before
      if (ref.created) {
        const settled = (o: XoObject | undefined) => o !== undefined && isSettled(o, lookup, ref.expectedVifs)
        object = await store.until(ref.id, settled, waitMs)
      } else if (settle && before) {
        const expected = expectedAfter(done.method, done.params, ref.role)
        object = expected
          ? await store.until(ref.id, expected, POST_SETTLE_MS)
          : await store.nextChange(ref.id, POST_SETTLE_MS)
      }
      const owners = ref.macOwners ? macOwners : undefined
      if (object) objects[ref.role] = summarize(object, lookup, owners)
      else if (before && settle) objects[ref.role] = { ...summarize(before, lookup, owners), removed: true }
      else objects[ref.role] = { id: ref.id }
    }),
  )
  return objects
}

/** The object types enrichment reads: the objects calls name, and what their summaries mention. */
export const ENRICHMENT_TYPES = [
  'pool',
  'host',
  'VM',
  'VM-template',
  'VM-snapshot',
  'VM-controller',
  'VIF',
  'network',
  'SR',
]
