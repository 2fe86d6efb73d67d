import assert from 'node:assert/strict'
import type { DigestEngine } from '../../../src/digest/digest-engine'
import { hostDown, hostUp } from '../../support/destination-messages'
import {
  engineOn,
  FakeClock,
  HOST1,
  HOST2,
  HOUR,
  hookCall,
  hostEnabled,
  MINUTE,
  SECOND,
  vm,
  vmPower,
} from '../../support/digest-messages'

const mutedBy = (result: ReturnType<DigestEngine['add']>) => (result.accepted ? result.muted : undefined)

describe('DigestEngine: across a restart, and paused', () => {
  let clock: FakeClock
  beforeEach(() => {
    clock = new FakeClock()
  })

  it('a restored group does not send again what it sent, and goes on where it was', () => {
    const before = engineOn(clock)
    before.engine.add(hookCall('vm.start', vm(1), { time: clock.now(), callId: 'c-1' }))
    before.engine.add(hostDown())
    clock.advance(10 * SECOND)
    assert.equal(before.sent.length, 2)
    const snapshot = JSON.parse(JSON.stringify(before.engine.snapshot()))
    before.engine.stop()

    const after = engineOn(clock)
    after.engine.restore(snapshot)
    assert.deepEqual(after.engine.stats(), { groups: 2, held: 0, sent: 0, dropped: 0 })
    assert.deepEqual(after.engine.add(hookCall('vm.start', vm(1), { time: 0, callId: 'c-1', replayed: true })), {
      accepted: false,
      reason: 'duplicate',
    })
    clock.advance(5 * MINUTE)
    assert.equal(after.sent.length, 0, 'nothing new: the info group closes, the problem waits for its repeat')
    assert.equal(after.engine.stats().groups, 1)
    after.engine.add(hostUp())
    clock.advance(5 * MINUTE)
    assert.equal(after.sent.length, 1)
    assert.equal(after.sent[0].status, 'resolved')
    assert.equal(after.sent[0].id, before.sent[1].id.replace(/#0$/, '#1'), 'its sequence goes on')
  })

  it('a group due while stopped is sent once at start', () => {
    const before = engineOn(clock)
    before.engine.add(hostDown())
    clock.advance(10 * SECOND)
    before.engine.add(hookCall('vm.start', vm(1), { time: clock.now() }))
    const snapshot = before.engine.snapshot()
    before.engine.stop()
    clock.advance(9 * HOUR)
    assert.equal(before.sent.length, 1, 'a stopped engine sends nothing')

    const after = engineOn(clock)
    after.engine.restore(snapshot)
    clock.advance(0)
    assert.deepEqual(
      after.sent.map((d) => [d.severity, d.newCount]),
      [
        ['info', 1],
        ['problem', 0],
      ],
      'the news held, by when each was due; the problem repeated once, not twice in 9 hours',
    )
  })

  it('keeps the latest ten thousand ids of all groups in a snapshot, refused still once restored', () => {
    const before = engineOn(clock, { groupBy: ['kind', 'property:xo.objects.vm.id'] })
    for (let n = 0; n < 15_000; n++) before.engine.add(hookCall('vm.start', vm(n % 3), { time: n, callId: `c-${n}` }))
    const snapshot = before.engine.snapshot()
    assert.equal(snapshot.seen.length, 10_000)
    const after = engineOn(clock)
    after.engine.restore(snapshot)
    assert.deepEqual(after.engine.add(hookCall('vm.start', vm(2), { time: 0, callId: 'c-14999' })), {
      accepted: false,
      reason: 'duplicate',
    })
    assert.deepEqual(after.engine.add(hookCall('vm.start', vm(2), { time: 0, callId: 'c-5000' })), {
      accepted: false,
      reason: 'duplicate',
    })
    assert.equal(after.engine.add(hookCall('vm.start', vm(1), { time: 0, callId: 'c-4999' })).accepted, true)
  })

  it('a snapshot of busy groups stays small: ids are kept for the engine, not for each group', () => {
    const { engine } = engineOn(clock, { groupBy: ['kind', 'property:xo.objects.vm.id'] })
    const gather = (from: number, to: number) => {
      for (let i = from; i < to; i++)
        for (let n = 0; n < 500; n++) engine.add(hookCall('vm.start', vm(n), { time: i, callId: `c-${n}-${i}` }))
    }
    // Twenty messages a group: every list full, as many ids as are ever kept (10,000).
    gather(0, 20)
    const full = JSON.stringify(engine.snapshot()).length
    gather(20, 200)
    assert.equal(engine.stats().groups, 500)
    assert.equal(engine.stats().held, 100_000)
    const busy = JSON.stringify(engine.snapshot()).length
    // Its lists (500 × 20 messages) are most of it; 200 ids a group would have added about 2.5 MB.
    assert.ok(busy < 3_000_000, `${busy} bytes`)
    assert.ok(busy - full < 50_000, `${busy - full} bytes more for 180 more messages a group`)
  })

  it('takes up a snapshot of the former shape, its groups keeping their own ids', () => {
    const before = engineOn(clock)
    before.engine.add(hookCall('vm.start', vm(1), { time: 0, callId: 'c-1' }))
    const snapshot = before.engine.snapshot()
    const former = { ...snapshot, seen: [], groups: snapshot.groups.map((g) => ({ ...g, ids: ['c-1:post'] })) }
    const after = engineOn(clock)
    after.engine.restore(former)
    assert.equal(after.engine.stats().groups, 1)
    assert.deepEqual(after.engine.add(hookCall('vm.start', vm(1), { time: 0, callId: 'c-1' })), {
      accepted: false,
      reason: 'duplicate',
    })
    assert.ok(!('ids' in after.engine.snapshot().groups[0]), 'not kept on')
  })

  it('a restored host down inhibits as before, and a restored maintenance silences', () => {
    const options = { inhibit: true, silences: [{ kind: 'maintenance' as const }] }
    const before = engineOn(clock, options)
    before.engine.add(hostDown())
    before.engine.add(hostEnabled(false, HOST1))
    const after = engineOn(clock, options)
    after.engine.restore(before.engine.snapshot())
    assert.equal(mutedBy(after.engine.add(vmPower('stopped', 1, { on: HOST2 }))), 'inhibited')
    assert.deepEqual(after.engine.add(vmPower('started', 2, { on: HOST1 })), { accepted: false, reason: 'silenced' })
  })

  it('leaves aside what a snapshot of another shape holds, group by group', () => {
    const before = engineOn(clock)
    before.engine.add(hostDown())
    before.engine.add(hookCall('vm.start', vm(1), { time: clock.now() }))
    const snapshot = before.engine.snapshot()
    const [damaged] = snapshot.groups
    ;(damaged as { open?: unknown }).open = 'not a record'
    const after = engineOn(clock)
    after.engine.restore(snapshot)
    after.engine.restore({ version: 2 } as never)
    after.engine.restore(null as never)
    assert.equal(after.engine.stats().groups, 1)
    clock.advance(10 * SECOND)
    assert.equal(after.sent.length, 1)
  })

  it('paused, it gathers but sends nothing; resumed, it sends each due group once', () => {
    const { engine, sent } = engineOn(clock)
    engine.pause()
    for (let n = 1; n <= 3; n++) engine.add(hookCall('vm.start', vm(n), { time: clock.now() }))
    clock.advance(20 * MINUTE)
    assert.equal(sent.length, 0)
    assert.deepEqual(engine.stats(), { groups: 1, held: 3, sent: 0, dropped: 0 })
    engine.resume()
    clock.advance(0)
    assert.equal(sent.length, 1)
    assert.equal(sent[0].count, 3)
    clock.advance(5 * MINUTE)
    assert.equal(engine.stats().groups, 0)
  })
})
