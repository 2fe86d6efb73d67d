import assert from 'node:assert/strict'
import { RedisLink } from '../../../src/coordination/redis-link'
import type { OutboxEntry, OutboxRequest } from '../../../src/outbox/outbox'
import { RedisOutboxStore } from '../../../src/outbox/redis-outbox-store'
import { SharedOutbox } from '../../../src/outbox/shared-outbox'
import { waitFor, waitForEvent } from '../../support/node-red'
import { TestRedis } from '../../support/redis'

const CLAIM_MS = 600
const PREFIX = 'xo-nr:test:'
const request: OutboxRequest = { url: 'http://receiver.test/hook', method: 'POST', payload: { n: 1 } }

const entry = (id: string, extra: Partial<OutboxEntry> = {}): OutboxEntry => ({
  id,
  node: 'dest',
  request,
  createdAt: 1,
  attempts: 0,
  nextAt: 1,
  ...extra,
})

/** One instance's outbox for node `box`, with what it sent (and when) and whether it leads. */
interface Instance {
  outbox: SharedOutbox
  store: RedisOutboxStore
  link: RedisLink
  sent: Array<{ id: string; attempts: number; at: number }>
  leads: boolean
}

describe('shared outbox on a real redis-server', function () {
  this.timeout(30_000)
  let redis: TestRedis
  let node = 0
  const started: Instance[] = []
  const links: RedisLink[] = []

  before(async () => {
    redis = await TestRedis.start()
  })
  after(() => redis?.dispose())
  afterEach(async () => {
    for (const instance of started.splice(0)) instance.outbox.stop()
    for (const link of links.splice(0)) await link.close()
    node++
  })

  async function linkTo(url = redis.url): Promise<RedisLink> {
    const link = new RedisLink({ url, commandTimeoutMs: 1_000 })
    links.push(link)
    link.start()
    if (!link.up && url === redis.url) await waitForEvent(link, 'state')
    return link
  }

  async function storeOf(claimer: string): Promise<RedisOutboxStore> {
    return new RedisOutboxStore(await linkTo(), PREFIX, `box${node}`, claimer)
  }

  async function instance(name: string, leads: boolean, limits = {}): Promise<Instance> {
    const link = await linkTo()
    const store = new RedisOutboxStore(link, PREFIX, `box${node}`, name)
    const made: Instance = { store, link, sent: [], leads, outbox: undefined as unknown as SharedOutbox }
    made.outbox = new SharedOutbox({
      store,
      leading: () => made.leads,
      send: (e) => made.sent.push({ id: e.id, attempts: e.attempts, at: Date.now() }),
      limits: { baseMs: 100, maxMs: 100, ...limits },
      claimMs: CLAIM_MS,
      pollMs: 50,
      refreshMs: 100,
      warn: () => {},
    })
    started.push(made)
    await made.outbox.start()
    return made
  }

  describe('the Redis store', () => {
    it('records a new entry under a claim, once; refuses its writes to another claimer until the claim is given back', async () => {
      const a = await storeOf('a')
      const b = await storeOf('b')
      assert.equal(await a.create(entry('1'), 1, CLAIM_MS), true)
      assert.equal(await b.create(entry('1'), 1, CLAIM_MS), false, 'the same id twice')
      assert.equal(await b.update(entry('1', { attempts: 5 }), 1, false), false, 'held by a')
      assert.equal(await b.remove('1', true), false, 'held by a')
      assert.equal(await a.update(entry('1', { attempts: 1 }), 2, true), true)
      assert.equal(await b.update(entry('1', { attempts: 2 }), 3, false), true, 'given back')
      assert.deepEqual(
        (await a.all()).map((e) => e.attempts),
        [2],
      )
    })

    it('claims what is due and nobody holds, skips the rest; a dead letter is never due', async () => {
      const a = await storeOf('a')
      const b = await storeOf('b')
      await a.create(entry('held'), 10, CLAIM_MS)
      await a.create(entry('free'), 10, CLAIM_MS)
      await a.create(entry('later'), 10, CLAIM_MS)
      await a.create(entry('dead'), 10, CLAIM_MS)
      await a.update(entry('free'), 10, true)
      await a.update(entry('later'), 1000, true)
      await a.update(entry('dead', { dead: { reason: 'gone', at: 1 } }), undefined, true)
      assert.deepEqual(
        (await b.claimDue(500, CLAIM_MS, 10)).map((e) => e.id),
        ['free'],
      )
      assert.deepEqual(await b.claimDue(500, CLAIM_MS, 10), [], 'claimed now')
      assert.deepEqual(await b.renew(['free', 'held'], CLAIM_MS), ['free'])
    })

    it("drops an entry whoever holds it; the holder's late write does not bring it back", async () => {
      const a = await storeOf('a')
      const b = await storeOf('b')
      await a.create(entry('1'), 1, CLAIM_MS)
      assert.equal(await b.remove('1', false), true)
      assert.equal(await a.update(entry('1', { attempts: 1 }), 5, true), false)
      assert.deepEqual(await a.all(), [])
    })
  })

  describe('two instances', () => {
    it('a new request is sent at once by the instance it came to, its retry by the leader; never by both', async () => {
      const leader = await instance('leader', true)
      const follower = await instance('follower', false)
      assert.equal(await follower.outbox.add('dest', 'r1', request), true)
      assert.equal(await leader.outbox.add('dest', 'r1', request), false, 'kept already')
      assert.deepEqual(
        follower.sent.map((s) => s.id),
        ['r1'],
      )
      // The leader looks every 50 ms: the follower's claim keeps it from sending meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 300))
      assert.equal(leader.sent.length, 0)
      assert.equal(await follower.outbox.answered('r1', { outcome: 'retry', reason: '503' }), 'retry')
      await waitFor(() => leader.sent.length === 1, { what: 'the retry sent by the leader' })
      assert.equal(leader.sent[0].attempts, 2)
      assert.equal(await leader.outbox.answered('r1', { outcome: 'ok', statusCode: 200 }), 'delivered')
      await waitFor(() => follower.outbox.list().pending.length === 0, { what: 'the follower seeing it delivered' })
      assert.equal(follower.sent.length, 1)
    })

    it('keeps its claim while the answer takes longer than a claim; the leader sends what a dead instance left within about a claim', async () => {
      const leader = await instance('leader', true)
      const follower = await instance('follower', false)
      await follower.outbox.add('dest', 'slow', request)
      await new Promise((resolve) => setTimeout(resolve, 3 * CLAIM_MS))
      assert.equal(leader.sent.length, 0, 'the claim was prolonged')
      await follower.outbox.add('dest', 'lost', request)
      // The follower dies: nothing prolongs its claims any more.
      follower.outbox.stop()
      const diedAt = Date.now()
      await waitFor(() => leader.sent.length === 2, { what: 'both sent again by the leader' })
      const late = Math.max(...leader.sent.map((s) => s.at)) - diedAt
      assert.ok(late < 3 * CLAIM_MS, `sent again ${late} ms after the death`)
      assert.deepEqual(leader.sent.map((s) => s.id).sort(), ['lost', 'slow'])
    })

    it('refuses a new request while Redis cannot be reached, and sends nothing', async () => {
      const sent: string[] = []
      const link = await linkTo('redis://127.0.0.1:1')
      const outbox = new SharedOutbox({
        store: new RedisOutboxStore(link, PREFIX, `box${node}`, 'x'),
        leading: () => true,
        send: (e) => sent.push(e.id),
        claimMs: CLAIM_MS,
        warn: () => {},
      })
      await outbox.start()
      started.push({ outbox } as Instance)
      await assert.rejects(outbox.add('dest', 'r', request), /Redis is not reachable/)
      assert.deepEqual(sent, [])
    })

    it('retries a dead letter and drops entries from the follower: the leader sends what it retried', async () => {
      const leader = await instance('leader', true, { maxAttempts: 1 })
      const follower = await instance('follower', false, { maxAttempts: 1 })
      await follower.outbox.add('dest', 'd', request)
      await follower.outbox.add('dest', 'x', request)
      await follower.outbox.answered('d', { outcome: 'failed', reason: '404', statusCode: 404 })
      await follower.outbox.answered('x', { outcome: 'failed', reason: '404', statusCode: 404 })
      await waitFor(() => leader.outbox.list().dead.length === 2, { what: 'the leader seeing both dead letters' })
      assert.equal(await follower.outbox.retryNow('d'), 1)
      assert.equal(await follower.outbox.drop('x'), 1)
      await waitFor(() => leader.sent.length === 1, { what: 'the retried letter sent by the leader' })
      assert.equal(leader.sent[0].id, 'd')
      await waitFor(() => leader.outbox.list().dead.length === 0, { what: 'the dropped one gone' })
    })
  })
})
