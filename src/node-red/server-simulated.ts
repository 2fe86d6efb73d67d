import type { XoConnectionOptions } from '../xo/connection'
import type { SimulatedXoHandle } from '../simulator/shared'

/** How the simulated XO is leased: the simulator's own module, unless a test stands in for it. */
export type LeaseSimulatedXo = (options: { log: (line: string) => void }) => Promise<SimulatedXoHandle>

// The simulator (its inventory, its scenario) is loaded only by a config node that asks for it, when it first
// connects: a Node-RED reaching a real XO never loads it.
const leaseFromSimulator: LeaseSimulatedXo = async (options) =>
  (await import('../simulator/shared')).acquireSimulatedXo(options)

/**
 * The simulated XO as one config node uses it: leased at its connection's first attempt, kept while the node lives
 * (the connection asks where it is at each attempt), given back by `release()`. A lease that arrives once the node
 * is closing goes back at once.
 */
export function simulatedXo(o: { closing: () => boolean; log: (line: string) => void; lease?: LeaseSimulatedXo }) {
  let lease: SimulatedXoHandle | undefined
  let leasing: Promise<SimulatedXoHandle> | undefined
  const locate: NonNullable<XoConnectionOptions['locate']> = async () => {
    if (!lease) {
      const taken = await (leasing ??= (o.lease ?? leaseFromSimulator)({ log: o.log }))
      if (o.closing()) {
        taken.release()
        throw new Error('closed')
      }
      lease = taken
    }
    return { url: lease.url, credentials: { token: lease.token } }
  }
  return { locate, release: () => lease?.release() }
}
