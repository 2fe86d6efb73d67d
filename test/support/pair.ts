import { strict as assert } from 'node:assert'
import type { Health } from '../../src/node-red/runtime'
import { waitFor } from './node-red'
import type { StockNodeRed } from './stock-node-red'

/** What one of several Node-REDs says of its (only) XO connection at /xo/healthz; undefined once it is dead. */
export async function healthOf(red: StockNodeRed): Promise<Health['servers'][number] | undefined> {
  if (!red.alive) return undefined
  const health = (await (await red.request('/xo/healthz', { signal: AbortSignal.timeout(1_000) })).json()) as Health
  return health.servers[0]
}

/** The connection's role on `red` (leader, follower, no store…). */
export async function roleOf(red: StockNodeRed): Promise<string | undefined> {
  return (await healthOf(red))?.role
}

/** Waits until exactly one of `among` leads and the others follow; answers the leader's index in `reds`. */
export async function leaderIndex(reds: StockNodeRed[], among: StockNodeRed[] = reds): Promise<number> {
  const found = await waitFor(
    async () => {
      const roles = await Promise.all(among.map((red) => roleOf(red).catch(() => undefined)))
      const leaders = roles.flatMap((role, i) => (role === 'leader' ? [i] : []))
      return leaders.length === 1 && roles.every((role) => role === 'leader' || role === 'follower')
        ? { index: leaders[0] }
        : undefined
    },
    { timeoutMs: 30_000, what: 'one leader and one follower' },
  )
  return reds.indexOf(among[found.index])
}

/**
 * Stops what a test of several Node-REDs started, whatever state a failure left it in (an instance killed or paused,
 * a stream running): each step runs even if another failed, so that mocha ends with the failure rather than hanging.
 * `before` runs before the Node-REDs stop (streams that talk to them), `after` once `stops` ran (the shared Redis).
 * Fails with the problems met while stopping, then with any crash of a Node-RED, showing the end of each log.
 */
export async function stopEverything(
  reds: StockNodeRed[],
  stops: Array<() => Promise<void>>,
  { before = [], after = [] }: { before?: Array<() => Promise<unknown>>; after?: Array<() => Promise<unknown>> } = {},
): Promise<void> {
  const problems: unknown[] = []
  const attempt = async (step: () => Promise<unknown> | undefined) => {
    try {
      await step()
    } catch (error) {
      problems.push(error)
    }
  }
  for (const step of before) await attempt(step)
  const logs = reds.map((red) => red.log.slice(-2500)).join('\n-----\n')
  const crashes = reds.flatMap((red) => red.crashes)
  for (const red of reds.splice(0)) {
    // A paused process would not hear the SIGINT that stops it.
    await attempt(() => red.signal('SIGCONT'))
    await attempt(() => red.dispose())
    if (red.alive) await attempt(() => red.signal('SIGKILL'))
  }
  for (const stop of stops.splice(0).reverse()) await attempt(stop)
  for (const step of after) await attempt(step)
  assert.deepEqual(problems, [], 'stopping what the test started')
  assert.deepEqual(crashes, [], logs)
}
