import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { simulatedXo } from '../../../src/node-red/server-simulated'
import type { SimulatedXoHandle } from '../../../src/simulator/shared'

/** A lease of a stand-in simulated XO, counting its releases. */
function fakeLeases() {
  const leases: Array<{ released: number }> = []
  let resolveNext: (() => void) | undefined
  const lease = (_options: { log: (line: string) => void }) =>
    new Promise<SimulatedXoHandle>((resolve) => {
      const taken = { released: 0 }
      leases.push(taken)
      resolveNext = () =>
        resolve({
          url: 'ws://127.0.0.1:9/',
          token: 'sim-token',
          release: () => taken.released++,
        } as unknown as SimulatedXoHandle)
    })
  return { lease, leases, resolve: () => resolveNext?.() }
}

describe('the simulated XO of a config node', () => {
  it('is leased at the first attempt only, for every later attempt, and given back once', async () => {
    const fake = fakeLeases()
    let closing = false
    const sim = simulatedXo({ closing: () => closing, log: () => {}, lease: fake.lease })
    assert.equal(fake.leases.length, 0, 'nothing leased before the connection asks')
    const first = sim.locate()
    const second = sim.locate()
    fake.resolve()
    assert.deepEqual(await first, { url: 'ws://127.0.0.1:9/', credentials: { token: 'sim-token' } })
    assert.deepEqual(await second, await first)
    await sim.locate()
    assert.equal(fake.leases.length, 1)
    closing = true
    assert.deepEqual(await sim.locate(), await first, 'kept while the node closes: hook entries still go through it')
    sim.release()
    assert.equal(fake.leases[0].released, 1)
  })

  it('gives a lease back at once when it arrives as the node closes', async () => {
    const fake = fakeLeases()
    let closing = false
    const sim = simulatedXo({ closing: () => closing, log: () => {}, lease: fake.lease })
    const located = sim.locate()
    closing = true
    sim.release()
    fake.resolve()
    await assert.rejects(located, /closed/)
    assert.equal(fake.leases[0].released, 1)
  })

  it('is not loaded by the package’s nodes until a config node uses it', function () {
    this.timeout(20_000)
    const root = path.resolve(__dirname, '../../..')
    const script = `
      for (const node of ['xo-server', 'xo-events', 'xo-hook', 'xo-call', 'xo-destinations', 'xo-kea', 'xo-outcome', 'xo-proceed']) require('./src/' + node + '.ts')
      const loaded = Object.keys(require.cache).filter((file) => file.includes(require('node:path').join('src', 'simulator')))
      process.stdout.write(JSON.stringify(loaded))`
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8' })
    assert.deepEqual(JSON.parse(out), [])
  })
})
