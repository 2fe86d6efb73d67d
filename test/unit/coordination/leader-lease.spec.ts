import assert from 'node:assert/strict'
import { LeaderLease, type LeaderLeaseOptions } from '../../../src/coordination/leader-lease'
import { RedisLink } from '../../../src/coordination/redis-link'
import { waitFor, waitForEvent } from '../../support/node-red'
import { TestRedis } from '../../support/redis'

const KEY = 'xo-nr:t:lease'

/**
 * The warm instance leads: an instance that has just started (cold, on its own injected clock) does not take a free
 * lease while a warm follower says it is alive, so that a supervisor restarting a dead leader at once does not hand
 * the lead to the instance that knows least. The lease script runs in a real redis-server; what the other instances
 * did (a lease left by a dead leader, a warm follower's word) is written into Redis by the test, and their running
 * out is a DEL: no test waits for Redis's own clock.
 */
describe('Lease: the warm instance leads, a cold one alone still does', function () {
  this.timeout(30_000)
  let redis: TestRedis
  const stopping: Array<() => Promise<unknown>> = []

  before(async () => {
    redis = await TestRedis.start()
  })
  after(() => redis?.dispose())
  afterEach(async () => {
    const problems: unknown[] = []
    for (const stop of stopping.splice(0).reverse()) await stop().catch((error: unknown) => problems.push(error))
    await redis.command('FLUSHALL')
    assert.deepEqual(problems, [], 'stopping what the test started')
  })

  /** A lease on its own link and clock; `attempts` counts its tries (each one answer of the lease script). */
  async function lease(instance: string, clock: () => number, ttlMs = 1_000, { linkUpFirst = true } = {}) {
    const link = new RedisLink({ url: redis.url })
    stopping.push(() => link.close())
    link.start()
    // As the coordinator starts them, the lease may start before its link is up (its first connection).
    if (linkUpFirst && !link.up) await waitForEvent(link, 'state')
    let attempts = 0
    const counting = {
      get up() {
        return link.up
      },
      on: link.on.bind(link),
      off: link.off.bind(link),
      command: async (...args: Array<string | number>) => {
        const answer = await link.command(...args)
        if (args[0] === 'EVAL') attempts++
        return answer
      },
    } as unknown as LeaderLeaseOptions['link']
    const it = new LeaderLease({ link: counting, key: KEY, instance, ttlMs, now: clock })
    stopping.push(() => it.stop())
    it.start()
    return { lease: it, attempts: () => attempts }
  }

  it('a cold instance leaves a free lease to a warm follower alive, and takes it alone once that word runs out', async () => {
    // The dead leader's lease, and the warm follower's word (it said so a moment ago).
    await redis.command('SET', KEY, 'dead|7', 'PX', '60000')
    await redis.command('SET', `${KEY}:fence`, '7')
    await redis.command('SET', `${KEY}:warm`, 'warm-one', 'PX', '60000')
    // Who led last is another instance: an instance just started does not defer to it (only one whose link to
    // Redis came back does).
    await redis.command('SET', `${KEY}:last`, 'dead')
    const clock = 0
    const cold = await lease('cold', () => clock, 1_000, { linkUpFirst: false })
    await waitFor(() => cold.lease.role.role === 'follower', { what: 'the cold one following' })
    assert.equal(cold.lease.warm, false)
    // The dead leader's lease runs out: the lease is free, and the cold one tries again.
    await redis.command('DEL', KEY)
    const tried = cold.attempts()
    await waitFor(() => cold.attempts() >= tried + 2, { what: 'the cold one trying the free lease' })
    assert.equal(cold.lease.role.role, 'follower', 'a cold instance took the lease while a warm follower was alive')
    assert.equal(await redis.bulk('GET', KEY), null)
    // The warm follower died too: its word runs out, and the cold one, alone, leads.
    await redis.command('DEL', `${KEY}:warm`)
    await waitFor(() => cold.lease.role.role === 'leader', { what: 'the cold one leading alone' })
    assert.equal(await redis.bulk('GET', KEY), `cold|8`)
  })

  it('is cold for a lease time on its own clock; warm, a follower says so in Redis and takes a free lease at once', async () => {
    await redis.command('SET', KEY, 'leader|3', 'PX', '60000')
    let clock = 0
    const follower = await lease('follower', () => clock, 2_000)
    await waitFor(() => follower.lease.role.role === 'follower', { what: 'following' })
    assert.equal(await redis.bulk('GET', `${KEY}:warm`), null, 'a cold follower says nothing')
    clock = 1_999
    assert.equal(follower.lease.warm, false)
    clock = 2_000
    assert.equal(follower.lease.warm, true)
    const tried = follower.attempts()
    await waitFor(() => follower.attempts() > tried, { what: 'its next try' })
    assert.equal(await redis.bulk('GET', `${KEY}:warm`), 'follower', 'a warm follower says it is alive')
    const ttl = Number(/:(\d+)/.exec(await redis.command('PTTL', `${KEY}:warm`))?.[1])
    assert.ok(ttl > 0 && ttl <= 2_000, `its word lasts the lease time (${ttl} ms)`)
    // Its own word (or another warm one's) does not keep a warm instance from a free lease.
    await redis.command('DEL', KEY)
    await waitFor(() => follower.lease.role.role === 'leader', { what: 'the warm one leading' })
  })
  it('when Redis comes back, a follower leaves a free lease to the instance that led last for a while, then takes it alone', async () => {
    await redis.command('SET', KEY, 'last-one|5', 'PX', '60000')
    await redis.command('SET', `${KEY}:fence`, '5')
    await redis.command('SET', `${KEY}:last`, 'last-one')
    let clock = 0
    const follower = await lease('follower', () => clock)
    await waitFor(() => follower.lease.role.role === 'follower', { what: 'following' })
    clock = 10_000
    assert.equal(follower.lease.warm, true)
    // Redis restarts (what it holds is kept): the follower's link comes back.
    await redis.stop()
    await waitFor(() => follower.lease.role.role === 'unknown', { what: 'no store' })
    await redis.launch()
    await waitFor(() => follower.lease.role.role === 'follower', { what: 'following again' })
    // The lease ran out meanwhile; the follower, warm as it is, leaves it to the last leader.
    await redis.command('DEL', KEY)
    const tried = follower.attempts()
    await waitFor(() => follower.attempts() >= tried + 2, { what: 'the follower trying the free lease' })
    assert.equal(follower.lease.role.role, 'follower', 'the follower took the lease the last leader may take back')
    assert.equal(await redis.bulk('GET', KEY), null)
    // The last leader is back: it takes its lease at once.
    const last = await lease('last-one', () => 0)
    await waitFor(() => last.lease.role.role === 'leader', { what: 'the last leader leading again' })
    assert.equal(await redis.bulk('GET', KEY), 'last-one|6')
    // It stops (its lease given back) while the follower still defers; once that is over, the follower leads alone.
    await last.lease.stop()
    const triedAgain = follower.attempts()
    await waitFor(() => follower.attempts() >= triedAgain + 2, { what: 'the follower trying the free lease again' })
    assert.equal(follower.lease.role.role, 'follower')
    clock += 3_000
    await waitFor(() => follower.lease.role.role === 'leader', { what: 'the follower leading alone' })
    assert.equal(await redis.bulk('GET', KEY), 'follower|7')
    assert.equal(await redis.bulk('GET', `${KEY}:last`), 'follower')
  })
})
