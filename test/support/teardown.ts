import { strict as assert } from 'node:assert'
import type { StockNodeRed } from './stock-node-red'

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
