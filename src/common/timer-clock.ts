/** What time is read from and timers are armed with: the system's, or one a test moves by hand. */
export interface TimerClock {
  now(): number
  setTimer(fn: () => void, ms: number): unknown
  clearTimer(timer: unknown): void
}

/** The system's clock. Its timers do not keep the process alive: whoever armed one clears it on close. */
export const systemClock: TimerClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const timer = setTimeout(fn, ms)
    timer.unref?.()
    return timer
  },
  clearTimer: (timer) => clearTimeout(timer as NodeJS.Timeout),
}
