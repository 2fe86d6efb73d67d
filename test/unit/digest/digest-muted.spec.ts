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

// Local time, as the node's editor says: the test builds its instants in the machine's time zone.
const at = (day: number, hh: number, mm: number) => new Date(2026, 10, day, hh, mm).getTime()
const night = [{ kind: 'window' as const, from: '22:00', to: '06:00' }]

const mutedBy = (result: ReturnType<DigestEngine['add']>) => (result.accepted ? result.muted : undefined)

describe('DigestEngine: a problem muted is held, not forgotten', () => {
  let clock: FakeClock
  beforeEach(() => {
    clock = new FakeClock(at(30, 2, 0))
  })

  describe('silences', () => {
    it('tells a problem that came in a window once the window closes, if it is still open, then its recovery', () => {
      const { engine, sent } = engineOn(clock, { silences: night })
      clock.advance(HOUR)
      assert.equal(mutedBy(engine.add(hostDown())), 'silenced')
      assert.deepEqual(engine.stats(), { groups: 0, held: 1, sent: 0, dropped: 0 })
      clock.advance(3 * HOUR - SECOND)
      assert.equal(sent.length, 0, 'not a word at night')
      clock.advance(SECOND + 10 * SECOND)
      assert.deepEqual(
        sent.map((d) => [d.title, d.status, new Date(d.firstAt).getTime()]),
        [['Host xcp-host-2 went down on pool fake-pool', 'firing', at(30, 3, 0)]],
        'at 06:00 and its first wait, saying when it went down',
      )
      clock.advance(3 * HOUR)
      assert.equal(engine.add(hostUp()).accepted, true)
      clock.advance(5 * MINUTE)
      assert.deepEqual(
        sent.map((d) => d.status),
        ['firing', 'resolved'],
      )
    })

    it('drops a problem that recovered inside the window with its recovery, counted as silenced', () => {
      const { engine, sent, dropped } = engineOn(clock, { silences: night })
      clock.advance(HOUR)
      engine.add(hostDown())
      clock.advance(HOUR)
      assert.deepEqual(engine.add(hostUp()), { accepted: false, reason: 'silenced' })
      clock.advance(6 * HOUR)
      assert.equal(sent.length, 0)
      assert.deepEqual(dropped, [
        { reason: 'silenced', about: 'Host xcp-host-2 went down, then Host xcp-host-2 came up', count: 2 },
      ])
      assert.deepEqual(engine.stats(), { groups: 0, held: 0, sent: 0, dropped: 2 })
      assert.equal(clock.pending, 0, 'nothing held: no timer left')
    })

    it('tells a VM still stopped when its host leaves maintenance, as if it had just stopped', () => {
      const { engine, sent } = engineOn(clock, { silences: [{ kind: 'maintenance' }] })
      clock.at = at(30, 9, 0)
      engine.add(hostEnabled(false))
      assert.equal(mutedBy(engine.add(vmPower('stopped', 1, { on: HOST2 }))), 'silenced')
      clock.advance(HOUR)
      assert.equal(sent.length, 0)
      engine.add(hostEnabled(true))
      clock.advance(10 * SECOND)
      assert.deepEqual(
        sent.map((d) => [d.title, d.severity]),
        [
          ['Host xcp-host-2 enabled on pool fake-pool', 'info'],
          ['VM web-01 stopped on pool fake-pool', 'problem'],
        ],
      )
    })

    it('tells a problem still open when its silence ended, though it recovers at that very moment', () => {
      const { engine, sent, dropped } = engineOn(clock, { silences: [{ kind: 'maintenance' }] })
      engine.add(hostEnabled(false))
      engine.add(vmPower('stopped', 1, { on: HOST2 }))
      engine.add(hostEnabled(true))
      assert.equal(engine.add(vmPower('started', 1, { on: HOST2 })).accepted, true)
      clock.advance(10 * SECOND)
      assert.ok(sent.some((d) => d.title === 'VM web-01 stopped on pool fake-pool, all started again'))
      assert.equal(dropped.length, 1, 'only the news of the host going into maintenance')
    })

    it('drops a held problem that turns out asked for, or whose VM was deleted, and a held problem seen again', () => {
      const { engine, sent, dropped } = engineOn(clock, { silences: night })
      clock.advance(HOUR)
      engine.add(vmPower('stopped', 1))
      assert.deepEqual(engine.add(vmPower('stopped', 1)), { accepted: false, reason: 'duplicate' })
      engine.add(hookCall('vm.stop', vm(1), { time: clock.now() }))
      engine.add(hookCall('vm.start', vm(2), { ok: false, time: clock.now() }))
      engine.add(hookCall('vm.delete', vm(2), { time: clock.now() }))
      assert.equal(engine.stats().held, 0)
      clock.advance(4 * HOUR)
      assert.equal(sent.length, 0)
      assert.deepEqual(
        dropped.map((d) => [d.reason, d.about]),
        [
          ['duplicate', 'VM web-01 stopped'],
          ['silenced', 'VM web-01 stopped'],
          ['silenced', 'admin@admin.net shut down VM web-01 on pool fake-pool'],
          ['silenced', 'vm.start of VM web-02 failed: VM_BAD_POWER_STATE'],
          ['silenced', 'admin@admin.net deleted VM web-02 on pool fake-pool'],
        ],
      )
    })

    it('keeps what it holds across a restart, and tells it once the silence ended meanwhile', () => {
      const before = engineOn(clock, { silences: night })
      clock.advance(HOUR)
      before.engine.add(hostDown())
      const snapshot = JSON.parse(JSON.stringify(before.engine.snapshot()))
      before.engine.stop()
      clock.at = at(30, 7, 0)
      const after = engineOn(clock, { silences: night })
      after.engine.restore(snapshot)
      assert.equal(after.engine.stats().held, 1)
      clock.advance(10 * SECOND)
      assert.deepEqual(
        after.sent.map((d) => d.title),
        ['Host xcp-host-2 went down on pool fake-pool'],
      )
    })
  })

  describe('inhibition', () => {
    it("mutes a VM's problem only when the host it was on is down: a group with a VM on a healthy host is told", () => {
      const { engine, sent } = engineOn(clock, { inhibit: true })
      engine.add(vmPower('stopped', 1, { on: HOST2 }))
      engine.add(vmPower('stopped', 7, { on: HOST1 }))
      engine.add(hostDown())
      clock.advance(10 * SECOND)
      assert.deepEqual(sent.map((d) => d.title).sort(), [
        'Host xcp-host-2 went down on pool fake-pool',
        'web-01 and 1 other VM stopped on pool fake-pool',
      ])
    })

    it('tells a VM still stopped once its host is back up, even in the same tick', () => {
      const { engine, sent, dropped } = engineOn(clock, { inhibit: true })
      engine.add(hostDown())
      assert.equal(mutedBy(engine.add(vmPower('stopped', 1, { on: HOST2 }))), 'inhibited')
      assert.equal(mutedBy(engine.add(vmPower('stopped', 2, { on: HOST2 }))), 'inhibited')
      engine.add(vmPower('started', 2, { on: HOST2 }))
      engine.add(hostUp())
      clock.advance(10 * SECOND)
      assert.deepEqual(sent.map((d) => d.title).sort(), [
        'Host xcp-host-2 went down on pool fake-pool, all back up',
        'VM web-01 stopped on pool fake-pool',
      ])
      assert.deepEqual(
        dropped.map((d) => [d.reason, d.count]),
        [['inhibited', 2]],
        'web-02, back before its host',
      )
    })

    it('tells a VM still stopped once its host is back up after its first digest', () => {
      const { engine, sent } = engineOn(clock, { inhibit: true })
      engine.add(hostDown())
      clock.advance(10 * SECOND)
      engine.add(vmPower('stopped', 1, { on: HOST2 }))
      clock.advance(HOUR)
      assert.equal(sent.length, 1, 'held while its host is down')
      engine.add(hostUp())
      clock.advance(10 * SECOND)
      assert.deepEqual(sent.map((d) => d.title).sort(), [
        'Host xcp-host-2 went down on pool fake-pool',
        'Host xcp-host-2 went down on pool fake-pool, all back up',
        'VM web-01 stopped on pool fake-pool',
      ])
    })
  })
})
