import assert from 'node:assert/strict'
import type { XoDigest } from '../../../src/destinations/digest-message'
import { isXoEventSummary, summarizeMessage } from '../../../src/destinations/event'
import { isNotSent } from '../../../src/destinations/not-sent'
import { pagerDutyEvent } from '../../../src/destinations/pagerduty'
import { requests, typeOf, view } from '../../support/destination-fixtures'
import { digestMessage, EVACUATION_GROUP, evacuation, infoDigest } from '../../support/digest-fixtures'

const routingKey = 'a'.repeat(32)
const summaryOf = (d: XoDigest) => {
  const s = summarizeMessage(digestMessage(d))
  assert.ok(isXoEventSummary(s))
  return s
}
const pdResult = (d: XoDigest, opts: Partial<Parameters<typeof pagerDutyEvent>[1]> = {}) =>
  pagerDutyEvent(summaryOf(d), { routingKey, ...opts })
const pd = (d: XoDigest, opts: Partial<Parameters<typeof pagerDutyEvent>[1]> = {}) => {
  const result = pdResult(d, opts)
  if (isNotSent(result)) return assert.fail(`not sent: ${result.notSent}`)
  return result
}

describe('destinations: a digest in PagerDuty', () => {
  it('a firing problem group triggers one alert keyed by its group, its counts and list in the details', () => {
    const { url, body } = pd(evacuation(), { xoUrl: 'https://xo.lab.example/' })
    assert.equal(url, 'https://events.pagerduty.com/v2/enqueue')
    const details = body.payload as Record<string, any>
    assert.deepEqual(
      { ...body, payload: { ...details, custom_details: undefined } },
      {
        routing_key: routingKey,
        event_action: 'trigger',
        dedup_key: `xo:digest:${EVACUATION_GROUP}`,
        payload: {
          summary: 'web-01 and 49 other VMs migrated off host xcp-host-1 on pool sim-pool',
          source: 'xo.lab.example',
          timestamp: '2026-05-01T10:01:38.000Z',
          custom_details: undefined,
          severity: 'error',
          class: 'VM.migrated',
          component: 'host xcp-host-1',
          group: 'sim-pool',
        },
        client: 'Xen Orchestra',
        client_url: 'https://xo.lab.example/#/hosts/host1',
        links: [{ href: 'https://xo.lab.example/#/hosts/host1', text: 'Open in Xen Orchestra' }],
      },
    )
    const custom = details.custom_details
    assert.deepEqual(
      { ...custom, items: custom.items.length },
      {
        digest_id: `${EVACUATION_GROUP}#1`,
        group: EVACUATION_GROUP,
        labels: { kind: 'VM.migrated', host: 'xcp-host-1' },
        status: 'firing',
        severity: 'problem',
        count: 50,
        new_count: 50,
        open: 50,
        first_at: '2026-05-01T10:00:00.000Z',
        last_at: '2026-05-01T10:01:38.000Z',
        counts: { 'VM.migrated': 50 },
        items: 20,
        more: 30,
      },
    )
    assert.deepEqual(custom.items[0], {
      time: '2026-05-01T10:00:00.000Z',
      kind: 'VM.migrated',
      title: 'VM web-01 migrated from xcp-host-1 to xcp-host-2',
      ok: true,
      subject_id: 'vm1',
    })
  })

  it('resolved: a resolve of the same key, nothing else; in alert mode too', () => {
    for (const mode of ['auto', 'alert'] as const)
      assert.deepEqual(pd(evacuation({ status: 'resolved' }), { mode }).body, {
        routing_key: routingKey,
        event_action: 'resolve',
        dedup_key: `xo:digest:${EVACUATION_GROUP}`,
      })
  })

  it('an info group: a change event in auto mode, routine in alert mode, and a change of anything in change mode', () => {
    const change = pd(infoDigest())
    assert.equal(change.url, 'https://events.pagerduty.com/v2/change/enqueue')
    assert.equal(change.body.event_action, undefined)
    assert.equal(change.body.dedup_key, undefined)
    assert.deepEqual((change.body.payload as any).custom_details.counts, { 'vm.start': 3, 'vm.snapshot': 1 })
    assert.deepEqual(pdResult(infoDigest(), { mode: 'alert' }), { notSent: 'routine' })
    assert.equal(pd(evacuation(), { mode: 'change' }).url, 'https://events.pagerduty.com/v2/change/enqueue')
    assert.deepEqual(pdResult(infoDigest(), { routingKey: `R${'0'.repeat(31)}` }), { notSent: 'rulesetKeyChange' })
    // An info group whose key an earlier problem opened is resolved once resolved.
    const resolvedInfo = { ...infoDigest(), status: 'resolved' as const }
    assert.equal(pd(resolvedInfo).url, 'https://events.pagerduty.com/v2/change/enqueue')
    const open = new Set([`xo:digest:${resolvedInfo.group}`])
    assert.equal(pd(resolvedInfo, { open }).body.event_action, 'resolve')
  })

  it('severity: the worst of its kinds, overridable by kind or for every digest', () => {
    const d = evacuation()
    d.counts = { 'VM.migrated': 49, 'host.down': 1 }
    const severity = (dd: XoDigest, opts = {}) => (pd(dd, opts).body.payload as { severity: string }).severity
    assert.equal(severity(d), 'critical')
    assert.equal(severity(evacuation(), { severity: { 'VM.migrated': 'warning' } }), 'warning')
    assert.equal(severity(d, { severity: { digest: 'info' } }), 'info')
    assert.equal((pd(d).body.payload as { class: string }).class, 'VM.migrated', 'the kind it was grouped by')
  })

  it('limits: dedup key ≤255 and stable, summary ≤1024, a list of at most 100', () => {
    const d = evacuation({ total: 500, maxItems: 300 })
    d.group = `kind=VM.migrated,host=${'h'.repeat(400)}`
    d.title = 't'.repeat(5000)
    const { body } = pd(d)
    const key = body.dedup_key as string
    assert.equal(key.length, 255)
    assert.equal(pd({ ...d, id: 'another send' }).body.dedup_key, key)
    assert.notEqual(pd({ ...d, group: `${d.group}x` }).body.dedup_key, key)
    const payload = body.payload as { summary: string; custom_details: { items: unknown[]; more: number } }
    assert.equal(payload.summary.length, 1024)
    assert.equal(payload.custom_details.items.length, 100)
    assert.equal(payload.custom_details.more, 400)
  })

  it("xo pagerduty keeps the group's alert open in its context until the resolved digest", () => {
    const { node, context } = view({ mode: 'auto' }, { routingKey })
    const pagerduty = typeOf('xo-pagerduty')
    const [trigger] = requests(pagerduty.build(summaryOf(evacuation()), node))
    assert.equal((JSON.parse(String(trigger.payload)) as { event_action: string }).event_action, 'trigger')
    assert.deepEqual(context.get('openAlerts'), [`xo:digest:${EVACUATION_GROUP}`])
    const [resolve] = requests(pagerduty.build(summaryOf(evacuation({ status: 'resolved' })), node))
    assert.equal((JSON.parse(String(resolve.payload)) as { event_action: string }).event_action, 'resolve')
    assert.deepEqual(context.get('openAlerts'), [])
  })
})
