import assert from 'node:assert/strict'
import { CleanupScope } from '../../src/common/cleanup-scope'
import { Coordinator } from '../../src/coordination/coordinator'
import type { XoDigest } from '../../src/destinations/digest-message'
import { DigestEngine } from '../../src/digest/digest-engine'
import { DigestKeeper } from '../../src/node-red/digest-keeper'
import { MemoryStateStore } from '../../src/state/state-store'
import { waitFor } from '../support/node-red'
import { TestRedis } from '../support/redis'

const KEY = 'xo-digest/d1'
const started = (vm: string, pool: string) => ({
  payload: { event: 'started', type: 'VM', id: vm, object: { name_label: vm }, pool: { id: pool } },
})

/**
 * Two instances of one xo digest node on a real redis-server: only the leader sends; its open groups are in the
 * leader's state there, and the instance that takes over sends them, with what it was given while following.
 */
describe('xo digest shared by two Node-REDs through a real redis-server', function () {
  this.timeout(30_000)
  let redis: TestRedis
  const stopping: Array<() => Promise<void>> = []

  before(async () => {
    redis = await TestRedis.start()
  })
  afterEach(async () => {
    for (const stop of stopping.splice(0).reverse()) await stop().catch(() => {})
    await redis.command('FLUSHALL')
  })
  after(() => redis?.dispose())

  function instance(name: string) {
    const coordinator = new Coordinator({
      url: redis.url,
      identity: ['config-node', 'wss://xo/api/'],
      ttlMs: 1_000,
      warn: () => {},
      log: () => {},
    })
    const scope = new CleanupScope()
    const sent: XoDigest[] = []
    coordinator.start()
    const keeper = new DigestKeeper({
      key: KEY,
      store: new MemoryStateStore(),
      coordinator,
      create: (send, dropped) =>
        new DigestEngine({
          groupBy: ['kind', 'pool'],
          groupWaitMs: 1_500,
          groupIntervalMs: 60_000,
          repeatIntervalMs: 3_600_000,
          resolve: true,
          dedup: true,
          maxItems: 20,
          silences: [],
          inhibit: false,
          send,
          dropped,
        }),
      send: (digest) => sent.push(digest),
      dropped: () => {},
      scope,
      changed: () => {},
      warn: (message) => assert.fail(`${name}: ${message}`),
    })
    const stop = async () => {
      await scope.close(false)
      await coordinator.stop()
    }
    stopping.push(stop)
    return { name, coordinator, keeper, sent, stop }
  }

  it('the follower sends nothing; taking over, it sends what the leader left open and what it gathered', async () => {
    const a = instance('a')
    await waitFor(() => a.keeper.role === 'leading', { what: 'a leads' })
    const b = instance('b')
    await waitFor(() => b.coordinator.role.role === 'follower', { what: 'b follows' })
    await a.keeper.add(started('web-01', 'pool-a'))
    await waitFor(async () => (await a.coordinator.leaderState().read(KEY)) !== undefined, {
      what: 'the open group in the shared state',
    })
    await b.keeper.add(started('db-01', 'pool-b'))
    // a goes away (a redeploy elsewhere, a shutdown) before its group is due: what it held is written on close.
    await a.stop()
    await waitFor(() => b.keeper.role === 'leading', { what: 'b takes over', timeoutMs: 5_000 })
    await waitFor(() => b.sent.length === 2, { what: 'both groups sent by b', timeoutMs: 8_000 })
    assert.deepEqual(b.sent.map((d) => d.labels.pool).sort(), ['pool-a', 'pool-b'])
    assert.deepEqual(a.sent, [], 'a sent nothing before it went')
  })
})
