import assert from 'node:assert/strict'
import type { DigestEngine } from '../../../src/digest/digest-engine'
import { hostDown } from '../../support/destination-messages'
import {
  engineOn,
  FakeClock,
  HOST2,
  hookCall,
  MINUTE,
  POOL_ID,
  SECOND,
  vm,
  vmPower,
} from '../../support/digest-messages'

// XO's own order (usecases.json, vm.stop): the pre at 9 ms, the VM Halted in the object stream at 720 ms, the
// post at 926 ms.

const mutedBy = (result: ReturnType<DigestEngine['add']>) => (result.accepted ? result.muted : undefined)

describe('DigestEngine: stops someone asked for', () => {
  let clock: FakeClock
  beforeEach(() => {
    clock = new FakeClock()
  })

  it('a VM stopped by a call whose pre came first is news, not a problem', () => {
    const { engine, sent } = engineOn(clock)
    const callId = 'c-stop'
    engine.add(hookCall('vm.stop', vm(1), { time: clock.now(), callId, phase: 'pre' }))
    assert.deepEqual(engine.add(vmPower('stopped', 1)), { accepted: true, group: `kind=VM.stopped|pool=${POOL_ID}` })
    engine.add(hookCall('vm.stop', vm(1), { time: clock.now(), callId }))
    clock.advance(10 * SECOND)
    assert.deepEqual(
      sent.map((d) => [d.severity, d.title]),
      [
        ['info', 'VM web-01 stopped on pool fake-pool'],
        ['info', 'VM web-01 shut down on pool fake-pool by admin@admin.net'],
      ],
    )
  })

  it('a VM stopped before the post of the call that asked for it is news once the post comes, if not told yet', () => {
    const { engine, sent } = engineOn(clock)
    engine.add(vmPower('stopped', 1))
    engine.add(hookCall('vm.stop', vm(1), { time: clock.now() }))
    clock.advance(10 * SECOND)
    const stopped = sent.find((d) => d.counts['VM.stopped'])!
    assert.equal(stopped.severity, 'info')
    assert.equal(stopped.open, 0)
    assert.equal(stopped.title, 'VM web-01 stopped on pool fake-pool')
    clock.advance(5 * MINUTE)
    assert.equal(engine.stats().groups, 0, 'closed as news: no repeat, no resolved')
  })

  it('a stop that failed explains nothing', () => {
    const { engine } = engineOn(clock)
    engine.add(hookCall('vm.stop', vm(1), { time: clock.now(), callId: 'c-1', phase: 'pre' }))
    engine.add(hookCall('vm.stop', vm(1), { time: clock.now(), callId: 'c-1', ok: false }))
    const stopped = engine.add(vmPower('stopped', 1))
    assert.equal(stopped.accepted && stopped.group, `kind=VM.stopped|pool=${POOL_ID}|problem`)
  })

  it('a host stopped on purpose is still a problem (on-call wants to know), and inhibits the problems of its VMs', () => {
    const { engine } = engineOn(clock, { inhibit: true })
    const host2 = { id: HOST2, type: 'host', name: 'xcp-host-2', pool: { id: POOL_ID, name: 'fake-pool' } }
    engine.add(hookCall('host.stop', host2, { time: clock.now(), phase: 'pre' }))
    const down = engine.add(hostDown())
    assert.equal(down.accepted && down.group, `kind=host.down|pool=${POOL_ID}|problem`)
    assert.equal(mutedBy(engine.add(vmPower('stopped', 1, { on: HOST2 }))), 'inhibited')
  })
})
