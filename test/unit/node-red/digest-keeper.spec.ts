import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { CleanupScope } from '../../../src/common/cleanup-scope'
import type { LeaseRole } from '../../../src/coordination/leader-lease'
import type { DigestSnapshot, DropReason } from '../../../src/digest/digest-engine'
import type { XoDigest } from '../../../src/destinations/digest-message'
import {
  type DigestEngineLike,
  type DigestInbox,
  DigestKeeper,
  type DigestKeeperOptions,
} from '../../../src/node-red/digest-keeper'
import { MemoryStateStore, type StateStore } from '../../../src/state/state-store'
import { waitFor } from '../../support/node-red'

const KEY = 'xo-digest/d1'

/** An engine that records what it is told; its snapshot is the names of the messages it holds. */
class FakeEngine implements DigestEngineLike {
  held: string[] = []
  paused = false
  stopped = false
  constructor(
    readonly send: (digest: XoDigest) => void,
    readonly dropped: (reason: DropReason, about: string, count: number) => void,
    readonly gaveUp: (title: string) => void = () => {},
  ) {}
  add(msg: Record<string, unknown>) {
    if (msg.topic === 'seen before') {
      this.dropped('duplicate', String(msg.topic), 1)
      return { accepted: false as const, reason: 'duplicate' as const }
    }
    if (msg.topic === 'recovered while silenced') {
      // Refused, yet what it held changes: the problem it recovered is dropped with it.
      this.held = this.held.filter((h) => h !== 'silenced problem')
      return { accepted: false as const, reason: 'silenced' as const }
    }
    this.held.push(String(msg.topic))
    return { accepted: true as const, group: 'g' }
  }
  stats() {
    return { groups: this.held.length ? 1 : 0, held: this.held.length, sent: 0, dropped: 0 }
  }
  snapshot() {
    return { held: [...this.held] } as unknown as DigestSnapshot
  }
  restore(snapshot: DigestSnapshot) {
    this.held.push(...(snapshot as unknown as { held: string[] }).held)
  }
  pause() {
    this.paused = true
  }
  resume() {
    this.paused = false
  }
  stop() {
    this.stopped = true
  }
  /** nothing recovered what it holds: no longer repeated, its group closed */
  giveUp() {
    this.gaveUp(this.held.join(','))
    this.held = []
  }
  /** the group is due: sends what it holds */
  due() {
    this.send({ kind: 'digest', group: 'g', title: this.held.join(',') } as XoDigest)
    this.held = []
  }
}

/** What two instances share in one Redis: the leader's state, the lists followers hand their messages over in. */
class FakeRedis {
  readonly state = new MemoryStateStore()
  readonly lists = new Map<string, string[]>()
  reachable = true
  takes = 0
  check() {
    if (!this.reachable) throw new Error('Redis is not reachable')
  }
}

/** A lease and a fenced store as the coordinator gives them: writes refused unless this instance leads. */
class FakeCoordinator extends EventEmitter {
  role: LeaseRole = { role: 'unknown', reason: 'starting' }
  constructor(readonly redis = new FakeRedis()) {
    super()
  }
  get shared() {
    return this.redis.state
  }
  /** as `SharedInbox`: bounded, the oldest cut; taken from by the leader only */
  inbox(key: string): DigestInbox {
    const { redis } = this
    const list = () => redis.lists.get(key) ?? redis.lists.set(key, []).get(key)!
    return {
      push: async (entries, atMost) => {
        redis.check()
        const l = list()
        l.push(...entries)
        return l.splice(0, Math.max(0, l.length - atMost)).length
      },
      take: async (atMost) => {
        redis.check()
        redis.takes++
        if (this.role.role !== 'leader') throw new Error('this instance no longer holds the lease')
        return list().splice(0, atMost)
      },
      forget: async () => {
        redis.check()
        redis.lists.delete(key)
      },
    }
  }
  leaderState(): StateStore {
    const fenced = () => {
      if (this.role.role !== 'leader') throw new Error('this instance no longer holds the lease: write refused')
    }
    return {
      read: (key) => this.shared.read(key),
      write: async (key, value) => (fenced(), this.shared.write(key, value)),
      compareAndSet: async (key, expected, value) => (fenced(), this.shared.compareAndSet(key, expected, value)),
      delete: async (key) => (fenced(), this.shared.delete(key)),
    }
  }
  become(role: LeaseRole) {
    this.role = role
    this.emit('role', role)
  }
}

