import type { StateStore } from './state-store'

/**
 * Saves a key's latest value at most once per `minIntervalMs`, however often it changes: the value is taken when
 * the write happens, so the newest one is always what lands. `soon()` writes without waiting for the interval (a
 * change that must survive a kill), once for all such changes of one turn; `flush()` writes what is pending at once
 * (on close). A failed write is reported and retried with the next change or flush.
 */
export class ThrottledWriter<T> {
  #pending = false
  #timer: NodeJS.Timeout | undefined
  #immediate: NodeJS.Immediate | undefined
  #lastWrite = 0
  #writing: Promise<void> = Promise.resolve()

  constructor(
    private readonly store: StateStore,
    private readonly key: string,
    private readonly current: () => T,
    private readonly minIntervalMs: number,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Something changed: save it soon. */
  changed(): void {
    this.#pending = true
    if (this.#timer) return
    const wait = Math.max(0, this.#lastWrite + this.minIntervalMs - Date.now())
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      void this.#save()
    }, wait)
    this.#timer.unref?.()
  }

  /**
   * Something changed that must not wait for the interval: saved once the current turn is over (whatever else it
   * changes goes in the same write), then at the usual pace again.
   */
  soon(): void {
    this.#pending = true
    this.#immediate ??= setImmediate(() => {
      this.#immediate = undefined
      void this.flush()
    })
  }

  /** Saves what is pending now; resolves once it is on disk. */
  async flush(): Promise<void> {
    this.#clear()
    await this.#save()
  }

  /** Drops what is pending (the key is going away). */
  cancel(): void {
    this.#clear()
    this.#pending = false
  }

  #clear(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#immediate) clearImmediate(this.#immediate)
    this.#immediate = undefined
  }

  #save(): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      if (!this.#pending) return
      this.#pending = false
      this.#lastWrite = Date.now()
      try {
        await this.store.write(this.key, this.current())
      } catch (error) {
        this.#pending = true
        this.onError(error as Error)
      }
    })
    return this.#writing
  }
}
