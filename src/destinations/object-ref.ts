// Apart from summary.ts: a digest lists objects too, and the summary carries the digest.

/** An object the event is about, as the destinations show it (a summary of xo-hook, or just an id). */
export interface ObjectRef {
  id: string
  /** XO's type; from the call's parameter alone (`vm` of vm.delete) when `typeGuessed` */
  type?: string
  /** XO never described the object (gone, not enriched, replayed): `type` is what the parameter names */
  typeGuessed?: true
  name?: string
  [k: string]: unknown
}
