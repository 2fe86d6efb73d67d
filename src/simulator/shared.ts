/**
 * The simulated XO of this process: one XO simulator on loopback, with its scenario playing and its audit plugin
 * active, shared by every `xo-server` node set to "simulated XO" and by `npm start`. It starts with its first user
 * and stops a few seconds after its last one leaves (a full deploy closes every node before it starts them again:
 * the same XO, with its state, serves the new nodes).
 *
 * Shared through a process-wide slot, not a module variable: Node-RED may load the package's compiled files
 * while a test or the demo loads its sources.
 */
import { XoSimulator } from './index'
import { runScenario } from './scenario'

export interface SimulatedXoOptions {
  /** the simulator's operation delays are multiplied by this (default 1: XO's own pace) */
  timeScale?: number
  /** play the scenario as soon as it has users (default true); else only once a lease says `play()` */
  scenario?: boolean
  log?: (line: string) => void
}

export interface SimulatedXoHandle {
  simulator: XoSimulator
  url: string
  /** an admin token of the simulated XO (admin@admin.net, password admin) */
  token: string
  /** plays the scenario (if it does not play yet), until the last user leaves */
  play(): void
  release(): void
}

interface Shared {
  starting?: Promise<XoSimulator>
  simulator?: XoSimulator
  options: SimulatedXoOptions
  users: number
  scenario?: AbortController
  stopTimer?: NodeJS.Timeout
}

const SLOT = Symbol.for('@xo-flows/node-red-xen-orchestra/simulated-xo')
const STOP_AFTER_MS = 5000

function shared(): Shared {
  const g = globalThis as unknown as Record<symbol, Shared | undefined>
  return (g[SLOT] ??= { options: {}, users: 0 })
}

/** Uses the simulated XO (starting it, with `options`, if nobody does yet); `release()` when done. */
export async function acquireSimulatedXo(options: SimulatedXoOptions = {}): Promise<SimulatedXoHandle> {
  const s = shared()
  s.users++
  clearTimeout(s.stopTimer)
  try {
    if (!s.simulator) {
      if (!s.starting) {
        s.options = options
        // its audit log records from the start, so that audit.getRecords has something to show
        s.starting = XoSimulator.start({
          host: '127.0.0.1',
          timeScale: options.timeScale ?? 1,
          audit: true,
          auditMaxRecords: 20_000,
        })
      }
      s.simulator = await s.starting
    }
  } catch (error) {
    s.users--
    s.starting = undefined
    throw error
  }
  const simulator = s.simulator
  simulator.keepsProcessAlive(true)
  const play = () => {
    if (s.scenario) return
    const abort = (s.scenario = new AbortController())
    const log = s.options.log ?? (() => {})
    void runScenario(simulator, { signal: abort.signal, loop: true, log: (line) => log(`[scenario] ${line}`) }).catch(
      (error) => {
        if (!abort.signal.aborted) log(`[scenario] stopped: ${(error as Error).message}`)
      },
    )
  }
  if (s.options.scenario !== false) play()
  let released = false
  return {
    simulator,
    url: simulator.url,
    token: simulator.issueToken('admin@admin.net'),
    play,
    release: () => {
      if (released) return
      released = true
      if (--s.users > 0) return
      s.scenario?.abort()
      s.scenario = undefined
      // Nothing of it keeps the process running meanwhile.
      simulator.keepsProcessAlive(false)
      s.stopTimer = setTimeout(() => {
        if (s.users > 0 || s.simulator !== simulator) return
        s.simulator = undefined
        s.starting = undefined
        void simulator.stop()
      }, STOP_AFTER_MS)
      s.stopTimer.unref()
    },
  }
}