describe('xo digest: its open groups kept across restarts, redeploys and failovers', () => {
  let scope: CleanupScope
  let engines: FakeEngine[]
  let sent: XoDigest[]
  let warnings: string[]
  let dropped: string[]
  let lost: string[]
  let gaveUps: string[]
  beforeEach(() => {
    gaveUps = []
    dropped = []
    lost = []
    scope = new CleanupScope()
    engines = []
    sent = []
    warnings = []
  })
  afterEach(() => scope.close())

  const keeper = (store: StateStore, coordinator?: FakeCoordinator, more: Partial<DigestKeeperOptions> = {}) =>
    new DigestKeeper({
      key: KEY,
      store,
      coordinator,
      create: (send, droppedBy, gaveUp) => {
        const engine = new FakeEngine(send, droppedBy, gaveUp)
        engines.push(engine)
        return engine
      },
      send: (digest) => sent.push(digest),
      dropped: (reason, about) => dropped.push(`${reason}: ${about}`),
      gaveUp: (title) => gaveUps.push(title),
      scope,
      changed: () => {},
      warn: (message) => warnings.push(message),
      lost: (about, count) => lost.push(`${count} ${about}`),
      writeIntervalMs: 5,
      retryMs: 20,
      takeEveryMs: 10,
      ...more,
    })
  const stored = async (store: StateStore) => (await store.read<{ held: string[] }>(KEY))?.value.held

  describe('alone (the package state store)', () => {
    it('gives the engine what was kept before the first message; messages that come meanwhile wait', async () => {
      const store = new MemoryStateStore()
      await store.write(KEY, { held: ['before'] })
      // A read that takes its time: the message given meanwhile must come after what was kept.
      let release!: () => void
      const slow: StateStore = {
        read: async (key) => (await new Promise<void>((r) => (release = r)), store.read(key)),
        write: (key, value) => store.write(key, value),
        compareAndSet: (key, e, value) => store.compareAndSet(key, e, value),
        delete: (key) => store.delete(key),
      }
      const k = keeper(slow)
      assert.equal(k.role, 'loading')
      const added = k.add({ topic: 'during' })
      await new Promise((r) => setImmediate(r))
      assert.deepEqual(engines[0].held, [], 'nothing given to the engine while loading')
      release()
      assert.deepEqual(await added, { accepted: true, group: 'g' })
      assert.deepEqual(engines[0].held, ['before', 'during'])
      assert.equal(k.role, 'alone')
    })

    it('writes a moment after a change and after a send, and on close (a redeploy)', async () => {
      const store = new MemoryStateStore()
      const k = keeper(store)
      await k.add({ topic: 'a' })
      await waitFor(async () => (await stored(store))?.length === 1, { what: 'the group written' })
      engines[0].due()
      assert.deepEqual(
        sent.map((d) => d.title),
        ['a'],
      )
      await waitFor(async () => (await stored(store))?.length === 0, { what: 'the send written' })
      await k.add({ topic: 'b' })
      await scope.close(false)
      assert.deepEqual(await stored(store), ['b'], 'written on close, without waiting for the throttle')
      assert.ok(engines[0].stopped)
    })

    it('writes what a message refused or a problem given up changed: the next start neither tells nor gives it up again', async () => {
      const store = new MemoryStateStore()
      const k = keeper(store)
      await k.add({ topic: 'silenced problem' })
      await waitFor(async () => (await stored(store))?.length === 1, { what: 'the problem written' })
      await k.add({ topic: 'recovered while silenced' })
      await waitFor(async () => (await stored(store))?.length === 0, { what: 'the problem dropped, written' })
      await k.add({ topic: 'down for good' })
      await waitFor(async () => (await stored(store))?.length === 1, { what: 'the second problem written' })
      engines[0].giveUp()
      assert.deepEqual(gaveUps, ['down for good'])
      await waitFor(async () => (await stored(store))?.length === 0, { what: 'the give-up written' })
      assert.deepEqual(sent, [])
    })

    it('writes a send at once, once for every group sent in the same turn: a kill right after sends nothing again', async () => {
      const store = new MemoryStateStore()
      const writes: unknown[] = []
      const write = store.write.bind(store)
      store.write = async <T>(key: string, value: T) => (writes.push(value), write(key, value))
      // An interval far longer than the test: only a write that does not wait for it can land.
      const k = keeper(store, undefined, { writeIntervalMs: 60_000 })
      await k.add({ topic: 'a' })
      await waitFor(async () => (await stored(store))?.length === 1, { what: 'the group written' })
      await k.add({ topic: 'b' })
      writes.length = 0
      // Two groups due in the same turn of the event loop, each on its own timer.
      await new Promise<void>((resolve) => {
        setTimeout(() => engines[0].due(), 0)
        setTimeout(() => (engines[0].due(), resolve()), 0)
      })
      assert.equal(sent.length, 2)
      await waitFor(async () => (await stored(store))?.length === 0, { what: 'the sends written', timeoutMs: 500 })
      await new Promise((r) => setTimeout(r, 20))
      assert.equal(writes.length, 1, 'one write for the sends of one turn')
      // Killed right after (nothing closed): the next keeper on the same store has nothing to send again.
      const next = keeper(store)
      await next.add({ topic: 'c' })
      assert.deepEqual(engines[1].held, ['c'])
    })

    it('forgets what it kept when the node is removed', async () => {
      const store = new MemoryStateStore()
      const k = keeper(store)
      await k.add({ topic: 'a' })
      await waitFor(async () => (await stored(store))?.length === 1, { what: 'the group written' })
      await scope.close(true)
      assert.equal(await store.read(KEY), undefined)
    })

    it('starts empty, said in the log, when what was kept cannot be read', async () => {
      const store = new MemoryStateStore()
      const broken: StateStore = {
        read: async () => Promise.reject(new Error('disk gone')),
        write: (key, value) => store.write(key, value),
        compareAndSet: (key, e, value) => store.compareAndSet(key, e, value),
        delete: (key) => store.delete(key),
      }
      const k = keeper(broken)
      await k.add({ topic: 'a' })
      assert.deepEqual(engines[0].held, ['a'])
      assert.match(warnings.join('\n'), /could not read the open groups.*disk gone/)
    })
  })

  describe('with a Redis shared with another Node-RED', () => {
    it('a follower gathers, paused, sends and writes nothing', async () => {
      const coordinator = new FakeCoordinator()
      coordinator.become({ role: 'follower' })
      const k = keeper(new MemoryStateStore(), coordinator)
      assert.equal(k.role, 'following')
      await k.add({ topic: 'a' })
      assert.ok(engines[0].paused)
      engines[0].due()
      assert.deepEqual(sent, [], 'a follower sends nothing')
      await new Promise((r) => setTimeout(r, 20))
      assert.equal(await coordinator.shared.read(KEY), undefined)
      await scope.close(true)
      assert.deepEqual(warnings, [])
    })

    it('taking the lead: what the former leader left, then what came here meanwhile, sent from here on', async () => {
      const coordinator = new FakeCoordinator()
      await coordinator.shared.write(KEY, { held: ['left by the former leader'] })
      const k = keeper(new MemoryStateStore(), coordinator)
      await k.add({ topic: 'here meanwhile' })
      await k.add({ topic: 'seen before' })
      coordinator.become({ role: 'leader', token: 1 })
      assert.equal(k.role, 'loading')
      await k.add({ topic: 'after' })
      assert.equal(k.role, 'leading')
      const leading = engines[1]
      assert.ok(engines[0].stopped, 'the follower engine stopped')
      assert.ok(!leading.paused)
      assert.deepEqual(leading.held, ['left by the former leader', 'here meanwhile', 'after'])
      assert.deepEqual(dropped, ['duplicate: seen before'], 'a message dropped while following counted once')
      await waitFor(async () => (await stored(coordinator.shared))?.length === 3, { what: 'the shared state written' })
      leading.due()
      assert.equal(sent.length, 1)

      // Losing the lead: paused again, nothing more written; taking it back reads the shared state again.
      coordinator.become({ role: 'follower' })
      assert.equal(k.role, 'following')
      assert.ok(leading.paused)
      await k.add({ topic: 'while following' })
      await coordinator.shared.write(KEY, { held: ['from the other leader'] })
      coordinator.become({ role: 'leader', token: 2 })
      await k.add({ topic: 'back' })
      assert.deepEqual(engines[2].held, ['from the other leader', 'while following', 'back'])
      await scope.close(false)
      assert.deepEqual(await stored(coordinator.shared), ['from the other leader', 'while following', 'back'])
      assert.deepEqual(warnings, [])
    })

    it('taking the lead while the shared state cannot be read: follows, writes nothing over it, reads it again', async () => {
      const coordinator = new FakeCoordinator()
      await coordinator.shared.write(KEY, { held: ['left by the former leader'] })
      let failures = 1
      const read = coordinator.shared.read.bind(coordinator.shared)
      coordinator.shared.read = async <T>(key: string) => {
        if (failures-- > 0) throw new Error('Redis is not reachable')
        return read<T>(key)
      }
      const k = keeper(new MemoryStateStore(), coordinator)
      coordinator.become({ role: 'leader', token: 1 })
      await k.add({ topic: 'meanwhile' })
      assert.equal(k.role, 'following')
      assert.match(
        warnings.join('\n'),
        /could not read the open groups, trying again in a moment: Redis is not reachable/,
      )
      await waitFor(() => k.role === 'leading', { what: 'the lead taken once the state reads', timeoutMs: 2_000 })
      await k.add({ topic: 'after' })
      assert.deepEqual(engines.at(-1)?.held, ['left by the former leader', 'meanwhile', 'after'])
    })

    it('a lead lost while reading the shared state keeps the follower engine', async () => {
      const coordinator = new FakeCoordinator()
      const k = keeper(new MemoryStateStore(), coordinator)
      coordinator.become({ role: 'leader', token: 1 })
      coordinator.become({ role: 'follower' })
      await k.add({ topic: 'a' })
      assert.equal(k.role, 'following')
      assert.ok(engines[1].stopped, 'the engine made for the lead is dropped')
      assert.ok(engines[0].paused && !engines[0].stopped)
      assert.deepEqual(engines[0].held, ['a'])
    })
  })

  describe('a follower hands each message to the leader', () => {
    /** Two instances on one Redis: `a` leads, `b` follows; each with its own engines. */
    async function pair(more: Partial<DigestKeeperOptions> = {}) {
      const redis = new FakeRedis()
      const coordA = new FakeCoordinator(redis)
      const coordB = new FakeCoordinator(redis)
      coordA.become({ role: 'leader', token: 1 })
      coordB.become({ role: 'follower' })
      const a = keeper(new MemoryStateStore(), coordA, more)
      await waitFor(() => a.role === 'leading', { what: 'a leads' })
      const leading = engines.at(-1)!
      const b = keeper(new MemoryStateStore(), coordB, more)
      return { redis, coordA, coordB, a, b, leading, following: engines.at(-1)! }
    }
    const list = (redis: FakeRedis) => redis.lists.get(KEY) ?? []

    it("a message given to the follower is in the leader's engine while it lives, sent by it once", async () => {
      const { redis, coordA, coordB, b, leading, following } = await pair()
      await b.add({ topic: 'to b', _msgid: 'm1' })
      assert.deepEqual(following.held, ['to b'], 'the follower counts it in its figures')
      await waitFor(() => leading.held.includes('to b'), { what: "the message in the leader's engine" })
      assert.deepEqual(list(redis), [], 'taken off the list')
      await waitFor(async () => (await stored(redis.state))?.includes('to b'), { what: 'written at once' })
      leading.due()
      assert.deepEqual(
        sent.map((d) => d.title),
        ['to b'],
      )
      await waitFor(async () => (await stored(redis.state))?.length === 0, { what: 'the send written' })
      // The follower takes the lead: the message was handed over, not kept, so it is not gathered again.
      coordA.become({ role: 'follower' })
      coordB.become({ role: 'leader', token: 2 })
      await waitFor(() => b.role === 'leading', { what: 'b leads' })
      assert.deepEqual(engines.at(-1)!.held, [])
      assert.deepEqual(lost, [])
      assert.deepEqual(warnings, [])
    })

    it('keeps what it is given while Redis is unreachable (the oldest past its bound counted), hands it over once back', async () => {
      const { redis, coordB, b, leading } = await pair({ keepWhileFollowing: 2 })
      coordB.become({ role: 'unknown', reason: 'Redis not reachable' })
      for (const topic of ['1', '2', '3']) await b.add({ topic })
      await new Promise((r) => setTimeout(r, 30))
      assert.deepEqual(list(redis), [])
      assert.deepEqual(lost, ['1 the oldest of the messages kept for the leader while Redis was unreachable'])
      // Its lead known again, but a push that fails: kept, and tried again a moment later.
      redis.reachable = false
      coordB.become({ role: 'follower' })
      await new Promise((r) => setTimeout(r, 10))
      assert.deepEqual(leading.held, [])
      redis.reachable = true
      await waitFor(() => leading.held.length === 2, { what: 'what was kept reaching the leader' })
      assert.deepEqual(leading.held, ['2', '3'])
    })

    it('the list is bounded: what was cut is counted', async () => {
      const redis = new FakeRedis()
      const coordinator = new FakeCoordinator(redis)
      coordinator.become({ role: 'follower' })
      const b = keeper(new MemoryStateStore(), coordinator, { handOverAtMost: 2 })
      for (const topic of ['1', '2', '3']) await b.add({ topic })
      await waitFor(() => lost.length > 0, { what: 'the cut counted' })
      assert.deepEqual(lost, ['1 the oldest of the messages waiting in Redis for the leader'])
      assert.deepEqual(
        list(redis).map((json) => JSON.parse(json).msg.topic),
        ['2', '3'],
      )
    })

    it('a message that cannot travel as JSON is counted, not handed over', async () => {
      const redis = new FakeRedis()
      const coordinator = new FakeCoordinator(redis)
      coordinator.become({ role: 'follower' })
      const b = keeper(new MemoryStateStore(), coordinator)
      const payload: Record<string, unknown> = {}
      payload.self = payload
      await b.add({ topic: 'circular', payload })
      await b.add({ topic: 'plain' })
      await waitFor(() => list(redis).length === 1, { what: 'the plain one handed over' })
      assert.deepEqual(lost, ['1 a message that cannot be written as JSON, for the leader'])
    })

    it('taking the lead, it adds what waits in the list and what it kept here', async () => {
      const redis = new FakeRedis()
      const coordinator = new FakeCoordinator(redis)
      coordinator.become({ role: 'follower' })
      const b = keeper(new MemoryStateStore(), coordinator)
      await b.add({ topic: 'handed over' })
      await waitFor(() => list(redis).length === 1, { what: 'handed over' })
      coordinator.become({ role: 'unknown', reason: 'Redis not reachable' })
      await b.add({ topic: 'kept here' })
      coordinator.become({ role: 'leader', token: 3 })
      await b.add({ topic: 'leading' })
      assert.deepEqual(engines.at(-1)!.held, ['handed over', 'kept here', 'leading'])
      assert.deepEqual(list(redis), [])
    })

    it('closed, the leader takes nothing more; a follower that cannot hand over what it kept says so', async () => {
      const { redis, coordB, b, leading } = await pair()
      await b.add({ topic: 'for the leader' })
      await waitFor(() => leading.held.length === 1, { what: 'taken by the leader' })
      coordB.become({ role: 'unknown', reason: 'Redis not reachable' })
      await b.add({ topic: 'kept' })
      await scope.close(false)
      assert.ok(redis.lists.has(KEY), 'redeployed, not removed: the list stays')
      const takes = redis.takes
      await new Promise((r) => setTimeout(r, 50))
      assert.equal(redis.takes, takes, 'nothing taken once closed')
      assert.deepEqual(warnings, ['1 messages not handed to the leader: Redis is not reachable as it closes'])
    })

    it('a removed node deletes its list', async () => {
      const redis = new FakeRedis()
      const coordinator = new FakeCoordinator(redis)
      coordinator.become({ role: 'follower' })
      const b = keeper(new MemoryStateStore(), coordinator)
      await b.add({ topic: 'for the leader' })
      await waitFor(() => list(redis).length === 1, { what: 'handed over' })
      await scope.close(true)
      assert.ok(!redis.lists.has(KEY))
    })
  })
})
