import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { type CallClaim, type ClaimAnswer, Coordinator } from '../../src/coordination/coordinator'
import { LeadingObjects } from '../../src/events/leading-objects'
import { LeaderLease, type LeaseRole } from '../../src/coordination/leader-lease'
import { RedisLink } from '../../src/coordination/redis-link'
import { NotLeadingError, RedisStateStore } from '../../src/coordination/redis-state-store'
import { ObjectChange } from '../../src/events/change'
import { compileSelection, type EventSelection } from '../../src/events/selection'
import type { XoObject } from '../../src/xo/object-store'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { certificateFromTestCa, waitFor, waitForEvent } from '../support/node-red'
import { freePort } from '../support/ports'
import { TestRedis } from '../support/redis'

const quiet = { warn: () => {}, log: () => {} }

async function linkTo(redis: TestRedis): Promise<RedisLink> {
  const link = new RedisLink({ url: redis.url })
  link.start()
  if (!link.up) await waitForEvent(link, 'state')
  return link
}

describe('coordination through a real redis-server', function () {
  this.timeout(30_000)
  let redis: TestRedis
  const closing: Array<{ stop?: () => Promise<void>; close?: () => Promise<void> }> = []

  before(async () => {
    redis = await TestRedis.start()
  })
  // Everything a test started stops here whatever happened, each even if another failed to; a test that failed
  // while Redis was stopped leaves it running for the next one.
  const problems: unknown[] = []
  /** Stops what the tests started so far, each even if another failed to (said after the test). */
  async function closeAll(): Promise<void> {
    for (const thing of closing.splice(0))
      await (thing.stop ?? thing.close)!.call(thing).catch((error: unknown) => problems.push(error))
  }
  afterEach(async () => {
    await closeAll()
    if (!redis.running) await redis.launch()
    await redis.command('FLUSHALL')
    assert.deepEqual(problems.splice(0), [], 'stopping what the test started')
  })
  after(() => redis?.dispose())

  function coordinator(ttlMs = 1_000, identity = ['config-node', 'wss://xo/api/', 'http://lb']): Coordinator {
    const c = new Coordinator({ url: redis.url, identity, ttlMs, ...quiet })
    closing.push(c)
    c.start()
    return c
  }
  const roleOf = (c: Coordinator) => c.role.role

  it('elects one leader; the other takes over within the lease time once it dies, with a higher fencing token', async () => {
    const a = coordinator()
    await waitFor(() => roleOf(a) === 'leader', { what: 'a leads' })
    const b = coordinator()
    await waitFor(() => roleOf(b) === 'follower', { what: 'b follows' })
    const first = a.lease.token!
    // Death without a word: the link goes, nothing gives the lease back.
    const died = performance.now()
    await a.link.close()
    await waitFor(() => roleOf(b) === 'leader', { what: 'b takes over', timeoutMs: 5_000 })
    const failover = performance.now() - died
    assert.ok(failover < 1_000 + 300, `took over after ${Math.round(failover)} ms, lease 1,000 ms`)
    assert.ok(b.lease.token! > first)
    assert.equal(a.lease.leading, false)
  })

  it('hands over at once when the leader stops cleanly', async () => {
    const a = coordinator(10_000)
    await waitFor(() => roleOf(a) === 'leader', { what: 'a leads' })
    const b = coordinator(10_000)
    await waitFor(() => roleOf(b) === 'follower', { what: 'b follows' })
    const stopped = performance.now()
    await a.stop()
    await waitFor(() => roleOf(b) === 'leader', { what: 'b takes over', timeoutMs: 11_000 })
    assert.ok(performance.now() - stopped < 1_300)
  })

  it('a paused leader knows its lease ran out before it acts, and Redis refuses its writes (fencing)', async () => {
    let clock = 0
    const link = await linkTo(redis)
    closing.push(link)
    const paused = new LeaderLease({ link, key: 'xo-nr:t:lease', instance: 'paused', ttlMs: 1_000, now: () => clock })
    closing.push(paused)
    paused.start()
    await waitFor(() => paused.role.role === 'leader', { what: 'leads' })
    const store = new RedisStateStore(link, 'xo-nr:t:', () =>
      paused.holder ? { key: 'xo-nr:t:lease', holder: paused.holder } : undefined,
    )
    assert.equal(await store.write('cursor', { at: 1 }), 1)
    const heldBefore = `paused|${paused.token}`
    clock += 5_000 // SIGSTOP and SIGCONT: the monotonic clock went on
    assert.equal(paused.leading, false)
    await assert.rejects(store.write('cursor', { at: 2 }), NotLeadingError)
    // Even with the old holder string, once another instance holds the lease Redis refuses the write.
    await redis.command('SET', 'xo-nr:t:lease', 'other|99', 'PX', '10000')
    const stale = new RedisStateStore(link, 'xo-nr:t:', () => ({ key: 'xo-nr:t:lease', holder: heldBefore }))
    await assert.rejects(stale.write('cursor', { at: 3 }), NotLeadingError)
    assert.deepEqual((await store.read('cursor'))?.value, { at: 1 })
  })

  it('a leader whose lease ran out on its monotonic clock stops at once, before any timer: no event sent, Redis takes none of its writes', async () => {
    let t = 0
    const c = new Coordinator({
      url: redis.url,
      identity: ['config-node', 'wss://xo/api/', 'http://lb'],
      ttlMs: 10_000,
      now: () => t,
      ...quiet,
    })
    closing.push(c)
    // XO's objects as this instance sees them, and an xo-events node on VM power changes leading through the lease.
    const objects = Object.assign(new EventEmitter(), {
      loaded: true,
      map: new Map<string, XoObject>(),
      keeps: () => true,
      get(id: string) {
        return this.map.get(id)
      },
      values() {
        return this.map.values()
      },
    })
    const change = (power_state: string) => {
      const object = { id: 'vm1', type: 'VM', name_label: 'vm1', power_state, $pool: 'p' } as unknown as XoObject
      const previous = objects.map.get(object.id)
      objects.map.set(object.id, object)
      return new ObjectChange('enter', object, previous, (id) => objects.map.get(id))
    }
    change('Halted')
    const config = { types: ['VM'], events: ['started', 'stopped'] }
    const selection = compileSelection(config) as EventSelection
    const snapshot = c.snapshot('events')
    const node = new LeadingObjects({
      snapshot,
      lease: c.lease,
      objects,
      needs: ['VM'],
      selection,
      config,
      server: () => 'wss://xo/api/',
      found: () => {},
      fresh: () => {},
      onRole: () => {},
      ...quiet,
    })
    const sent: string[] = []
    const see = (observed: ObjectChange) => {
      if (!node.accept(observed)) return
      for (const e of selection.select(observed, (id) => objects.map.get(id))) sent.push(e.event)
      node.sent(observed)
    }
    const recorded = async () =>
      (JSON.parse((await redis.bulk('HGET', `${c.prefix}objects:events`, 'vm1')) ?? '{}') as { o?: XoObject }).o
        ?.power_state
    try {
      node.start()
      c.start()
      await waitFor(() => node.leading, { what: 'leads' })
      see(change('Running'))
      assert.deepEqual(sent, ['started'])
      await waitFor(async () => (await recorded()) === 'Running', { what: 'the sent state recorded in Redis' })
      const cursor = c.leaderState()
      assert.equal(await cursor.write('cursor', { at: 1 }), 1)

      // Paused, then resumed: its monotonic clock went past the lease (10 s less a 500 ms margin), while Redis still
      // holds the key for it (no real time went by) and none of its timers has fired yet.
      t = 9_500
      assert.equal(c.role.role, 'leader', 'no timer fired: the role alone still says leader')
      assert.equal(c.lease.token, undefined)
      assert.equal(await redis.bulk('GET', `${c.prefix}lease`), `${c.instance}|1`, 'Redis still holds the lease for it')
      see(change('Halted'))
      assert.deepEqual(sent, ['started'], 'an event sent by a leader whose lease is over')
      await assert.rejects(cursor.write('cursor', { at: 2 }), NotLeadingError)
      await assert.rejects(snapshot.apply(['vm1', '{"t":1,"o":null}']), NotLeadingError)
      assert.deepEqual((await cursor.read('cursor'))?.value, { at: 1 })
      assert.equal(await recorded(), 'Running')
    } finally {
      await node.close(false)
    }
  })

  it('keeps state with versions and compare-and-set across instances', async () => {
    const link = await linkTo(redis)
    closing.push(link)
    const store = new RedisStateStore(link, 'xo-nr:s:')
    assert.equal(await store.read('k'), undefined)
    assert.equal(await store.compareAndSet('k', undefined, { n: 1 }), 1)
    assert.equal(await store.compareAndSet('k', undefined, { n: 2 }), undefined)
    const results = await Promise.all([1, 2, 3, 4].map((n) => store.compareAndSet('k', 1, { n })))
    assert.equal(results.filter((r) => r === 2).length, 1)
    await store.delete('k')
    assert.equal(await store.read('k'), undefined)
  })

  /** The claim an answer carries, failing the test when the answer is not 'mine'. */
  function mine(answer: ClaimAnswer | undefined): CallClaim {
    assert.equal(answer?.state, 'mine', `claimed: ${JSON.stringify(answer)}`)
    return (answer as { claim: CallClaim }).claim
  }

  it('claims a call for one claimer at a time, in one step: the others see it held, then emitted once it went out', async () => {
    const a = coordinator()
    const b = coordinator()
    await waitFor(() => a.link.up && b.link.up, { what: 'both linked' })
    const claim = mine(await a.claim('n', 'call-1', 60_000))
    // Checking and claiming are one step: of four claims at once, one wins.
    const rivals = await Promise.all([a, b, a, b].map((c) => c.claim('n', 'call-2', 60_000)))
    assert.equal(rivals.filter((r) => r.state === 'mine').length, 1)
    const held = await b.claim('n', 'call-1', 60_000)
    assert.equal(held.state, 'held', 'the other instance waits while the claim holds')
    assert.ok(
      (held as { retryMs: number }).retryMs > 0 && (held as { retryMs: number }).retryMs <= 1_000,
      'for at most the claim time',
    )
    // Another part of the same instance (its catch-up, while a live delivery is claimed) waits too.
    assert.equal(
      (await a.claim('n', 'call-1', 60_000)).state,
      'held',
      'another claim of the same instance took the call for its own',
    )
    assert.equal(await claim.confirm(), true)
    claim.sent()
    await waitFor(async () => (await b.claim('n', 'call-1', 60_000)).state === 'sent', {
      what: 'call-1 emitted, for the other instance',
    })
  })

  it('a claimer paused past its claim finds, once resumed, that the other gave the call: it never emits it too', async () => {
    let clock = 0
    // A claim time long enough that no renewal runs while the test plays the pause (a paused process renews nothing).
    const paused = new Coordinator({
      url: redis.url,
      identity: ['config-node', 'wss://xo/api/', 'http://lb'],
      ttlMs: 10_000,
      now: () => clock,
      ...quiet,
    })
    closing.push(paused)
    paused.start()
    const other = coordinator()
    await waitFor(() => paused.link.up && other.link.up, { what: 'both linked' })
    const claim = mine(await paused.claim('n', 'call-1', 60_000))
    assert.equal(claim.valid, true)
    // SIGSTOP, then SIGCONT: its monotonic clock went on, and in Redis the claim ran out.
    clock += 20_000
    await redis.command('PEXPIRE', `${paused.prefix}call:n:call-1`, '1')
    await waitFor(async () => (await redis.command('EXISTS', `${paused.prefix}call:n:call-1`)).includes(':0'), {
      what: 'the claim run out in Redis',
    })
    assert.equal(claim.valid, false, 'a claim past its time does not count')
    // Meanwhile the other instance's catch-up took the call and gave it.
    const given = mine(await other.claim('n', 'call-1', 60_000))
    assert.equal(await given.confirm(), true)
    given.sent()
    await waitFor(async () => (await redis.bulk('GET', `${paused.prefix}call:n:call-1`))?.startsWith('sent|'), {
      what: 'recorded as sent',
    })
    assert.equal(await claim.confirm(), false, 'the resumed claimer would emit the call a second time')
    // Still held by the other (it was about to emit when this one resumed): not this one's either.
    const third = mine(await other.claim('n', 'call-2', 60_000))
    const late = mine(await paused.claim('n', 'call-3', 60_000))
    clock += 20_000
    await redis.command('PEXPIRE', `${paused.prefix}call:n:call-3`, '1')
    await waitFor(async () => (await redis.command('EXISTS', `${paused.prefix}call:n:call-3`)).includes(':0'), {
      what: 'the claim of call-3 run out',
    })
    mine(await other.claim('n', 'call-3', 60_000))
    assert.equal(await late.confirm(), false, 'a call another claim holds')
    assert.equal(third.valid, true)
  })

  it('a claim past its time that nobody took is taken again: a paused claimer still emits the call, none lost', async () => {
    let clock = 0
    const c = new Coordinator({
      url: redis.url,
      identity: ['config-node', 'wss://xo/api/', 'http://lb'],
      ttlMs: 10_000,
      now: () => clock,
      ...quiet,
    })
    closing.push(c)
    c.start()
    await waitFor(() => c.link.up, { what: 'linked' })
    const claim = mine(await c.claim('n', 'call-1', 60_000))
    clock += 20_000
    await redis.command('PEXPIRE', `${c.prefix}call:n:call-1`, '1')
    await waitFor(async () => (await redis.command('EXISTS', `${c.prefix}call:n:call-1`)).includes(':0'), {
      what: 'the claim run out in Redis',
    })
    assert.equal(await claim.confirm(), true)
    assert.equal(claim.valid, true)
    assert.match((await redis.bulk('GET', `${c.prefix}call:n:call-1`)) ?? '', /^held\|/, 'claimed again')
  })

  it('a claimer that runs keeps its claim past the claim time (a delivery waiting for its objects): the other waits', async () => {
    const a = coordinator()
    const b = coordinator()
    await waitFor(() => a.link.up && b.link.up, { what: 'both linked' })
    const monitor = await redis.monitor()
    closing.push({ stop: () => monitor.stop() })
    const claim = mine(await a.claim('n', 'call-1', 60_000))
    // Prolonged every third of its 1,000 ms: four renewals span more than the claim time.
    await waitFor(
      () => monitor.lines.filter((line) => line.includes('"EVAL"') && line.includes(claim.claimer)).length >= 5,
      { what: 'four renewals', timeoutMs: 10_000 },
    )
    assert.equal(claim.valid, true)
    assert.equal((await b.claim('n', 'call-1', 60_000)).state, 'held')
    claim.sent()
    await waitFor(async () => (await b.claim('n', 'call-1', 60_000)).state === 'sent', { what: 'sent' })
    const renewals = monitor.lines.filter((line) => line.includes(claim.claimer)).length
    assert.equal(await claim.confirm(), false, 'a claim sent is spent')
    assert.equal(monitor.lines.filter((line) => line.includes(claim.claimer)).length, renewals, 'prolonged once sent')
  })

  it('a claimer that dies before its message went out lets the call go: the catch-up claims it once the claim runs out', async () => {
    const dying = coordinator()
    const survivor = coordinator()
    await waitFor(() => dying.link.up && survivor.link.up, { what: 'both linked' })
    mine(await dying.claim('n', 'call-1', 60_000))
    await dying.link.close()
    const held = await survivor.claim('n', 'call-1', 60_000)
    assert.equal(held.state, 'held')
    // The survivor's catch-up tries again until the dead claimer's claim ran out (within the claim time).
    const retried = performance.now()
    await waitFor(async () => (await survivor.claim('n', 'call-1', 60_000)).state === 'mine', {
      what: 'the call claimed by the survivor',
    })
    assert.ok(performance.now() - retried < 5_000)
  })

  it('a claim given back unused is free for the other at once', async () => {
    const a = coordinator(10_000)
    const b = coordinator(10_000)
    await waitFor(() => a.link.up && b.link.up, { what: 'both linked' })
    const claim = mine(await a.claim('n', 'call-1', 60_000))
    claim.release()
    await waitFor(async () => (await b.claim('n', 'call-1', 60_000)).state === 'mine', { what: 'the call free for b' })
  })

  it('a claimer cut off from Redis when its claim runs out waits for Redis rather than emitting unclaimed', async () => {
    let clock = 0
    const c = new Coordinator({
      url: redis.url,
      identity: ['config-node', 'wss://xo/api/', 'http://lb'],
      ttlMs: 1_000,
      now: () => clock,
      ...quiet,
    })
    closing.push(c)
    c.start()
    await waitFor(() => c.link.up, { what: 'linked' })
    const claim = mine(await c.claim('n', 'call-1', 60_000))
    await redis.stop()
    await waitFor(() => !c.link.up, { what: 'Redis gone' })
    clock += 5_000
    let tries = 0
    const command = c.link.command.bind(c.link)
    c.link.command = ((...args: Parameters<typeof command>) => {
      tries++
      return command(...args)
    }) as typeof command
    let answered: boolean | undefined
    const confirming = claim.confirm().then((answer) => (answered = answer))
    await waitFor(() => tries >= 2, { what: 'the claim asked again' })
    assert.equal(answered, undefined, 'answered while Redis was away')
    await redis.launch()
    // Nobody took the call meanwhile: claimed again, still this claimer's to emit.
    assert.equal(await confirming, true)
  })

  it('records calls emitted unclaimed (while Redis was away) once it is back', async () => {
    const a = coordinator()
    const b = coordinator()
    await waitFor(() => a.link.up && b.link.up, { what: 'both linked' })
    await redis.stop()
    await waitFor(() => !a.link.up, { what: 'a sees Redis gone' })
    a.recordEmitted('n', 'call-2', 60_000)
    await assert.rejects(b.claim('n', 'call-2', 60_000), /not reachable/, 'the catch-up waits rather than guesses')
    await redis.launch()
    await waitFor(async () => (await b.claim('n', 'call-2', 60_000).catch(() => undefined))?.state === 'sent', {
      what: 'call-2 recorded once Redis is back',
    })
  })

  it('hands a pre to the instance that gets its post, once, and claims the call in the same round trip', async () => {
    const a = coordinator()
    const b = coordinator()
    await waitFor(() => a.link.up && b.link.up, { what: 'both linked' })
    const pre = '{"callId":"c1","type":"pre"}'
    a.sharePre('n', 'vm.start:c1', pre, 60_000)
    await waitFor(async () => (await redis.command('EXISTS', `${a.prefix}pre:n:vm.start:c1`)).includes(':1'), {
      what: 'the pre in Redis',
    })
    const first = await b.postArrived('n', 'c1', 'vm.start:c1', 60_000)
    assert.equal(first.pre, pre)
    const claim = mine(first.claim)
    const again = await a.postArrived('n', 'c1', 'vm.start:c1', 60_000)
    assert.equal(again.pre, undefined, 'the pre is taken once')
    assert.equal(again.claim?.state, 'held', 'a call claimed by the other instance')
    assert.equal(await claim.confirm(), true)
    claim.sent()
    await waitFor(async () => (await a.postArrived('n', 'c1', 'vm.start:c1', 60_000)).claim?.state === 'sent', {
      what: 'a late delivery of c1 seen as emitted',
    })
    assert.deepEqual(await a.postArrived('n', 'c1', 'vm.start:c1', undefined), {}, 'nothing claimed without catch-up')
  })

  it('never lets two instances inside the registrar lock at once', async () => {
    const a = coordinator()
    const b = coordinator()
    await waitFor(() => a.link.up && b.link.up, { what: 'both linked' })
    let inside = 0
    let most = 0
    const work = async () => {
      inside++
      most = Math.max(most, inside)
      await new Promise((resolve) => setTimeout(resolve, 20))
      inside--
    }
    await Promise.all([1, 2, 3, 4, 5].flatMap(() => [a.withLock('registrar', work), b.withLock('registrar', work)]))
    assert.equal(most, 1)
  })

  it('says unknown, never leader, while Redis cannot be reached', async () => {
    await redis.stop()
    const roles: LeaseRole[] = []
    const c = coordinator()
    c.on('role', (role: LeaseRole) => roles.push(role))
    await waitFor(() => roles.length > 0, { what: 'a role' })
    assert.equal(roleOf(c), 'unknown')
    await redis.launch()
    await waitFor(() => roleOf(c) === 'leader', { what: 'leads once Redis is there', timeoutMs: 10_000 })
  })

  it('says a wrong password in a few words, and works with the right one', async () => {
    const locked = await TestRedis.start(['--requirepass', 'right-password'])
    try {
      const wrong = new RedisLink({ url: locked.url, password: 'wrong' })
      closing.push(wrong)
      wrong.start()
      await waitFor(() => !wrong.up && /wrong or missing password/.test((wrong.state as { reason: string }).reason), {
        what: 'the reason',
      })
      const right = new RedisLink({ url: locked.url, password: 'right-password' })
      closing.push(right)
      right.start()
      await waitFor(() => right.up, { what: 'signed in' })
      assert.equal(await right.command('PING'), 'PONG')
    } finally {
      await closeAll()
      await locked.dispose()
    }
  })

  it('speaks TLS (rediss://) trusting a CA of its own, verified: an unknown certificate is refused', async () => {
    const pair = certificateFromTestCa()
    const tlsPort = await freePort()
    const dir = mkdtempSync(path.join(tmpdir(), 'xo-redis-tls-'))
    for (const [name, pem] of [
      ['cert.pem', pair.cert],
      ['key.pem', pair.key],
      ['ca.pem', pair.ca],
    ])
      writeFileSync(path.join(dir, name), pem, { mode: 0o600 })
    const secured = await TestRedis.start([
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      path.join(dir, 'cert.pem'),
      '--tls-key-file',
      path.join(dir, 'key.pem'),
      '--tls-ca-cert-file',
      path.join(dir, 'ca.pem'),
      '--tls-auth-clients',
      'no',
    ])
    try {
      const trusted = new RedisLink({ url: `rediss://127.0.0.1:${tlsPort}`, ca: pair.ca })
      closing.push(trusted)
      trusted.start()
      await waitFor(() => trusted.up, { what: 'a TLS connection with the CA', timeoutMs: 10_000 })
      assert.equal(await trusted.command('PING'), 'PONG')
      const unknown = new RedisLink({ url: `rediss://127.0.0.1:${tlsPort}` })
      closing.push(unknown)
      unknown.start()
      await waitFor(() => /certificate|self.signed|verify/i.test((unknown.state as { reason?: string }).reason ?? ''), {
        what: 'a refused certificate',
        timeoutMs: 10_000,
      })
      assert.equal(unknown.up, false)
    } finally {
      await closeAll()
      await secured.dispose()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
