// Every simulated delay goes through this clock so that (1) timeScale applies everywhere and
// (2) stop() can cancel every pending timer at once and leave nothing running.
export class StoppedError extends Error {
  constructor() {
    super('simulator stopped')
    this.name = 'StoppedError'
  }
}

export class Clock {
  private readonly timers = new Map<NodeJS.Timeout, (err: Error) => void>()
  private stopped = false

  constructor(readonly timeScale: number) {}

  /** Simulated duration: `ms` at real XO speed, multiplied by timeScale. */
  scaled(ms: number): number {
    return Math.max(0, Math.round(ms * this.timeScale))
  }

  /** Waits `ms` of simulated time (scaled). Rejects with StoppedError when the simulator stops. */
  sleep(ms: number): Promise<void> {
    return this.sleepReal(this.scaled(ms))
  }

  /** Waits `ms` of real time (not scaled). */
  sleepReal(ms: number): Promise<void> {
    if (this.stopped) return Promise.reject(new StoppedError())
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.timers.delete(t)
        resolve()
      }, ms)
      this.timers.set(t, reject)
    })
  }

  /** Runs a background job (e.g. guest tools reporting an IP later); stop() silences it. */
  background(job: () => Promise<void>, log: (s: string) => void): void {
    job().catch((err) => {
      if (!(err instanceof StoppedError)) log(`background job failed: ${(err as Error).stack ?? err}`)
    })
  }

  stop(): void {
    this.stopped = true
    for (const [t, reject] of this.timers) {
      clearTimeout(t)
      reject(new StoppedError())
    }
    this.timers.clear()
  }
}
