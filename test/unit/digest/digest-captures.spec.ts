import assert from 'node:assert/strict'
import { usecaseMessages } from '../../support/destination-messages'
import { engineOn, FakeClock, SECOND } from '../../support/digest-messages'

describe('DigestEngine: the calls a real xo-server made (use cases)', () => {
  it('gathers every post once, leaves out the pres, and sends one digest per group', () => {
    const clock = new FakeClock()
    const { engine, sent } = engineOn(clock, { silences: [{ kind: 'maintenance' }] })
    const messages = usecaseMessages()
    const results = messages.map(({ msg }) => ({
      phase: (msg.xo as { phase: string }).phase,
      method: msg.topic,
      result: engine.add(msg as unknown as Record<string, unknown>),
    }))
    assert.ok(
      results.filter((r) => r.phase === 'pre').every((r) => !r.result.accepted && r.result.reason === 'not an event'),
    )
    const posts = results.filter((r) => r.phase === 'post')
    const silenced = posts.filter((r) => !r.result.accepted)
    assert.deepEqual(
      silenced.map((r) => [r.method, !r.result.accepted && r.result.reason]),
      [['host.setMaintenanceMode', 'silenced']],
      'only putting a host in maintenance mode: taking it out is news again',
    )
    clock.advance(10 * SECOND)
    assert.equal(
      sent.reduce((sum, d) => sum + d.count, 0),
      posts.length - silenced.length,
    )
    const titles = sent.map((d) => d.title)
    for (const title of [
      'VM nr-vm-d9ibu created on pool fake-pool by admin@admin.net',
      'VM web-01 migrated on pool fake-pool by admin@admin.net in 42 s (3 times)',
      'VM web-01 untagged on pool fake-pool by admin@admin.net',
      'vm.start failed for web-01 and 1 other VM on pool fake-pool by admin@admin.net in 1.0 s',
    ])
      assert.ok(titles.includes(title), `${title} in ${JSON.stringify(titles, null, 1)}`)
    // Problems: a failed clone, failed starts, and each host someone shut down or restarted (with its start, the
    // recovery gathered into the same incident).
    assert.deepEqual(
      sent.filter((d) => d.severity === 'problem').map((d) => d.counts),
      [
        { 'vm.clone': 1 },
        { 'host.emergencyShutdownHost': 1, 'host.restart': 1, 'host.start': 1 },
        { 'vm.start': 2 },
        { 'host.start': 1, 'host.stop': 1 },
      ],
    )
  })
})
