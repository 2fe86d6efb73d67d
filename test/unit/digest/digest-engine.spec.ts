import assert from 'node:assert/strict'
import {
  callMessage,
  eventMessage,
  hookMessage,
  hostDown,
  hostUp,
  scenarioBodies,
  vmCreated,
} from '../../support/destination-messages'
import {
  engineOn,
  FakeClock,
  HOUR,
  hookCall,
  hostPower,
  MINUTE,
  POOL,
  POOL_ID,
  SECOND,
  vm,
  vmPower,
} from '../../support/digest-messages'

describe('DigestEngine: when groups are sent (Alertmanager timers)', () => {
  let clock: FakeClock
  beforeEach(() => {
    clock = new FakeClock()
  })

  it('waits group_wait before a new group is first sent, then sends everything gathered meanwhile in one digest', () => {
    const { engine, sent } = engineOn(clock)
    for (let n = 1; n <= 12; n++) {
      assert.deepEqual(engine.add(hookCall('vm.start', vm(n), { time: clock.now() })), {
        accepted: true,
        group: `kind=vm.start|pool=${POOL_ID}`,
      })
      clock.advance(500)
    }
    clock.advance(10 * SECOND - 12 * 500 - 1)
    assert.equal(sent.length, 0, 'nothing before the group wait')
    clock.advance(1)
    assert.equal(sent.length, 1)
    const [digest] = sent
    assert.equal(digest.count, 12)
    assert.equal(digest.newCount, 12)
    assert.deepEqual(digest.counts, { 'vm.start': 12 })
    assert.equal(digest.status, 'firing')
    assert.equal(digest.severity, 'info')
    assert.deepEqual(digest.labels, { kind: 'vm.start', pool: 'fake-pool' })
    assert.equal(digest.id, `kind=vm.start|pool=${POOL_ID}@2026-11-30T08:00:00.000Z#0`)
    assert.equal(digest.items[0].title, 'admin@admin.net started VM web-01 on pool fake-pool')
  })

  it('then sends at most once per group_interval while the group changes', () => {
    const { engine, sent } = engineOn(clock)
    engine.add(hookCall('vm.start', vm(1), { time: clock.now() }))
    clock.advance(10 * SECOND)
    assert.equal(sent.length, 1)
    clock.advance(1 * MINUTE)
    engine.add(hookCall('vm.start', vm(2), { time: clock.now() }))
    clock.advance(1 * MINUTE)
    engine.add(hookCall('vm.start', vm(3), { time: clock.now() }))
    clock.advance(5 * MINUTE - 2 * MINUTE - 1)
    assert.equal(sent.length, 1, 'not before the interval since the last send')
    clock.advance(1)
    assert.equal(sent.length, 2)
    assert.equal(sent[1].count, 3)
    assert.equal(sent[1].newCount, 2)
    assert.equal(sent[1].id, `${sent[0].group}@2026-11-30T08:00:00.000Z#1`)
  })

  it('closes an info group once sent and quiet for a group_interval: a later message opens a new one', () => {
    const { engine, sent } = engineOn(clock)
    engine.add(vmCreated())
    clock.advance(10 * SECOND)
    assert.deepEqual(engine.stats(), { groups: 1, held: 0, sent: 1, dropped: 0 })
    clock.advance(5 * MINUTE)
    assert.equal(engine.stats().groups, 0)
    assert.equal(sent.length, 1, 'an unchanged info group is not sent again')
    engine.add(hookCall('vm.start', vm(1), { time: clock.now() }))
    engine.add(hookCall('vm.start', vm(2), { time: clock.now() }))
    assert.deepEqual(engine.stats(), { groups: 1, held: 2, sent: 1, dropped: 0 })
  })

  it('sends an unchanged group with open problems again after repeat_interval, not before', () => {
    const { engine, sent } = engineOn(clock)
    engine.add(hostDown())
    clock.advance(10 * SECOND)
    assert.equal(sent.length, 1)
    assert.equal(sent[0].severity, 'problem')
    assert.equal(sent[0].open, 1)
    clock.advance(4 * HOUR - 1)
    assert.equal(sent.length, 1)
    clock.advance(1)
    assert.equal(sent.length, 2)
    assert.equal(sent[1].status, 'firing')
    assert.equal(sent[1].newCount, 0)
    clock.advance(4 * HOUR)
    assert.equal(sent.length, 3)
  })

  it('gives each incident of a group its own ids, its key kept: a host down twice is two incidents', () => {
    const { engine, sent } = engineOn(clock)
    // Five hours apart: XO's object stream tells the same change of the host by the same event id.
    for (const hours of [0, 5]) {
      clock.advance(hours * HOUR)
      engine.add(hostDown())
      clock.advance(10 * SECOND)
      engine.add(hostUp())
      clock.advance(5 * MINUTE)
    }
    assert.deepEqual(
      sent.map((d) => [d.status, d.group, d.id]),
      [
        [
          'firing',
          `kind=host.down|pool=${POOL_ID}|problem`,
          `kind=host.down|pool=${POOL_ID}|problem@2026-11-30T08:00:00.000Z#0`,
        ],
        [
          'resolved',
          `kind=host.down|pool=${POOL_ID}|problem`,
          `kind=host.down|pool=${POOL_ID}|problem@2026-11-30T08:00:00.000Z#1`,
        ],
        [
          'firing',
          `kind=host.down|pool=${POOL_ID}|problem`,
          `kind=host.down|pool=${POOL_ID}|problem@2026-11-30T13:05:10.000Z#0`,
        ],
        [
          'resolved',
          `kind=host.down|pool=${POOL_ID}|problem`,
          `kind=host.down|pool=${POOL_ID}|problem@2026-11-30T13:05:10.000Z#1`,
        ],
      ],
    )
  })

  it('stops repeating an open problem nothing recovered after repeat-for, and says so', () => {
    const gaveUp: string[] = []
    const { engine, sent } = engineOn(clock, { repeatForMs: 24 * HOUR, gaveUp: (title) => gaveUp.push(title) })
    engine.add(vmPower('stopped', 1))
    clock.advance(10 * SECOND)
    clock.advance(24 * HOUR - 10 * SECOND - 1)
    assert.equal(sent.length, 6, 'first sent, then every 4 h')
    assert.deepEqual(gaveUp, [])
    clock.advance(1)
    assert.deepEqual(gaveUp, ['VM web-01 stopped on pool fake-pool'])
    assert.equal(engine.stats().groups, 0, 'closed')
    clock.advance(2 * 24 * HOUR)
    assert.equal(sent.length, 6, 'never sent again, not even resolved')
    assert.equal(engine.add(vmPower('started', 1)).accepted, true, 'a recovery coming later is news of its own')
  })

  it('a new message starts repeat-for again; 0 repeats as long as the problem is open', () => {
    const gaveUp: string[] = []
    const { engine } = engineOn(clock, { repeatForMs: 24 * HOUR, gaveUp: (title) => gaveUp.push(title) })
    engine.add(vmPower('stopped', 1))
    clock.advance(20 * HOUR)
    engine.add(vmPower('stopped', 2))
    clock.advance(24 * HOUR - 1)
    assert.deepEqual(gaveUp, [])
    clock.advance(1)
    assert.equal(gaveUp.length, 1)
    const always = engineOn(clock, { repeatForMs: 0 })
    always.engine.add(vmPower('stopped', 3))
    clock.advance(10 * 24 * HOUR)
    assert.equal(always.sent.length, 60, 'first sent, then every 4 h for ten days')
  })

  it('news in a group waiting for its repeat goes out at the next interval', () => {
    const { engine, sent } = engineOn(clock)
    engine.add(hostDown())
    clock.advance(10 * SECOND)
    clock.advance(12 * MINUTE)
    engine.add(hostPower('down', 'host-3'))
    clock.advance(3 * MINUTE - 1)
    assert.equal(sent.length, 1)
    clock.advance(1)
    assert.equal(sent.length, 2, 'at 15 min after the first send, the third interval')
    assert.equal(sent[1].open, 2)
  })

  it('uses one timer whatever the number of open groups', () => {
    const { engine } = engineOn(clock, { groupBy: ['kind', 'property:payload.id'] })
    for (let n = 0; n < 1000; n++) engine.add(vmPower('started', n))
    assert.equal(engine.stats().groups, 1000)
    assert.equal(clock.pending, 1)
  })
})

