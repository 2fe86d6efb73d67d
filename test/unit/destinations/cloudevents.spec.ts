import assert from 'node:assert/strict'
import { cloudEvent, resigned, structuredRequest, verifyStandardWebhook } from '../../../src/destinations/cloudevents'
import {
  bare,
  extreme,
  json,
  NEW_VM,
  POOL_ID,
  step,
  summary,
  vmMigrated,
  WEB01,
} from '../../support/destination-messages'

describe('destinations: CloudEvents', () => {
  const source = 'https://xo.lab.example'

  it('a structured CloudEvent 1.0 with a deterministic id and a thin data', () => {
    const s = step('1 post')
    const e = cloudEvent(s, { source, typePrefix: 'net.example.xo' })
    assert.deepEqual(
      { ...e, data: undefined },
      {
        specversion: '1.0',
        id: 'uo7i9599mg:post',
        source,
        type: 'net.example.xo.vm.create.post',
        subject: 'admin@admin.net',
        time: s.time,
        datacontenttype: 'application/json',
        data: undefined,
      },
    )
    const data = e.data as Record<string, any>
    assert.deepEqual(data.subject, { id: NEW_VM, type: 'VM', name: 'nr-vm-d9ibu' })
    assert.deepEqual(data.pool, { id: POOL_ID, name: 'fake-pool' })
    assert.equal(data.ok, true)
    assert.equal('params' in data || 'raw' in data, false)
    assert.deepEqual(cloudEvent(s, { source, typePrefix: 'net.example.xo' }), e)
  })

  it('types and subjects', () => {
    assert.equal(cloudEvent(step('1 pre'), { source }).type, 'org.xen-orchestra.vm.create.pre')
    assert.equal(cloudEvent(summary(vmMigrated()), { source }).type, 'org.xen-orchestra.VM.migrated')
    assert.equal(cloudEvent(bare(), { source }).type, 'org.xen-orchestra.system.getServerVersion.call')
    assert.equal(cloudEvent(step('9 post'), { source, subject: 'pool' }).subject, POOL_ID)
    assert.equal(cloudEvent(step('9 post'), { source, subject: 'object' }).subject, WEB01.id)
    assert.equal('subject' in cloudEvent(bare(), { source }), false, 'no user known: no subject')
    const failed = cloudEvent(step('28 post'), { source }).data as Record<string, any>
    assert.deepEqual([failed.ok, failed.error.code], [false, 'VM_BAD_POWER_STATE'])
  })

  it('stays under 64 KiB, whatever the size of the event', () => {
    for (const s of [extreme(), bare()]) {
      const e = cloudEvent(s, { source })
      assert.ok(Buffer.byteLength(json(e)) <= 64 * 1024)
      assert.doesNotMatch(json(e), /stack\.js/)
    }
  })

  it('the request sends the exact JSON text, signed when asked', () => {
    const e = cloudEvent(step('9 post'), { source })
    const plain = structuredRequest(e, 'https://meter.example/api/v1/events')
    assert.deepEqual(plain, {
      url: 'https://meter.example/api/v1/events',
      method: 'POST',
      headers: { 'Content-Type': 'application/cloudevents+json; charset=UTF-8' },
      payload: JSON.stringify(e),
    })
    const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`
    const signed = structuredRequest(e, 'https://meter.example/api/v1/events', { secret, timestamp: 1_800_000_000 })
    assert.equal(signed.headers['webhook-id'], '25sf35br4ef:post')
    assert.equal(signed.headers['webhook-timestamp'], '1800000000')
    assert.ok(verifyStandardWebhook(signed.headers, signed.payload as string, secret, 300, 1_800_000_100))
  })

  it('a request sent again later is signed anew, under the same webhook-id, the body untouched', () => {
    const e = cloudEvent(step('9 post'), { source })
    const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`
    const signed = structuredRequest(e, 'https://meter.example/api/v1/events', { secret, timestamp: 1_800_000_000 })
    // An hour later, the first signature is past any receiver's tolerance.
    assert.ok(!verifyStandardWebhook(signed.headers, signed.payload as string, secret, 300, 1_800_003_600))
    const again = resigned(signed, secret, 1_800_003_600)
    assert.equal(again.payload, signed.payload)
    assert.equal(again.headers['webhook-id'], signed.headers['webhook-id'])
    assert.equal(again.headers['webhook-timestamp'], '1800003600')
    assert.ok(verifyStandardWebhook(again.headers, again.payload as string, secret, 300, 1_800_003_600))
    // A request that was not signed stays as it is.
    const plain = structuredRequest(e, 'https://meter.example/api/v1/events')
    assert.equal(resigned(plain, secret, 1_800_003_600), plain)
  })
})
