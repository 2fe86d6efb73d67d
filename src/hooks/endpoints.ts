/**
 * The receivers of XO's deliveries, by xo-hook node id. XO never retries a delivery: one that arrives while its
 * node is being redeployed (closed, its successor not started yet) waits for the successor, up to `graceMs`;
 * only a node id that stays absent (or was removed) is unknown.
 */
export class Endpoints<Receiver> {
  #receivers = new Map<string, Receiver>()
  #returning = new Map<string, { until: number; wake: Set<() => void> }>()

  constructor(
    readonly graceMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  set(id: string, receiver: Receiver): void {
    this.#receivers.set(id, receiver)
    const returning = this.#returning.get(id)
    this.#returning.delete(id)
    returning?.wake.forEach((wake) => wake())
  }

  /** The node closed; `comingBack` when it is redeployed (not deleted nor disabled). */
  delete(id: string, comingBack: boolean): void {
    this.#receivers.delete(id)
    if (comingBack) this.#returning.set(id, { until: this.now() + this.graceMs, wake: new Set() })
    else this.#returning.delete(id)
  }

  /** The node's receiver if it is there now (no wait, no promise: the path of nearly every delivery). */
  current(id: string): Receiver | undefined {
    return this.#receivers.get(id)
  }

  /** The node's receiver; waits for a redeployed node's successor; undefined for an unknown node. */
  async get(id: string): Promise<Receiver | undefined> {
    const receiver = this.#receivers.get(id)
    if (receiver) return receiver
    const returning = this.#returning.get(id)
    const left = returning ? returning.until - this.now() : 0
    if (!returning || left <= 0) {
      if (returning) this.#returning.delete(id)
      return undefined
    }
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        returning.wake.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, left)
      returning.wake.add(wake)
    })
    return this.#receivers.get(id)
  }
}
