import assert from 'node:assert/strict'
import { cloudEvent, structuredRequest } from '../../../src/destinations/cloudevents'
import type { XoDigest } from '../../../src/destinations/digest-message'
import { isXoEventSummary, summarizeMessage } from '../../../src/destinations/event'
import { keaReservationCommands } from '../../../src/destinations/kea'
import { requests, typeOf, view } from '../../support/destination-fixtures'
import { digestMessage, EVACUATION_GROUP, evacuation, infoDigest } from '../../support/digest-fixtures'

const summaryOf = (d: XoDigest) => {
  const s = summarizeMessage(digestMessage(d))
  assert.ok(isXoEventSummary(s))
  return s
}

describe('destinations: a digest as a CloudEvent', () => {
  it("one event of type <prefix>.digest, the digest's id, its data the group's counts and list", () => {
    const event = cloudEvent(summaryOf(evacuation()), { source: 'https://xo.example.net' })
    const data = event.data as Record<string, any>
    assert.deepEqual(
      { ...event, data: undefined },
      {
        specversion: '1.0',
        id: `${EVACUATION_GROUP}#1`,
        source: 'https://xo.example.net',
        type: 'org.xen-orchestra.digest',
        subject: 'admin@admin.net',
        time: '2026-05-01T10:01:38.000Z',
        datacontenttype: 'application/json',
        data: undefined,
      },
    )
    assert.deepEqual(
      { ...data, items: data.items.length },
      {
        kind: 'digest',
        group: EVACUATION_GROUP,
        status: 'firing',
        severity: 'problem',
        ok: false,
        title: 'web-01 and 49 other VMs migrated off host xcp-host-1 on pool sim-pool',
        labels: { kind: 'VM.migrated', host: 'xcp-host-1' },
        count: 50,
        newCount: 50,
        counts: { 'VM.migrated': 50 },
        open: 50,
        firstAt: '2026-05-01T10:00:00.000Z',
        lastAt: '2026-05-01T10:01:38.000Z',
        items: 20,
        more: 30,
        user: { id: 'u1', name: 'admin@admin.net' },
        pool: { id: 'pool1', name: 'sim-pool' },
        host: { id: 'host1', name: 'xcp-host-1' },
      },
    )
    assert.deepEqual(data.items[0], {
      id: evacuation().items[0].id,
      kind: 'VM.migrated',
      title: 'VM web-01 migrated from xcp-host-1 to xcp-host-2',
      time: '2026-05-01T10:00:00.000Z',
      ok: true,
      subject: { id: 'vm1', type: 'VM', name: 'web-01' },
    })
    const resolved = cloudEvent(summaryOf(evacuation({ status: 'resolved' })), {
      source: 'urn:x',
      typePrefix: 'net.example',
      subject: 'pool',
    })
    assert.deepEqual(
      [resolved.id, resolved.type, resolved.subject],
      [`${EVACUATION_GROUP}#2`, 'net.example.digest', 'pool1'],
    )
  })

  it('stays under 64 KiB, the list halved and what is cut counted', () => {
    const d = evacuation({ total: 5000, maxItems: 2000 })
    d.items = d.items.map((item) => ({ ...item, title: 'x'.repeat(2000) }))
    d.counts = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`kind-${i}-${'k'.repeat(500)}`, i]))
    const request = structuredRequest(cloudEvent(summaryOf(d), { source: 'urn:x' }), 'https://in')
    assert.ok(Buffer.byteLength(String(request.payload)) <= 64 * 1024)
    const data = JSON.parse(String(request.payload)).data
    assert.ok(data.items.length > 0)
    assert.equal(data.items.length + data.more, 5000)
    assert.equal(Object.keys(data.counts).length, 100)
  })

  it('xo cloudevent set to VMs only: a digest passes when every message it lists or counts is a VM', () => {
    const node = view({ url: 'https://in', objects: 'vm' }).node
    assert.equal(requests(typeOf('xo-cloudevent').build(summaryOf(evacuation()), node)).length, 1)
    // Twenty VMs listed, and a snapshot among the thirty left out: known by its kind.
    const withSnapshot = { ...evacuation(), counts: { 'VM.migrated': 49, 'VM-snapshot.created': 1 } }
    assert.deepEqual(typeOf('xo-cloudevent').build(summaryOf(withSnapshot), node), { notSent: 'notOnlyVms' })
    // infoDigest lists a snapshot
    assert.deepEqual(typeOf('xo-cloudevent').build(summaryOf(infoDigest()), node), { notSent: 'notOnlyVms' })
    const any = view({ url: 'https://in' }).node
    assert.equal(requests(typeOf('xo-cloudevent').build(summaryOf(infoDigest()), any)).length, 1)
  })
})

describe('destinations: a digest is not for CI, HAProxy or Kea', () => {
  it('not sent, for a reason the status counts', () => {
    const s = summaryOf(evacuation())
    for (const kind of ['github', 'gitlab'])
      assert.deepEqual(typeOf('xo-ci').build(s, view({ kind }, { token: 't' }).node), { notSent: 'digest' })
    assert.deepEqual(
      typeOf('xo-haproxy').build(s, view({ url: 'http://lb:5555', backend: 'web' }, { password: 'p' }).node),
      { notSent: 'digest' },
    )
    assert.deepEqual(keaReservationCommands(s, { subnets: { DMZ: 2 } }), { notSent: 'digest' })
  })
})
