import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { signStandardWebhook, verifyStandardWebhook } from '../../../src/destinations/signing'

describe('destinations: Standard Webhooks signatures', () => {
  // The specification's own test vector (standard-webhooks, also in Svix's libraries).
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek'
  const timestamp = 1614265330
  const body = '{"test": 2432232314}'
  const signature = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
  const headers = (overrides: Record<string, string> = {}) => ({
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature,
    ...overrides,
  })

  it("reproduces the specification's test vector", () => {
    assert.equal(signStandardWebhook(id, timestamp, body, secret), signature)
    assert.ok(verifyStandardWebhook(headers(), body, secret, 300, timestamp))
  })

  it('keys the HMAC with the bytes the secret encodes, not the secret text', () => {
    const key = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64')
    const independent = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')
    assert.equal(signature, `v1,${independent}`)
    const wrong = createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64')
    assert.equal(
      verifyStandardWebhook(headers({ 'webhook-signature': `v1,${wrong}` }), body, secret, 300, timestamp),
      false,
    )
  })

  it('rejects a tampered body, id or signature, another secret, a missing header', () => {
    assert.equal(verifyStandardWebhook(headers(), '{"test": 2432232315}', secret, 300, timestamp), false)
    assert.equal(verifyStandardWebhook(headers({ 'webhook-id': 'msg_other' }), body, secret, 300, timestamp), false)
    assert.equal(
      verifyStandardWebhook(headers({ 'webhook-signature': 'v1,AAAA' }), body, secret, 300, timestamp),
      false,
    )
    assert.equal(
      verifyStandardWebhook(
        headers({ 'webhook-signature': signature.replace('v1,', 'v1a,') }),
        body,
        secret,
        300,
        timestamp,
      ),
      false,
    )
    assert.equal(
      verifyStandardWebhook(headers(), body, 'whsec_c2VjcmV0LW9mLWFub3RoZXItZW5kcG9pbnQ=', 300, timestamp),
      false,
    )
    assert.equal(
      verifyStandardWebhook({ 'webhook-id': id, 'webhook-signature': signature }, body, secret, 300, timestamp),
      false,
    )
    assert.equal(
      verifyStandardWebhook(headers(), body, 'whsec_', 300, timestamp),
      false,
      'an empty secret verifies nothing',
    )
  })

  it('rejects timestamps out of tolerance, both ways', () => {
    assert.ok(verifyStandardWebhook(headers(), body, secret, 300, timestamp + 300))
    assert.ok(verifyStandardWebhook(headers(), body, secret, 300, timestamp - 300))
    assert.equal(verifyStandardWebhook(headers(), body, secret, 300, timestamp + 301), false, 'too old: a replay')
    assert.equal(verifyStandardWebhook(headers(), body, secret, 300, timestamp - 301), false, 'from the future')
    assert.equal(
      verifyStandardWebhook(headers({ 'webhook-timestamp': '1614265330.5' }), body, secret, 300, timestamp),
      false,
    )
  })

  it('accepts any listed signature (secret rotation) and headers in any case', () => {
    const rotated = `v1,${Buffer.alloc(32).toString('base64')} ${signature}`
    assert.ok(verifyStandardWebhook(headers({ 'webhook-signature': rotated }), body, secret, 300, timestamp))
    const upper = { 'Webhook-Id': id, 'Webhook-Timestamp': String(timestamp), 'Webhook-Signature': signature }
    assert.ok(verifyStandardWebhook(upper, body, secret, 300, timestamp))
  })

  it('round trip with a fresh secret, over UTF-8 text', () => {
    const fresh = `whsec_${Buffer.from('a fresh 32-byte secret for tests').toString('base64')}`
    const text = JSON.stringify({ name: 'Ünïcode VM ✓' })
    const sig = signStandardWebhook('evt-1', 1_800_000_000, text, fresh)
    assert.ok(
      verifyStandardWebhook(
        { 'webhook-id': 'evt-1', 'webhook-timestamp': '1800000000', 'webhook-signature': sig },
        text,
        fresh,
        300,
        1_800_000_000,
      ),
    )
    assert.throws(() => signStandardWebhook('evt-1', 1, text, 'whsec_'), /secret/)
  })
})
