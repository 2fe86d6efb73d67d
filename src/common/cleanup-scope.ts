/** A listener as EventEmitter takes it (whatever its arguments: each emitter says its own). */
// biome-ignore lint/suspicious/noExplicitAny: EventEmitter's own listener type
type AnyListener = (...args: any[]) => void

/** Something that can be listened to and let go of: Node's EventEmitter and anything shaped like it. */
export interface Listenable {
  on(event: string, listener: AnyListener): unknown
  off(event: string, listener: AnyListener): unknown
  prependListener?(event: string, listener: AnyListener): unknown
}

/** Undoes one thing; `removed`: the node is being deleted or disabled, not redeployed. */
export type Disposer = (removed: boolean) => unknown

/**
 * What a node set up (listeners on shared emitters, timers, things to stop), undone in reverse order when it closes,
 * whatever happened in between: a node pairs nothing by hand, and a redeploy leaves nothing of it behind on the
 * emitters it shares with others (the connection, the lease, the listener). A disposer that throws or rejects does
 * not keep the next ones from running; the first error is reported once they all ran.
 */
export class CleanupScope {
  #disposers: Disposer[] = []
  #closed = false

  get closed(): boolean {
    return this.#closed
  }

  /**
   * Listens to `event` on `emitter` until the scope closes; answers the listener. `prepend`: before the listeners
   * already there (to see an event before they act on it).
   */
  on<L extends AnyListener>(emitter: Listenable, event: string, listener: L, { prepend = false } = {}): L {
    this.#open()
    if (prepend && emitter.prependListener) emitter.prependListener(event, listener)
    else emitter.on(event, listener)
    this.#disposers.push(() => emitter.off(event, listener))
    return listener
  }

  /** A `setTimeout` cleared when the scope closes, forgotten once it ran. */
  timeout(fn: () => void, ms: number): NodeJS.Timeout {
    this.#open()
    const clear = () => clearTimeout(timer)
    const timer = setTimeout(() => {
      this.#forget(clear)
      fn()
    }, ms)
    this.#disposers.push(clear)
    return timer
  }

  /** A `setInterval` cleared when the scope closes. */
  interval(fn: () => void, ms: number): NodeJS.Timeout {
    this.#open()
    const timer = setInterval(fn, ms)
    this.#disposers.push(() => clearInterval(timer))
    return timer
  }

  /** Runs `dispose` when the scope closes (awaited when it answers a promise), after what was added after it. */
  defer(dispose: Disposer): void {
    this.#open()
    this.#disposers.push(dispose)
  }

  /** Undoes everything, last first. Closing twice does nothing more. */
  async close(removed = false): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    let failure: unknown
    for (const dispose of this.#disposers.splice(0).reverse()) {
      try {
        await dispose(removed)
      } catch (error) {
        failure ??= error
      }
    }
    if (failure !== undefined) throw failure
  }

  #open(): void {
    if (this.#closed) throw new Error('the node has closed')
  }

  #forget(dispose: Disposer): void {
    const at = this.#disposers.indexOf(dispose)
    if (at >= 0) this.#disposers.splice(at, 1)
  }
}
