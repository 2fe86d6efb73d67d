import assert from 'node:assert/strict'
import type { DigestEngine } from '../../../src/digest/digest-engine'
import { digestMessage, infoDigest } from '../../support/digest-fixtures'
import { eventMessage, hostDown, hostUp, vmMigrated } from '../../support/destination-messages'
import {
  engineOn,
  FakeClock,
  HOST1,
  HOST2,
  HOUR,
  hookCall,
  hostEnabled,
  MINUTE,
  masterChanged,
  POOL_ID,
  SECOND,
  vm,
  vmPower,
} from '../../support/digest-messages'

const mutedBy = (result: ReturnType<DigestEngine['add']>) => (result.accepted ? result.muted : undefined)

describe('DigestEngine: what it does not send', () => {
  let clock: FakeClock
  beforeEach(() => {
    clock = new FakeClock()
  })

  describe('duplicates', () => {
    it("refuses a call replayed from XO's audit log (same callId) while its group is open and a while after", () => {
      const { engine, sent, dropped } = engineOn(clock)
      const live = hookCall('vm.start', vm(1), { time: clock.now(), callId: 'c-42' })
      const replayed = hookCall('vm.start', vm(1), { time: clock.now(), callId: 'c-42', replayed: true })
      assert.equal(engine.add(live).accepted, true)
      assert.deepEqual(engine.add(replayed), { accepted: false, reason: 'duplicate' })
      clock.advance(10 * SECOND)
      assert.equal(sent[0].count, 1)
      clock.advance(5 * MINUTE)
      assert.equal(engine.stats().groups, 0, 'the group closed')
      assert.deepEqual(engine.add(replayed), { accepted: false, reason: 'duplicate' })
      clock.advance(4 * HOUR)
      assert.equal(engine.add(replayed).accepted, true, 'forgotten once the window after the group passed')
      assert.deepEqual(dropped[0], {
        reason: 'duplicate',
        about: 'admin@admin.net started VM web-01 on pool fake-pool (c-42:post)',
        count: 1,
      })
    })

    it('keeps two changes of one object apart (a VM started twice), and takes everything without dedup', () => {
      const { engine } = engineOn(clock)
      assert.equal(engine.add(vmPower('started', 1, { version: 1 })).accepted, true)
      assert.equal(engine.add(vmPower('started', 1, { version: 2 })).accepted, true)
      assert.deepEqual(engine.add(vmPower('started', 1, { version: 2 })), { accepted: false, reason: 'duplicate' })
      const loose = engineOn(new FakeClock(), { dedup: false }).engine
      const call = hookCall('vm.start', vm(1), { time: 0, callId: 'c-1' })
      assert.equal(loose.add(call).accepted, true)
      assert.equal(loose.add(call).accepted, true)
    })
  })

  describe('silences', () => {
    // Local time, as the node's editor says: the test builds its instants in the machine's time zone.
    const at = (day: number, hh: number, mm: number) => new Date(2026, 10, day, hh, mm).getTime()

    it('silences what comes during a window, on its days only; a window past midnight belongs to its first day', () => {
      // 2026-11-27 is a Friday.
      const silences = [{ kind: 'window' as const, from: '22:00', to: '06:00', days: [5] }]
      const { engine, dropped } = engineOn(clock, { silences })
      const add = (time: number) => {
        clock.at = time
        return engine.add(hookCall('vm.start', vm(1), { time }))
      }
      assert.deepEqual(add(at(27, 23, 0)), { accepted: false, reason: 'silenced' })
      assert.deepEqual(add(at(28, 5, 59)), { accepted: false, reason: 'silenced' }, "Saturday morning: Friday's night")
      assert.equal(add(at(28, 6, 0)).accepted, true)
      assert.equal(add(at(28, 23, 0)).accepted, true, 'Saturday night is not silenced')
      assert.equal(add(at(27, 21, 59)).accepted, true)
      assert.equal(dropped[0].reason, 'silenced')
      assert.equal(engine.stats().dropped, 2)
    })

    it('lets the recovery of a problem told before the window through', () => {
      const silences = [{ kind: 'window' as const, from: '10:00', to: '11:00' }]
      const { engine, sent } = engineOn(clock, { silences })
      clock.at = at(30, 9, 50)
      engine.add(hostDown())
      clock.advance(10 * SECOND)
      clock.at = at(30, 10, 30)
      assert.equal(engine.add(hostUp()).accepted, true)
      assert.deepEqual(engine.add(hookCall('vm.start', vm(1), { time: clock.at })), {
        accepted: false,
        reason: 'silenced',
      })
      clock.advance(5 * MINUTE)
      assert.equal(sent.at(-1)!.status, 'resolved')
    })

    it('holds the problems of a host in maintenance mode and of its VMs, and drops them with their recoveries', () => {
      const { engine, sent, dropped } = engineOn(clock, { silences: [{ kind: 'maintenance' }] })
      const held = (group: string, pool = POOL_ID) => ({
        accepted: true,
        group: `kind=${group}|pool=${pool}|problem`,
        muted: 'silenced',
      })
      assert.deepEqual(engine.add(hostEnabled(false)), { accepted: false, reason: 'silenced' }, 'news is dropped')
      assert.deepEqual(engine.add(vmPower('stopped', 1, { on: HOST2 })), held('VM.stopped'))
      assert.deepEqual(
        engine.add(vmPower('stopped', 2, { on: HOST1 })),
        { accepted: true, group: `kind=VM.stopped|pool=${POOL_ID}|problem` },
        'a VM on another host',
      )
      const host2 = { id: HOST2, type: 'host', name: 'xcp-host-2' }
      assert.deepEqual(engine.add(hookCall('host.restart', host2, { time: 1 })), held('host.restart', ''))
      assert.deepEqual(engine.add(hookCall('host.start', host2, { time: 2 })), { accepted: false, reason: 'silenced' })
      assert.deepEqual(engine.add(vmPower('started', 1, { on: HOST2 })), { accepted: false, reason: 'silenced' })
      assert.deepEqual(dropped.slice(-2), [
        {
          reason: 'silenced',
          about: 'admin@admin.net restarted host xcp-host-2, then admin@admin.net started host xcp-host-2',
          count: 2,
        },
        { reason: 'silenced', about: 'VM web-01 stopped, then VM web-01 started on xcp-host-2', count: 2 },
      ])
      assert.equal(engine.stats().held, 1, 'web-02 only: held problems recovered in the silence are gone')
      assert.equal(engine.add(hostEnabled(true)).accepted, true)
      assert.equal(engine.add(vmPower('stopped', 3, { on: HOST2 })).accepted, true)
      clock.advance(10 * SECOND)
      assert.deepEqual(
        sent.map((d) => d.title),
        ['web-02 and 1 other VM stopped on pool fake-pool', 'Host xcp-host-2 enabled on pool fake-pool'],
      )
    })

    it('silences the VMs evacuated from a host in maintenance (migrated from it)', () => {
      const { engine } = engineOn(clock, { silences: [{ kind: 'maintenance' }] })
      assert.equal(engine.add(vmMigrated()).accepted, true)
      engine.add(hostEnabled(false, HOST1))
      const again = vmMigrated()
      again.payload.object = { ...again.payload.object, version: 2 }
      assert.deepEqual(engine.add(again), { accepted: false, reason: 'silenced' })
    })

    it('learns maintenance from the calls that put a host in it', () => {
      const { engine } = engineOn(clock, { silences: [{ kind: 'maintenance' }] })
      const host2 = { id: HOST2, type: 'host', name: 'xcp-host-2' }
      assert.deepEqual(engine.add(hookCall('host.disable', host2, { time: 1 })), {
        accepted: false,
        reason: 'silenced',
      })
      assert.equal(mutedBy(engine.add(vmPower('stopped', 1, { on: HOST2 }))), 'silenced')
      assert.equal(engine.add(hookCall('host.enable', host2, { time: 2 })).accepted, true)
      assert.equal(mutedBy(engine.add(vmPower('stopped', 2, { on: HOST2 }))), undefined)
    })
  })

  describe('inhibition', () => {
    it('a host down inhibits the problems of the VMs that were on it (and their recoveries) until it is back up', () => {
      const { engine, sent, dropped } = engineOn(clock, { inhibit: true })
      engine.add(hostDown())
      const muted = (msg: Record<string, unknown>) => mutedBy(engine.add(msg))
      assert.equal(muted(vmPower('stopped', 1, { on: HOST2 })), 'inhibited')
      assert.equal(muted(hookCall('vm.start', vm(2, HOST2), { ok: false, time: 1 })), 'inhibited')
      assert.equal(engine.add(hookCall('vm.start', vm(3, HOST2), { time: 2 })).accepted, true, 'news is not inhibited')
      engine.add(vmPower('started', 1, { on: HOST2 }))
      assert.deepEqual(dropped.at(-1), {
        reason: 'inhibited',
        about: 'VM web-01 stopped, then VM web-01 started on xcp-host-2',
        count: 2,
      })
      engine.add(hostUp())
      assert.equal(engine.add(vmPower('stopped', 4, { on: HOST2 })).accepted, true)
      clock.advance(10 * SECOND)
      assert.deepEqual(sent.map((d) => d.title).sort(), [
        'Host xcp-host-2 went down on pool fake-pool, all back up',
        'VM web-03 started on pool fake-pool by admin@admin.net',
        'VM web-04 stopped on pool fake-pool',
        'vm.start failed for VM web-02 on pool fake-pool by admin@admin.net',
      ])
    })

    it("a host down inhibits nothing of the VMs on the pool's other hosts", () => {
      const { engine, sent } = engineOn(clock, { inhibit: true })
      engine.add(hostDown())
      assert.equal(mutedBy(engine.add(vmPower('stopped', 7, { on: HOST1 }))), undefined)
      assert.equal(mutedBy(engine.add(hookCall('vm.start', vm(8), { ok: false, time: 1 }))), undefined)
      clock.advance(10 * SECOND)
      assert.deepEqual(sent.map((d) => d.title).sort(), [
        'Host xcp-host-2 went down on pool fake-pool',
        'VM web-07 stopped on pool fake-pool',
        'vm.start failed for VM web-08 on pool fake-pool by admin@admin.net',
      ])
    })

    it("holds VM problems seen before their host's going down, and never tells them if they recover meanwhile", () => {
      const { engine, sent, dropped } = engineOn(clock, { inhibit: true })
      engine.add(vmPower('stopped', 1, { on: HOST2 }))
      clock.advance(2 * SECOND)
      engine.add(hostDown())
      clock.advance(10 * SECOND)
      assert.deepEqual(
        sent.map((d) => d.title),
        ['Host xcp-host-2 went down on pool fake-pool'],
      )
      clock.advance(20 * MINUTE)
      assert.equal(sent.length, 1, 'held while the host is down')
      engine.add(hostUp())
      engine.add(vmPower('started', 1, { on: HOST2 }))
      clock.advance(5 * MINUTE)
      assert.deepEqual(
        sent.map((d) => d.status),
        ['firing', 'resolved'],
      )
      assert.deepEqual(dropped.at(-1), {
        reason: 'inhibited',
        about: 'VM web-01 stopped on pool fake-pool, all started again',
        count: 2,
      })
      assert.equal(engine.stats().groups, 0)
      assert.equal(engine.stats().dropped, 2)
    })

    it('tells a held VM problem once the host is back up and the VM still down', () => {
      // The VM's stop before or after its host's going down (gathered, then held back; or held), the host back before
      // or after the first digests; a VM held back in a group told of nothing yet is looked at again an interval on.
      const cases: Array<{ stopFirst: boolean; upAfter: number; toldWithin: number }> = [
        { stopFirst: true, upAfter: 10 * SECOND, toldWithin: 5 * MINUTE },
        { stopFirst: true, upAfter: 0, toldWithin: 10 * SECOND },
        { stopFirst: false, upAfter: 10 * SECOND, toldWithin: 10 * SECOND },
        { stopFirst: false, upAfter: 0, toldWithin: 10 * SECOND },
      ]
      for (const { stopFirst, upAfter, toldWithin } of cases) {
        const caseClock = new FakeClock()
        const { engine, sent } = engineOn(caseClock, { inhibit: true })
        if (stopFirst) engine.add(vmPower('stopped', 1, { on: HOST2 }))
        engine.add(hostDown())
        if (!stopFirst) engine.add(vmPower('stopped', 1, { on: HOST2 }))
        caseClock.advance(upAfter)
        engine.add(hostUp())
        caseClock.advance(toldWithin)
        assert.deepEqual(
          sent.map((d) => d.title).filter((title) => title.startsWith('VM')),
          ['VM web-01 stopped on pool fake-pool'],
          `the stop ${stopFirst ? 'before' : 'after'} the host's going down, the host up after ${upAfter} ms`,
        )
      }
    })

    it('does not repeat a VM problem told already while the host it was on is down', () => {
      const { engine, sent } = engineOn(clock, { inhibit: true })
      engine.add(vmPower('stopped', 1, { on: HOST2 }))
      clock.advance(10 * SECOND)
      engine.add(hostDown())
      clock.advance(4 * HOUR)
      assert.deepEqual(
        sent.map((d) => d.title),
        ['VM web-01 stopped on pool fake-pool', 'Host xcp-host-2 went down on pool fake-pool'],
      )
      engine.add(hostUp())
      clock.advance(5 * MINUTE)
      clock.advance(4 * HOUR)
      assert.equal(sent.at(-1)!.title, 'VM web-01 stopped on pool fake-pool', 'repeated once the host is back')
    })

    it('a new master inhibits the whole pool while its group is open; nothing is inhibited without `inhibit`', () => {
      const { engine, sent } = engineOn(clock, { inhibit: true })
      engine.add(masterChanged())
      assert.equal(mutedBy(engine.add(vmPower('stopped', 1))), 'inhibited')
      assert.equal(mutedBy(engine.add(vmPower('stopped', 2, { on: HOST2 }))), 'inhibited')
      assert.equal(mutedBy(engine.add(hookCall('vm.start', vm(3), { ok: false, time: 1 }))), 'inhibited')
      clock.advance(10 * SECOND + 5 * MINUTE)
      assert.equal(engine.stats().groups, 2, "the master's group closed: the VMs' problems still open are told")
      clock.advance(10 * SECOND)
      assert.deepEqual(
        sent
          .slice(-2)
          .map((d) => d.title)
          .sort(),
        [
          'vm.start failed for VM web-03 on pool fake-pool by admin@admin.net',
          'web-01 and 1 other VM stopped on pool fake-pool',
        ],
      )
      const free = engineOn(new FakeClock()).engine
      free.add(hostDown())
      assert.equal(free.add(vmPower('stopped', 1, { on: HOST2 })).accepted, true)
      assert.equal(mutedBy(free.add(vmPower('stopped', 2, { on: HOST2 }))), undefined)
    })
  })

  it('tells every message it dropped and why, as it counts them', () => {
    const { engine, dropped } = engineOn(clock)
    assert.deepEqual(engine.add({ topic: 'x', payload: 1 }), { accepted: false, reason: 'not an event' })
    assert.deepEqual(engine.add(hookCall('vm.start', vm(1), { time: 1, phase: 'pre' })), {
      accepted: false,
      reason: 'not an event',
    })
    assert.deepEqual(
      engine.add(eventMessage({ event: 'initial', type: 'host', id: HOST1, object: { id: HOST1, type: 'host' } })),
      {
        accepted: false,
        reason: 'not an event',
      },
    )
    // A digest of another xo digest node is many events already.
    assert.deepEqual(engine.add(digestMessage(infoDigest())), { accepted: false, reason: 'not an event' })
    clock.advance(5 * MINUTE)
    engine.add({ payload: 'nothing' })
    assert.equal(engine.stats().dropped, 5)
    assert.deepEqual(
      dropped.map((d) => d.reason),
      ['not an event', 'not an event', 'not an event', 'not an event', 'not an event'],
    )
    assert.match(dropped[0].about, /not a message of xo-hook/)
  })
})
