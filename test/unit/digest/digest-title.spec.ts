import assert from 'node:assert/strict'
import { callMessage as callOf, hostDown, vmCreated, vmMigrated } from '../../support/destination-messages'
import {
  alarm,
  engineOn,
  FakeClock,
  HOST2,
  hookCall,
  POOL_ID,
  SECOND,
  vm,
  vmPower,
} from '../../support/digest-messages'

// xo-call's message, as a flow hands it on (its declared fields and any the flow adds).
const callMessage = (method: string, params: Record<string, unknown>, result: unknown) =>
  ({ ...callOf(method, params, result) }) as Record<string, unknown>

describe('DigestEngine: what a digest says', () => {
  let clock: FakeClock
  beforeEach(() => {
    clock = new FakeClock()
  })

  const sendAll = (msgs: Array<Record<string, unknown>>, options = {}) => {
    const { engine, sent } = engineOn(clock, options)
    for (const msg of msgs) engine.add(msg)
    clock.advance(10 * SECOND)
    return sent
  }

  it('one incident told by several kinds is said by its problem: a host someone shut down and its going down', () => {
    const host2 = { id: HOST2, type: 'host', name: 'xcp-host-2', pool: { id: POOL_ID, name: 'fake-pool' } }
    const [digest] = sendAll([hookCall('host.stop', host2, { time: clock.now() }), hostDown()], { groupBy: ['host'] })
    assert.deepEqual(digest.counts, { 'host.stop': 1, 'host.down': 1 })
    assert.equal(digest.severity, 'problem')
    assert.match(digest.title, /^Host xcp-host-2 (shut down|went down) on pool fake-pool$/)
  })

  it('"web-01 and 11 other VMs started on pool … by admin@admin.net in 40 s"', () => {
    const start = clock.now()
    const msgs = Array.from({ length: 12 }, (_, i) =>
      hookCall('vm.start', vm(i + 1), { time: start + Math.round((40_000 * i) / 11) }),
    )
    const [digest] = sendAll(msgs)
    assert.equal(digest.title, 'web-01 and 11 other VMs started on pool fake-pool by admin@admin.net in 40 s')
    assert.equal(digest.firstAt, new Date(start).toISOString())
    assert.equal(digest.lastAt, new Date(start + 40_000).toISOString())
    assert.deepEqual(digest.pool, { id: POOL_ID, name: 'fake-pool' })
    assert.deepEqual(digest.user, { id: 'u1', name: 'admin@admin.net' })
    assert.deepEqual(digest.items[0].subject, { id: 'vm-1', type: 'VM', name: 'web-01' }, 'its name, not its places')
  })

  it('names one subject whole, says how often, and lists the kinds of a mixed group', () => {
    assert.equal(sendAll([vmMigrated()])[0].title, 'VM web-01 migrated on pool fake-pool')
    assert.equal(sendAll([hostDown()])[0].title, 'Host xcp-host-2 went down on pool fake-pool')
    assert.equal(
      sendAll([1, 2, 3].map((t) => hookCall('vm.start', vm(1), { ok: false, time: t })))[0].title,
      'vm.start failed for VM web-01 on pool fake-pool by admin@admin.net (3 times)',
    )
    const mixed = sendAll([vmCreated(), vmMigrated(), vmPower('started', 1), vmPower('started', 2)], {
      groupBy: ['pool'],
    })
    assert.equal(mixed[0].title, '4 events on pool fake-pool: 2 VM.started, 1 VM.created, 1 VM.migrated')
    assert.equal(
      sendAll([hookCall('vm.set', vm(1), { time: 1 })])[0].title,
      'VM web-01 changed on pool fake-pool by admin@admin.net',
    )
    assert.equal(sendAll([callMessage('backupNg.runJob', { id: 'job-1' }, true)])[0].title, 'Backup job job-1 ran')
    assert.equal(
      sendAll([1, 2].map((n) => callMessage('system.getServerVersion', { n }, '5.207.2')))[0].title,
      'system.getServerVersion called (2 times)',
    )
  })

  it("says an alarm by XAPI's words, and pages for it", () => {
    const [one] = sendAll([alarm(1)])
    assert.equal(
      one.title,
      'Alarm: value: 0.970000 config: <variable><name value="cpu_usage"/></variable> on pool fake-pool',
    )
    assert.equal(one.severity, 'problem')
    assert.equal(sendAll([alarm(1), alarm(2), alarm(3)])[0].title, '3 alarms on pool fake-pool')
  })

  it('lists at most maxItems, oldest first, and says how many more', () => {
    const msgs = Array.from({ length: 10 }, (_, i) => vmPower('started', i, { time: clock.now() + i }))
    const [digest] = sendAll(msgs, { maxItems: 3 })
    assert.equal(digest.count, 10)
    assert.deepEqual(
      digest.items.map((i) => i.subject?.name),
      ['web-00', 'web-01', 'web-02'],
    )
    assert.equal(digest.more, 7)
    assert.deepEqual(Object.keys(digest.items[0]).sort(), ['id', 'kind', 'ok', 'subject', 'time', 'title'])
    assert.match(digest.items[0].id, /^VM:vm-0:started:[0-9a-f]{16}$/, 'the id of the full summary')
  })

  it('groups by tag, job, type, method, host and a property of the message', () => {
    const tagged = { ...vm(1), tags: ['prod', 'web'] }
    const labels = (groupBy: string[], msg: Record<string, unknown>) => {
      const [digest] = sendAll([msg], { groupBy })
      return { labels: digest.labels, group: digest.group }
    }
    assert.deepEqual(labels(['tag', 'type'], hookCall('vm.start', tagged, { time: 1 })), {
      labels: { tag: 'prod,web', type: 'VM' },
      group: 'tag=prod,web|type=VM',
    })
    assert.deepEqual(labels(['job', 'method'], callMessage('backupNg.runJob', { id: 'job-1', schedule: 's' }, true)), {
      labels: { job: 'job-1', method: 'backupNg.runJob' },
      group: 'job=job-1|method=backupNg.runJob',
    })
    assert.deepEqual(labels(['method', 'host'], vmPower('started', 1, { on: HOST2 })), {
      labels: { host: 'xcp-host-2' },
      group: `method=|host=${HOST2}`,
    })
    assert.deepEqual(labels(['property:payload.object.power_state'], vmPower('stopped', 1)), {
      labels: { 'property:payload.object.power_state': 'Halted' },
      group: 'property:payload.object.power_state=Halted|problem',
    })
  })
})
