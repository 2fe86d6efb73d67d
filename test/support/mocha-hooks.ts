/**
 * Root hooks for every mocha run, so that a failing suite fails fast and says why instead of hanging:
 * - stopped from outside (`.ci/run`'s time limit sends SIGTERM), it prints the test that was running, how long it
 *   had run, and what the process still had open, then exits non-zero;
 * - once the last test is over, the process must end by itself (mocha's `exit: false`): every server, socket,
 *   child process and timer a test started must be stopped by then. One still open a while later is named and the
 *   run fails, rather than waiting for a time limit.
 */
import type { Context } from 'mocha'

const EXIT_GRACE_MS = Number(process.env.MOCHA_EXIT_GRACE_MS) || 20_000

let current = 'no test started yet'
let startedAt = Date.now()

function openResources(): string {
  const counts = new Map<string, number>()
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1)
  return [...counts].map(([kind, n]) => `${n} ${kind}`).join(', ') || 'nothing'
}

/** Exits with 1 whatever mocha's own exit handler (which sets the failure count as the exit code) says. */
function fail(): never {
  process.on('exit', () => (process.exitCode = 1))
  process.exit(1)
}

function giveUp(signal: NodeJS.Signals): void {
  const seconds = Math.round((Date.now() - startedAt) / 1000)
  process.stderr.write(
    `\nmocha stopped by ${signal} while running "${current}" (for ${seconds} s); still open: ${openResources()}\n`,
  )
  fail()
}
process.once('SIGTERM', giveUp)

export const mochaHooks = {
  beforeEach(this: Context) {
    current = this.currentTest?.fullTitle() ?? current
    startedAt = Date.now()
  },
  afterEach(this: Context) {
    current = `after "${this.currentTest?.fullTitle() ?? current}"`
  },
  afterAll() {
    current = 'the end of the run'
    startedAt = Date.now()
    // Unreferenced: it fires only if something else keeps the process alive.
    setTimeout(() => {
      process.stderr.write(
        `\nmocha did not exit ${EXIT_GRACE_MS / 1000} s after the last test: a test left open ${openResources()}\n`,
      )
      fail()
    }, EXIT_GRACE_MS).unref()
  },
}
