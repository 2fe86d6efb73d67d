import type { ObjectStore, XoObject } from '../xo/object-store'
import { InvolvedRef, isSettled, ObjectSummary, summarize } from './involved'

/**
 * Resolves the objects a call is about into summaries, by role. Objects the call created are waited for
 * (bounded): the post hook often comes before XO's object stream shows them. Unknown ids stay as `{id}`.
 */
export async function resolveInvolved(refs: InvolvedRef[], store: ObjectStore, waitMs: number): Promise<Record<string, ObjectSummary>> {
  const objects: Record<string, ObjectSummary> = {}
  if (refs.length === 0) return objects
  if (!store.loaded) await store.whenLoaded(waitMs)
  const lookup = (id: string) => store.get(id)
  await Promise.all(
    refs.map(async (ref) => {
      let object = lookup(ref.id)
      const settled = (o: XoObject) => isSettled(o, lookup, ref.expectedVifs)
      if (ref.created && (!object || !settled(object))) {
        object = (await store.waitFor(ref.id, settled, waitMs)) ?? lookup(ref.id)
      }
      objects[ref.role] = object ? summarize(object, lookup) : { id: ref.id }
    }),
  )
  return objects
}

/** The object types enrichment reads: the objects calls name, and what their summaries mention. */
export const ENRICHMENT_TYPES = ['pool', 'host', 'VM', 'VM-template', 'VM-snapshot', 'VM-controller', 'VIF', 'network', 'SR']
