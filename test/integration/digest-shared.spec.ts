import assert from 'node:assert/strict'
import { CleanupScope } from '../../src/common/cleanup-scope'
import { Coordinator } from '../../src/coordination/coordinator'
import { SharedInbox } from '../../src/coordination/shared-inbox'
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
 * leader's state there, and the instance that takes over sends them. What the follower is given is handed to the
 * leader through a list there, and is in the leader's next digest.
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
      gaveUp: () => {},
      lost: (about, count) => assert.fail(`${name}: ${count} ${about}`),
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
  it("a message given to the follower is in the leader's next digest while the leader lives, once", async () => {
    const a = instance('a')
    await waitFor(() => a.keeper.role === 'leading', { what: 'a leads' })
    const b = instance('b')
    await waitFor(() => b.coordinator.role.role === 'follower', { what: 'b follows' })
    await a.keeper.add(started('web-01', 'pool-a'))
    // XO's load balancer sent this delivery to the other instance.
    await b.keeper.add(started('db-01', 'pool-a'))
    await waitFor(() => a.sent.length === 1, { what: "a's digest", timeoutMs: 8_000 })
    const [digest] = a.sent
    assert.deepEqual(digest.items.map((item) => item.title).sort(), ['VM db-01 started', 'VM web-01 started'])
    assert.equal(
      await a.coordinator.link.command('LLEN', `${a.coordinator.prefix}inbox:${KEY}`),
      0,
      'taken off the list',
    )
    // a goes away right after its digest: b, taking over, holds nothing of it to send again (handed over, not kept).
    await a.stop()
    await waitFor(() => b.keeper.role === 'leading', { what: 'b takes over', timeoutMs: 5_000 })
    assert.deepEqual(b.keeper.stats(), { groups: 1, held: 0, sent: 0, dropped: 0 })
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    assert.equal(a.sent.length, 1)
    assert.deepEqual(b.sent, [])
  })

  it('the list in Redis is bounded, and only the lease holder takes from it', async () => {
    const a = instance('a')
    await waitFor(() => a.keeper.role === 'leading', { what: 'a leads' })
    const b = instance('b')
    await waitFor(() => b.coordinator.role.role === 'follower', { what: 'b follows' })
    // Another key than the nodes': nobody takes from it but this test.
    const fromB = b.coordinator.inbox('test')
    assert.equal(await fromB.push(['1', '2', '3'], 2), 1, 'the oldest cut, and said')
    await assert.rejects(fromB.take(10), /no longer holds the lease/)
    // A former leader, paused past its lease, whose word is stale: Redis itself refuses it.
    const stale = new SharedInbox(a.coordinator.link, `${a.coordinator.prefix}inbox:test`, () => ({
      key: a.coordinator.lease.key,
      holder: 'a former leader|1',
    }))
    await assert.rejects(stale.take(10), /no longer holds the lease/)
    const fromA = a.coordinator.inbox('test')
    assert.deepEqual(await fromA.take(1), ['2'])
    assert.deepEqual(await fromA.take(10), ['3'])
    assert.deepEqual(await fromA.take(10), [])
    await fromB.push(['4'], 2)
    await fromB.forget()
    assert.deepEqual(await fromA.take(10), [])
  })
})
