/** Refused because the queue of waiting calls is full. */
export class QueueFullError extends Error {
  constructor(max: number) {
    super(`too many XO calls waiting (queue of ${max} full)`)
    this.name = 'QueueFullError'
  }
}

/**
 * Runs at most `concurrency` calls at a time; the others wait in a bounded queue, in arrival order, so that a
 * burst of messages never floods XO, and memory stays bounded when XO is slow.
 */
export class CallLimiter {
  #active = 0
  #queue: Array<{ start: () => void; reject: (error: Error) => void }> = []

  constructor(
    readonly concurrency: number,
    readonly maxQueue: number,
  ) {}

  get active(): number {
    return this.#active
  }

  get queued(): number {
    return this.#queue.length
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.#active++
        task()
          .then(resolve, reject)
          .finally(() => {
            this.#active--
            this.#queue.shift()?.start()
          })
      }
      if (this.#active < this.concurrency) start()
      else if (this.#queue.length >= this.maxQueue) reject(new QueueFullError(this.maxQueue))
      else this.#queue.push({ start, reject })
    })
  }

  /** Refuses every call still waiting (the node is closing). */
  clear(error: Error): void {
    for (const waiting of this.#queue.splice(0)) waiting.reject(error)
  }
}
