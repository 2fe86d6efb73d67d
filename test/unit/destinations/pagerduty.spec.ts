import assert from 'node:assert/strict'
import { isNotSent } from '../../../src/destinations/not-sent'
import { pagerDutyEvent } from '../../../src/destinations/pagerduty'
import type { XoEventSummary } from '../../../src/destinations/summary'
import {
  bare,
  callMessage,
  extreme,
  HOST2,
  hostDown,
  hostUp,
  json,
  step,
  summary,
  vmMigrated,
  WEB01,
  XO_URL,
} from '../../support/destination-messages'

describe('destinations: PagerDuty', () => {
  const routingKey = 'a'.repeat(32)
  const pdResult = (s: XoEventSummary, opts: Partial<Parameters<typeof pagerDutyEvent>[1]> = {}) =>
    pagerDutyEvent(s, { routingKey, xoUrl: XO_URL, ...opts })
  const pd = (s: XoEventSummary, opts: Partial<Parameters<typeof pagerDutyEvent>[1]> = {}) => {
    const result = pdResult(s, opts)
    if (isNotSent(result)) return assert.fail(`not sent: ${result.notSent}`)
    return result
  }

  it('auto: a failed call triggers, with a deterministic dedup key', () => {
    const e = pd(step('28 post'))!
    assert.equal(e.url, 'https://events.pagerduty.com/v2/enqueue')
    assert.equal(e.body.event_action, 'trigger')
    assert.equal(e.body.dedup_key, `xo:vm.start:${WEB01.id}`)
    assert.equal(e.body.routing_key, routingKey)
    const payload = e.body.payload as Record<string, any>
    assert.equal(payload.severity, 'error')
    assert.equal(payload.source, 'xo.lab.example')
    assert.equal(payload.class, 'vm.start')
    assert.equal(payload.component, 'VM web-01')
    assert.equal(payload.group, 'fake-pool')
    assert.match(payload.summary, /^vm\.start of VM web-01 failed/)
    assert.equal(payload.custom_details['Error code'], 'VM_BAD_POWER_STATE')
    assert.deepEqual(e.body.links, [
      { href: `https://xo.lab.example/#/vms/${WEB01.id}`, text: 'Open in Xen Orchestra' },
    ])
    assert.deepEqual(pd(step('28 post')), e, 'a retry sends the same event')
  })

  it('auto: host shutdowns and host down trigger one alert per host, its return resolves it', () => {
    const key = `xo:host.down:${HOST2}`
    const cases: Array<[XoEventSummary, string, string | undefined]> = [
      [step('25 post'), 'trigger', 'critical'],
      [step('21 post'), 'trigger', 'error'],
      [step('23 post'), 'trigger', 'error'],
      [summary(hostDown()), 'trigger', 'critical'],
      [step('22 post'), 'resolve', undefined],
      [summary(hostUp()), 'resolve', undefined],
    ]
    for (const [s, action, severity] of cases) {
      const e = pd(s)!
      assert.deepEqual(
        [s.kind, e.body.event_action, e.body.dedup_key, (e.body.payload as any)?.severity],
        [s.kind, action, key, severity],
      )
    }
    assert.deepEqual(pd(step('22 post'))!.body, { routing_key: routingKey, event_action: 'resolve', dedup_key: key })
  })

  it('auto: routine successes are change events; a success whose key is open resolves', () => {
    for (const s of [step('9 post'), summary(vmMigrated()), step('1 post')]) {
      const e = pd(s)!
      assert.equal(e.url, 'https://events.pagerduty.com/v2/change/enqueue', s.kind)
      assert.equal('event_action' in e.body || 'dedup_key' in e.body, false)
      assert.deepEqual(Object.keys(e.body.payload as object).sort(), [
        'custom_details',
        'source',
        'summary',
        'timestamp',
      ])
    }
    const open = new Set([`xo:vm.start:${WEB01.id}`])
    const started = summary(callMessage('vm.start', { id: WEB01.id }, true))
    assert.deepEqual(pd(started, { open })!.body, {
      routing_key: routingKey,
      event_action: 'resolve',
      dedup_key: `xo:vm.start:${WEB01.id}`,
    })
    assert.equal(pd(started)!.url, 'https://events.pagerduty.com/v2/change/enqueue')
  })

  it('alert and change modes; nothing for a pre; no change events for ruleset keys', () => {
    assert.equal(pd(step('9 post'), { mode: 'alert' })!.body.event_action, 'resolve')
    assert.deepEqual(pdResult(summary(vmMigrated()), { mode: 'alert' }), { notSent: 'routine' })
    assert.equal(pd(step('28 post'), { mode: 'alert' })!.body.event_action, 'trigger')
    assert.equal(pd(step('28 post'), { mode: 'change' })!.url, 'https://events.pagerduty.com/v2/change/enqueue')
    for (const mode of ['alert', 'change', 'auto'] as const)
      assert.deepEqual(pdResult(step('25 pre'), { mode }), { notSent: 'beforeCall' })
    assert.deepEqual(pdResult(step('9 post'), { routingKey: 'R0123456789abcdef0123456789abcde' }), {
      notSent: 'rulesetKeyChange',
    })
    // An integration key is 32 hexadecimal digits: one of another length or alphabet that starts with R is no ruleset key.
    for (const key of ['0123456789abcdef0123456789abcdef', 'Rabbit', 'R0DEMO0STAND0IN0ROUTING0KEY000000']) {
      assert.equal('url' in pdResult(step('9 post'), { routingKey: key }), true, key)
    }
  })

  it('severity by method, overridable; source given or from the pool', () => {
    assert.equal(
      (pd(step('28 post'), { severity: { 'vm.start': 'warning' } })!.body.payload as any).severity,
      'warning',
    )
    assert.equal(
      (pd(step('25 post'), { severity: { 'host.emergencyShutdownHost': 'error' } })!.body.payload as any).severity,
      'error',
    )
    assert.equal((pd(step('28 post'), { source: 'xo-prod' })!.body.payload as any).source, 'xo-prod')
    assert.equal(
      ((pagerDutyEvent(step('28 post'), { routingKey }) as { body: Record<string, unknown> }).body.payload as any)
        .source,
      'fake-pool',
    )
    assert.equal(
      (
        (pagerDutyEvent(bare(), { routingKey, mode: 'change' }) as { body: Record<string, unknown> }).body
          .payload as any
      ).source,
      'xen-orchestra',
    )
  })

  it('limits: summary ≤1024, dedup key ≤255, no stack, small body', () => {
    const s = extreme()
    s.subject = { id: 'x'.repeat(400), type: 'VM' }
    const e = pd(s)!
    assert.ok((e.body.payload as any).summary.length <= 1024)
    assert.ok(String(e.body.dedup_key).length <= 255)
    assert.equal(pd(s)!.body.dedup_key, e.body.dedup_key, 'a shortened key is still deterministic')
    assert.doesNotMatch(json(e), /stack\.js/)
    assert.ok(json(e).length < 100_000, `${json(e).length}`)
    assert.equal(pd(bare(), { mode: 'alert' })!.body.dedup_key, 'xo:system.getServerVersion')
  })
})