describe('DigestEngine: problems and their recoveries', () => {
  let clock: FakeClock
  beforeEach(() => {
    clock = new FakeClock()
  })

  it('sends "resolved" once when every problem of a group recovered, then closes it', () => {
    const { engine, sent } = engineOn(clock)
    engine.add(hostDown())
    clock.advance(10 * SECOND)
    clock.advance(1 * MINUTE)
    // host.up is not grouped under its own kind: it goes to the group of the problem it recovers.
    assert.deepEqual(engine.add(hostUp()), { accepted: true, group: `kind=host.down|pool=${POOL_ID}|problem` })
    clock.advance(4 * MINUTE)
    assert.equal(sent.length, 2)
    assert.equal(sent[1].status, 'resolved')
    assert.equal(sent[1].open, 0)
    assert.equal(sent[1].title, 'Host xcp-host-2 went down on pool fake-pool, all back up')
    assert.deepEqual(sent[1].counts, { 'host.down': 1, 'host.up': 1 })
    assert.equal(engine.stats().groups, 0)
    clock.advance(5 * HOUR)
    assert.equal(sent.length, 2, 'never sent again')
  })

  it("takes a recovery told twice once: a host's start call and its coming up are one recovery", () => {
    const { engine, sent } = engineOn(clock)
    const host2 = { id: hostDown().payload.id, type: 'host', name: 'xcp-host-2', pool: POOL }
    engine.add(hostDown())
    clock.advance(1 * MINUTE)
    assert.equal(engine.add(hostUp()).accepted, true)
    assert.deepEqual(engine.add(hookCall('host.start', host2, { time: clock.now() })), {
      accepted: false,
      reason: 'duplicate',
    })
    clock.advance(5 * MINUTE)
    assert.deepEqual(
      sent.map((d) => d.status),
      ['firing', 'resolved'],
      'no news of its own for the second telling',
    )
  })

  it('takes the second telling of a recovery once, from the other source only', () => {
    const { engine } = engineOn(clock)
    const host2 = { id: hostDown().payload.id, type: 'host', name: 'xcp-host-2', pool: POOL }
    engine.add(hostDown())
    engine.add(hostUp())
    assert.deepEqual(engine.add(hookCall('host.start', host2, { time: clock.now() })), {
      accepted: false,
      reason: 'duplicate',
    })
    clock.advance(1 * SECOND)
    assert.equal(engine.add(hookCall('host.start', host2, { time: clock.now() })).accepted, true, 'told once only')
    const host3 = { id: 'host-3', type: 'host', name: 'xcp-host-3', pool: POOL }
    engine.add(hostPower('down', 'host-3'))
    engine.add(hookCall('host.start', host3, { time: clock.now() }))
    assert.deepEqual(engine.add(hostPower('up', 'host-3')), { accepted: false, reason: 'duplicate' }, 'call first')
  })

  it('a recovery of the same source again is news, not a duplicate: a VM started twice, calls succeeding', () => {
    const { engine, dropped } = engineOn(clock)
    engine.add(vmPower('stopped', 1))
    engine.add(vmPower('started', 1, { version: 1 }))
    engine.add(hookCall('vm.stop', vm(1), { time: clock.now() }))
    engine.add(vmPower('stopped', 1, { version: 2 }))
    assert.equal(engine.add(vmPower('started', 1, { version: 3 })).accepted, true, 'started again, on purpose')
    const token = (n: number, ok = true) =>
      hookMessage({
        callId: `t-${n}`,
        userId: 'u1',
        userName: 'admin@admin.net',
        userIp: '127.0.0.1',
        method: 'token.create',
        params: { description: 'ci' },
        timestamp: clock.now() + n,
        duration: 9,
        type: 'post',
        ...(ok ? { result: `token-${n}` } : { error: { message: 'too many tokens' } }),
      } as never)
    engine.add(token(0, false))
    for (let n = 1; n <= 3; n++) assert.equal(engine.add(token(n)).accepted, true, `token.create ${n}`)
    assert.deepEqual(dropped, [])
  })

  it('stays firing while some problems are open: "3 hosts went down on pool A, 2 back up"', () => {
    const { engine, sent } = engineOn(clock)
    for (const id of ['h1', 'h2', 'h3']) engine.add(hostPower('down', id))
    engine.add(hostPower('up', 'h1'))
    engine.add(hostPower('up', 'h2'))
    clock.advance(10 * SECOND)
    assert.equal(sent[0].status, 'firing')
    assert.equal(sent[0].open, 1)
    assert.equal(sent[0].title, '3 hosts went down on pool fake-pool, 2 back up')
  })

  it('pairs a failed call with the same method succeeding on the same object, not on another', () => {
    const { engine, sent } = engineOn(clock)
    const failed = engine.add(hookCall('vm.start', vm(1), { ok: false, time: clock.now() }))
    const other = engine.add(hookCall('vm.start', vm(2), { time: clock.now() + 1 }))
    assert.equal(failed.accepted && failed.group, `kind=vm.start|pool=${POOL_ID}|problem`, 'problems group apart')
    assert.equal(other.accepted && other.group, `kind=vm.start|pool=${POOL_ID}`)
    clock.advance(10 * SECOND)
    const problem = sent.find((d) => d.severity === 'problem')!
    assert.equal(problem.open, 1)
    assert.equal(problem.title, 'vm.start failed for VM web-01 on pool fake-pool by admin@admin.net')
    engine.add(hookCall('vm.start', vm(1), { time: clock.now() }))
    clock.advance(5 * MINUTE)
    const resolved = sent.filter((d) => d.status === 'resolved')
    assert.equal(resolved.length, 1)
    assert.equal(resolved[0].group, problem.group)
  })

  it("recovers a failure that made no object (user.create, vm.create) by its method's next success by the same caller", () => {
    const { engine, sent } = engineOn(clock)
    // XO's own posts: a user.create refused (the user exists), then one that made the user.
    const posts = scenarioBodies().filter(({ body }) => body.method === 'user.create' && body.type === 'post')
    const failed = posts.find(({ scenario }) => scenario.includes('error'))!.body
    const made = posts.find(({ scenario }) => scenario.includes('success'))!.body
    engine.add(hookMessage(failed))
    clock.advance(10 * SECOND)
    assert.equal(sent[0].title, 'user.create failed by admin@admin.net')
    engine.add(hookMessage(made))
    clock.advance(5 * MINUTE)
    assert.deepEqual(
      sent.map((d) => [d.status, d.title]),
      [
        ['firing', 'user.create failed by admin@admin.net'],
        ['resolved', 'user.create failed by admin@admin.net, all succeeded since'],
      ],
    )
    clock.advance(4 * HOUR)
    assert.equal(sent.filter((d) => d.severity === 'problem').length, 2, 'not repeated')
  })

  it("a failed vm.create is recovered by the caller's next vm.create, not another's; xo-call's by anyone's", () => {
    const { engine, sent } = engineOn(clock)
    // xo-hook's post of a vm.create as XO sends it: the template a parameter, the new VM's id its result.
    const create = (n: number, ok: boolean, user = 'u1') =>
      hookMessage({
        callId: `c-${n}`,
        userId: user,
        userName: `${user}@example.net`,
        userIp: '127.0.0.1',
        method: 'vm.create',
        params: { template: 'template-1', name_label: `web-0${n}` },
        timestamp: clock.now() + n,
        duration: 900,
        type: 'post',
        ...(ok ? { result: `vm-${n}` } : { error: { message: 'SR_FULL' } }),
      } as never)
    const xoCall = (error?: { name: string; message: string }) =>
      callMessage('vm.create', { name_label: 'web-09' }, 'vm-9', error)
    assert.ok(engine.add(create(1, false)).accepted)
    assert.ok(engine.add(xoCall({ name: 'Error', message: 'no space left' }) as never).accepted)
    engine.add(create(2, true, 'u2'))
    clock.advance(10 * SECOND)
    const problem = sent.find((d) => d.severity === 'problem')!
    assert.equal(problem.open, 1, "another caller's success recovers xo-call's failure only")
    assert.equal(problem.title, 'vm.create failed, 1 succeeded since')
    engine.add(create(3, true))
    clock.advance(5 * MINUTE)
    assert.deepEqual(
      sent.filter((d) => d.severity === 'problem').map((d) => [d.status, d.open]),
      [
        ['firing', 1],
        ['resolved', 0],
      ],
    )
  })

  it('gathers the same problem again into the incident still open for it, whatever its labels', () => {
    const { engine, sent } = engineOn(clock, { groupBy: ['user'] })
    const first = engine.add(hookCall('vm.start', vm(1), { ok: false, time: clock.now() }))
    const other = hookCall('vm.start', vm(1), { ok: false, time: clock.now() + 1 })
    ;(other.xo as { user: unknown }).user = { id: 'u2', name: 'ops@example.net' }
    assert.deepEqual(engine.add(other), first)
    engine.add(hookCall('vm.start', vm(1), { time: clock.now() + 2 }))
    clock.advance(10 * SECOND)
    assert.equal(sent.length, 1)
    assert.equal(sent[0].status, 'resolved')
    assert.equal(sent[0].title, 'vm.start failed for VM web-01 on pool fake-pool, all succeeded since')
    assert.equal(engine.stats().groups, 0, 'no incident left open for ever')
  })

  it('settles the problems of an object removed since: "all removed"', () => {
    const { engine, sent } = engineOn(clock)
    engine.add(vmPower('stopped', 1))
    engine.add(hookCall('vm.start', vm(2), { ok: false, time: clock.now() }))
    clock.advance(10 * SECOND)
    assert.deepEqual(
      sent.map((d) => [d.status, d.open]),
      [
        ['firing', 1],
        ['firing', 1],
      ],
    )
    clock.advance(1 * HOUR)
    engine.add(
      eventMessage({
        event: 'removed',
        type: 'VM',
        id: 'vm-1',
        object: { id: 'vm-1', type: 'VM', name_label: 'web-01' },
        pool: POOL,
      }),
    )
    engine.add(hookCall('vm.delete', vm(2), { time: clock.now() }))
    clock.advance(5 * MINUTE)
    const settled = sent.slice(2).filter((d) => d.severity === 'problem')
    assert.deepEqual(settled.map((d) => [d.status, d.title]).sort(), [
      ['resolved', 'VM web-01 stopped on pool fake-pool, all removed'],
      ['resolved', 'vm.start failed for VM web-02 on pool fake-pool by admin@admin.net, all removed'],
    ])
    assert.equal(engine.stats().groups, 2, 'the news of the removals only')
  })

  it('without resolve, a recovery is news of its own and a problem group closes as an info group', () => {
    const { engine, sent } = engineOn(clock, { resolve: false })
    engine.add(hostDown())
    const up = engine.add(hostUp())
    assert.ok(up.accepted)
    assert.equal(up.group, `kind=host.up|pool=${POOL_ID}`)
    clock.advance(10 * SECOND)
    clock.advance(5 * MINUTE)
    assert.equal(sent.length, 2)
    assert.ok(sent.every((d) => d.status === 'firing'))
    assert.equal(engine.stats().groups, 0)
  })
})
