import type { XoObject } from '../xo/object-store'
import { deriveEvents, type DerivedEvent, FIELDS_DERIVE_COMPARES } from './derive'
import { type Changes, diffFields, diffOnly } from './diff'

type Lookup = (id: string) => XoObject | undefined

/**
 * One change of the object stream, shared by every node that looks at it: the field diff and the derived
 * events are computed at most once, and only if a node whose filters match asks for them. Deriving events
 * compares only the few fields they read; the full diff waits for a node that sends it (`updated`, or the
 * `changes` of an event it selected): most changes (running operations, memory, disk usage) never need it.
 */
export class ObjectChange {
  #changes: Changes | undefined
  #derived: DerivedEvent[] | undefined
  #filtered: Map<(changes: Changes) => Changes, Changes> | undefined

  constructor(
    readonly kind: 'enter' | 'exit',
    readonly object: XoObject,
    readonly previous: XoObject | undefined,
    private readonly lookup: Lookup,
  ) {}

  get changes(): Changes {
    return (this.#changes ??= this.kind === 'enter' && this.previous ? diffFields(this.previous, this.object) : {})
  }

  /** The changes seen through an ignore list; nodes sharing a list share the result. */
  changesWithout(ignore: (changes: Changes) => Changes): Changes {
    this.#filtered ??= new Map()
    let filtered = this.#filtered.get(ignore)
    if (!filtered) this.#filtered.set(ignore, (filtered = ignore(this.changes)))
    return filtered
  }

  get derived(): DerivedEvent[] {
    return (this.#derived ??=
      this.kind === 'enter' ? deriveEvents(this.object, this.previous, this.#changesDeriveReads(), this.lookup) : [])
  }

  /** The full diff when a node already asked for it, else the same entries for the only fields derive reads. */
  #changesDeriveReads(): Changes {
    if (this.#changes || !this.previous) return this.changes
    return diffOnly(this.previous, this.object, FIELDS_DERIVE_COMPARES)
  }
}
