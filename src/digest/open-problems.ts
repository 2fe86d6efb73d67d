/**
 * The problems open (by pair: what pairs a problem with its recovery) and the group holding each, where its
 * recovery goes; and by object, so that an object removed settles every problem about it (a failed vm.start of a
 * VM deleted since will never succeed).
 */
export class OpenProblems<G> {
  readonly #byPair = new Map<string, G>()
  readonly #byObject = new Map<string, Set<string>>()

  get(pair: string): G | undefined {
    return this.#byPair.get(pair)
  }

  open(pair: string, group: G): void {
    this.#byPair.set(pair, group)
    const object = objectOf(pair)
    let pairs = this.#byObject.get(object)
    if (!pairs) this.#byObject.set(object, (pairs = new Set()))
    pairs.add(pair)
  }

  /** Settled (recovered, asked for, its object removed), or its group closed: only if `group` holds it. */
  close(pair: string, group?: G): void {
    if (group !== undefined && this.#byPair.get(pair) !== group) return
    this.#byPair.delete(pair)
    const object = objectOf(pair)
    const pairs = this.#byObject.get(object)
    pairs?.delete(pair)
    if (pairs?.size === 0) this.#byObject.delete(object)
  }

  /** The problems open about an object. */
  about(object: string): string[] {
    return [...(this.#byObject.get(object) ?? [])]
  }
}

// Pairs end with the object's id (`power:<id>`, `call:<method>:<id>`), which holds no colon.
const objectOf = (pair: string): string => pair.slice(pair.lastIndexOf(':') + 1)
