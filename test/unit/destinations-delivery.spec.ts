import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { hostLabel, keaOutcome, keaReservationCommands, normalizeMac } from '../../src/destinations/kea'
import { backoffMs, classifyResponse, Outcome } from '../../src/destinations/outcome'
import { signStandardWebhook, verifyStandardWebhook } from '../../src/destinations/signing'
import { NET_DMZ, NET_ETH0, summary, usecaseMessages, vmCreated, vmMigrated, vmRemoved } from './destinations.spec'

describe('destinations: Standard Webhooks signatures', () => {
  // The specification's own test vector (standard-webhooks, also in Svix's libraries).
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek'
  const timestamp = 1614265330
  const body = '{"test": 2432232314}'
  const signature = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
  const headers = (overrides: Record<string, string> = {}) => ({ 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature, ...overrides })

  it("reproduces the specification's test vector", () => {
    assert.equal(signStandardWebhook(id, timestamp, body, secret), signature)
    assert.ok(verifyStandardWebhook(headers(), body, secret, 300, timestamp))
  })

  it('keys the HMAC with the bytes the secret encodes, not the secret text', () => {
    const key = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64')
    const independent = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')
    assert.equal(signature, `v1,${independent}`)
    const wrong = createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64')
    assert.equal(verifyStandardWebhook(headers({ 'webhook-signature': `v1,${wrong}` }), body, secret, 300, timestamp), false)
  })

  it('rejects a tampered body, id or signature, another secret, a missing header', () => {
    assert.equal(verifyStandardWebhook(headers(), '{"test": 2432232315}', secret, 300, timestamp), false)
    assert.equal(verifyStandardWebhook(headers({ 'webhook-id': 'msg_other' }), body, secret, 300, timestamp), false)
    assert.equal(verifyStandardWebhook(headers({ 'webhook-signature': 'v1,AAAA' }), body, secret, 300, timestamp), false)
    assert.equal(verifyStandardWebhook(headers({ 'webhook-signature': signature.replace('v1,', 'v1a,') }), body, secret, 300, timestamp), false)
    assert.equal(verifyStandardWebhook(headers(), body, 'whsec_c2VjcmV0LW9mLWFub3RoZXItZW5kcG9pbnQ=', 300, timestamp), false)
    assert.equal(verifyStandardWebhook({ 'webhook-id': id, 'webhook-signature': signature }, body, secret, 300, timestamp), false)
    assert.equal(verifyStandardWebhook(headers(), body, 'whsec_', 300, timestamp), false, 'an empty secret verifies nothing')
  })

  it('rejects timestamps out of tolerance, both ways', () => {
    assert.ok(verifyStandardWebhook(headers(), body, secret, 300, timestamp + 300))
    assert.ok(verifyStandardWebhook(headers(), body, secret, 300, timestamp - 300))
    assert.equal(verifyStandardWebhook(headers(), body, secret, 300, timestamp + 301), false, 'too old: a replay')
    assert.equal(verifyStandardWebhook(headers(), body, secret, 300, timestamp - 301), false, 'from the future')
    assert.equal(verifyStandardWebhook(headers({ 'webhook-timestamp': '1614265330.5' }), body, secret, 300, timestamp), false)
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
    assert.ok(verifyStandardWebhook({ 'webhook-id': 'evt-1', 'webhook-timestamp': '1800000000', 'webhook-signature': sig }, text, fresh, 300, 1_800_000_000))
    assert.throws(() => signStandardWebhook('evt-1', 1, text, 'whsec_'), /secret/)
  })
})

describe('destinations: Kea DHCP reservations', () => {
  const steps = new Map(usecaseMessages().map(({ step, msg }) => [`${step} ${(msg.xo as { phase: string }).phase}`, summary(msg)]))
  const subnets = { [NET_ETH0]: 1, DMZ: 2 }
  const upsert = (mac: string, subnet: number, extra = {}) => [
    { command: 'reservation-del', arguments: { 'subnet-id': subnet, 'identifier-type': 'hw-address', identifier: mac, ...extra } },
    { command: 'reservation-add', arguments: { reservation: { 'subnet-id': subnet, 'hw-address': mac, hostname: 'nr-vm-d9ibu' }, ...extra } },
  ]

  it('a VM created by vm.create: delete then add, per VIF on a mapped network (by id or name)', () => {
    assert.deepEqual(keaReservationCommands(steps.get('1 post')!, { subnets }), [...upsert('92:cd:09:3f:54:f0', 1), ...upsert('6a:76:60:4d:c1:ed', 2)])
    assert.deepEqual(keaReservationCommands(steps.get('1 post')!, { subnets: { DMZ: 7 }, operationTarget: 'primary' }), upsert('6a:76:60:4d:c1:ed', 7, { 'operation-target': 'primary' }))
    assert.deepEqual(keaReservationCommands(steps.get('1 post')!, { subnets: { 'no such network': 1 } }), { notSent: 'noMappedVif' })
  })

  it("a VM cloned: the clone's own MAC, never the reservations of the VM it was cloned from", () => {
    const clone = steps.get('11 post')!
    assert.equal(clone.kind, 'vm.clone')
    const macs = (keaReservationCommands(clone, { subnets }) as Array<{ command: string; arguments: Record<string, unknown> }>).map((c) => c.arguments.identifier ?? (c.arguments.reservation as { 'hw-address': string })['hw-address'])
    assert.deepEqual(macs, ['aa:45:b0:32:f1:3b', 'aa:45:b0:32:f1:3b'])
    assert.deepEqual(keaReservationCommands(steps.get('11 pre')!, { subnets }), { notSent: 'beforeCall' })
  })

  it("a snapshot deleted (vm.delete deletes snapshots too): nothing, though it carries its VM's MAC addresses", () => {
    const pre = steps.get('16 pre')!
    assert.equal(pre.objects.vm.type, 'VM-snapshot')
    assert.ok((pre.objects.vm.vifs as unknown[]).length > 0, 'the snapshot has VIFs with MACs')
    assert.deepEqual(keaReservationCommands(pre, { subnets }), { notSent: 'snapshot' })
    assert.deepEqual(keaReservationCommands(steps.get('10 post')!, { subnets }), { notSent: 'snapshot' }, 'nor is taking one a VM created')
    const template = { ...pre, objects: { ...pre.objects, vm: { ...pre.objects.vm, type: 'VM-template' } } }
    assert.deepEqual(keaReservationCommands(template, { subnets }), { notSent: 'template' })
  })

  it('VM.created with its VIFs resolved does the same; without MACs there is nothing to do', () => {
    assert.deepEqual(keaReservationCommands(summary(vmCreated()), { subnets }), [...upsert('92:cd:09:3f:54:f0', 1), ...upsert('6a:76:60:4d:c1:ed', 2)])
    assert.deepEqual(keaReservationCommands(summary(vmCreated(false)), { subnets }), { notSent: 'noMappedVif' })
  })

  it('a deleted VM: delete its reservations (pre of vm.delete, while XO still knows its VIFs; VM.removed)', () => {
    const del = (mac: string, subnet: number) => ({ command: 'reservation-del', arguments: { 'subnet-id': subnet, 'identifier-type': 'hw-address', identifier: mac } })
    const expected = [del('92:cd:09:3f:54:f0', 1), del('6a:76:60:4d:c1:ed', 2)]
    assert.deepEqual(keaReservationCommands(steps.get('17 pre')!, { subnets }), expected)
    // The object stream names a VIF's network by id only: key subnets by network id for xo-events.
    assert.deepEqual(keaReservationCommands(summary(vmRemoved()), { subnets: { [NET_ETH0]: 1, [NET_DMZ]: 2 } }), expected)
    assert.deepEqual(keaReservationCommands(summary(vmRemoved()), { subnets }), [expected[0]])
    assert.deepEqual(keaReservationCommands(steps.get('17 post')!, { subnets }), { notSent: 'deletedAlready' }, 'after the call, the VIFs are gone')
  })

  it('nothing for other events, a pre of vm.create, or a failed call', () => {
    const reasons = ['1 pre', '2 post', '9 post', '28 post'].map((key) => (keaReservationCommands(steps.get(key)!, { subnets }) as { notSent: string }).notSent)
    assert.deepEqual(reasons, ['beforeCall', 'noVmChange', 'noVmChange', 'failedCall'])
    assert.deepEqual(keaReservationCommands(summary(vmMigrated()), { subnets }), { notSent: 'noVmChange' })
    const failed = { ...steps.get('1 post')!, ok: false }
    assert.deepEqual(keaReservationCommands(failed, { subnets }), { notSent: 'failedCall' })
  })

  it('a deletion that failed gets its reservations back; one missed while Node-RED was away is said', () => {
    const pre = steps.get('17 pre')!
    const failed = { ...steps.get('17 post')!, ok: false, objects: pre.objects }
    const commands = keaReservationCommands(failed, { subnets }) as Array<{ command: string }>
    assert.deepEqual(commands.map((c) => c.command), ['reservation-del', 'reservation-add', 'reservation-del', 'reservation-add'])
    assert.deepEqual(keaReservationCommands({ ...steps.get('17 post')!, replayed: true }, { subnets }), { notSent: 'deletedWhileAway' })
  })

  it('leaves alone a MAC address another VM carries (a restored backup keeps those of the VM backed up)', () => {
    const s = steps.get('1 post')!
    const vifs = (s.created!.vifs as Array<Record<string, unknown>>).map((vif) => ({ ...vif, sharedWith: ['the-original'] }))
    assert.deepEqual(keaReservationCommands({ ...s, created: { ...s.created!, vifs } }, { subnets }), { notSent: 'sharedMac' })
    const one = [{ ...vifs[0] }, { ...vifs[1], sharedWith: undefined }]
    const commands = keaReservationCommands({ ...s, created: { ...s.created!, vifs: one } }, { subnets }) as Array<{ arguments: Record<string, unknown> }>
    assert.deepEqual(commands.map((c) => c.arguments.identifier ?? (c.arguments.reservation as Record<string, unknown>)['hw-address']), ['6a:76:60:4d:c1:ed', '6a:76:60:4d:c1:ed'])
  })

  it('host names are valid DNS labels', () => {
    assert.equal(hostLabel('Web 01 (prod)'), 'web-01-prod')
    assert.equal(hostLabel('Ünïcode_VM'), 'unicode-vm')
    assert.equal(hostLabel('--db--01--'), 'db-01')
    assert.equal(hostLabel('a'.repeat(62) + '-b'), 'a'.repeat(62), 'cut at 63, no trailing hyphen')
    assert.equal(hostLabel('x'.repeat(5000))!.length, 63)
    assert.equal(hostLabel('日本'), undefined)
    assert.equal(hostLabel(''), undefined)
    const s = steps.get('1 post')!
    const odd = { ...s, created: { ...s.created!, name: '日本' } }
    assert.deepEqual(((keaReservationCommands(odd, { subnets }) as Array<{ arguments: Record<string, unknown> }>)[1].arguments.reservation as object), { 'subnet-id': 1, 'hw-address': '92:cd:09:3f:54:f0' })
  })

  it('MAC addresses are normalised, anything else skipped', () => {
    assert.equal(normalizeMac('EA-F3-39-8A-74-CA'), 'ea:f3:39:8a:74:ca')
    assert.equal(normalizeMac('eaf3.398a.74ca'), 'ea:f3:39:8a:74:ca')
    assert.equal(normalizeMac('ea:f3:39:8a:74'), undefined)
    assert.equal(normalizeMac(42), undefined)
  })

  it("reads Kea's answers: result, not HTTP status", () => {
    const cases: Array<[unknown, ReturnType<typeof keaOutcome>]> = [
      [[{ result: 0, text: 'Host added.' }], { ok: true, text: 'Host added.', result: 0 }],
      [[{ result: 1, text: 'Host not deleted (not found).' }], { ok: true, notFound: true, text: 'Host not deleted (not found).', result: 1 }],
      [[{ result: 3, text: '0 IPv4 host(s) found.' }], { ok: true, notFound: true, text: '0 IPv4 host(s) found.', result: 3 }],
      [[{ result: 1, text: 'Host already exists.' }], { ok: false, text: 'Host already exists.', result: 1 }],
      [[{ result: 2, text: "'reservation-add' command not supported." }], { ok: false, text: "'reservation-add' command not supported.", result: 2 }],
      [{ result: 403, text: 'Forbidden' }, { ok: false, text: 'Forbidden', result: 403 }],
      ['[{"result":0,"text":"Host deleted."}]', { ok: true, text: 'Host deleted.', result: 0 }],
      [Buffer.from('[{"result":0,"text":"ok"}]'), { ok: true, text: 'ok', result: 0 }],
      [[{ result: 0, text: 'a' }, { result: 4, text: 'conflict' }], { ok: false, text: 'conflict', result: 4 }],
    ]
    for (const [body, expected] of cases) assert.deepEqual(keaOutcome(body), expected, JSON.stringify(body))
    for (const body of ['<html>', [], {}, null, [{ text: 'no result' }]]) assert.equal(keaOutcome(body).ok, false, JSON.stringify(body))
  })
})

describe('destinations: classifying answers', () => {
  const NOW = Date.parse('2026-11-30T08:00:00Z')
  const classify = (destination: Parameters<typeof classifyResponse>[0], response: Parameters<typeof classifyResponse>[1]) => classifyResponse(destination, response, () => NOW)
  const outcome = (o: Outcome) => o.outcome

  it('transport failures, 408, 429 and 5xx are retried; Retry-After in seconds or as a date', () => {
    assert.deepEqual(classify('slack', { error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.1:443' } }), { outcome: 'retry', reason: 'no answer: ECONNREFUSED connect ECONNREFUSED 10.0.0.1:443' })
    assert.deepEqual(classify('generic', { error: 'RequestError: timeout' }), { outcome: 'retry', reason: 'no answer: RequestError: timeout' })
    assert.deepEqual(classify('generic', {}), { outcome: 'retry', reason: 'no answer: no status code' })
    // What Node-RED's core http request node gives when no answer came: the code as the status, '<error> : <url>'
    // as the payload; the URL (a webhook's secret) is left out of the reason.
    const refused = { statusCode: 'ECONNREFUSED', payload: 'RequestError: connect ECONNREFUSED 10.0.0.1:443 : https://hooks.slack.com/services/T/B/secret' }
    assert.deepEqual(classify('slack', refused), { outcome: 'retry', reason: 'no answer: RequestError: connect ECONNREFUSED 10.0.0.1:443' })
    const timeout = { statusCode: 'ETIMEDOUT', payload: "RequestError: Timeout awaiting 'request' for 5000ms : https://events.pagerduty.com/v2/enqueue" }
    assert.deepEqual(classify('pagerduty', timeout), { outcome: 'retry', reason: "no answer: ETIMEDOUT RequestError: Timeout awaiting 'request' for 5000ms" })
    assert.deepEqual(classify('slack', { statusCode: 429, headers: { 'retry-after': '30' }, payload: '' }), { outcome: 'retry', afterMs: 30_000, reason: 'HTTP 429' })
    assert.deepEqual(classify('pagerduty', { statusCode: '429', headers: { 'Retry-After': 'Mon, 30 Nov 2026 08:01:00 GMT' } }), { outcome: 'retry', afterMs: 60_000, reason: 'HTTP 429' })
    assert.deepEqual(classify('teams', { statusCode: 408 }), { outcome: 'retry', reason: 'HTTP 408' })
    assert.deepEqual(classify('slack', { statusCode: 500, payload: 'rollup_error' }), { outcome: 'retry', reason: 'HTTP 500: rollup_error' })
    for (const status of [502, 503, 504]) assert.equal(outcome(classify('kea', { statusCode: status })), 'retry')
  })

  it('success, per destination', () => {
    const table: Array<[Parameters<typeof classifyResponse>[0], number, unknown, string]> = [
      ['slack', 200, 'ok', 'ok'],
      ['slack', 200, Buffer.from('ok'), 'ok'],
      ['slack', 200, 'invalid_blocks', 'fail'],
      ['mattermost', 200, 'ok', 'ok'],
      ['mattermost', 200, { success: true }, 'ok'],
      ['mattermost', 200, '{"success":false,"error":"x"}', 'fail'],
      ['teams', 202, '', 'ok'],
      ['teams', 200, '1', 'ok'],
      ['pagerduty', 202, { status: 'success', message: 'Event processed', dedup_key: 'k' }, 'ok'],
      ['github', 204, '', 'ok'],
      ['gitlab', 201, { id: 1, status: 'created' }, 'ok'],
      ['haproxy', 200, { admin_state: 'drain' }, 'ok'],
      ['haproxy', 202, '', 'ok'],
      ['cloudevents', 202, '', 'ok'],
      ['generic', 204, '', 'ok'],
      ['kea', 200, [{ result: 0, text: 'Host added.' }], 'ok'],
      ['kea', 200, '[{"result":1,"text":"Host not deleted (not found)."}]', 'ok'],
      ['kea', 200, [{ result: 1, text: 'Host already exists.' }], 'fail'],
      ['kea', 200, { result: 403, text: 'Forbidden' }, 'fail'],
    ]
    for (const [destination, statusCode, payload, expected] of table) {
      assert.equal(outcome(classify(destination, { statusCode, payload })), expected, `${destination} ${statusCode} ${JSON.stringify(payload)}`)
    }
    assert.deepEqual(classify('kea', { statusCode: 200, payload: [{ result: 2, text: "'reservation-add' command not supported." }] }), { outcome: 'fail', reason: "Kea result 2: 'reservation-add' command not supported." })
  })

  it('other 4xx and 3xx fail, with what the destination said', () => {
    assert.deepEqual(classify('slack', { statusCode: 404, payload: 'no_service' }), { outcome: 'fail', reason: 'HTTP 404: no_service' })
    assert.deepEqual(classify('slack', { statusCode: 410, payload: 'channel_is_archived' }), { outcome: 'fail', reason: 'HTTP 410: channel_is_archived (disable this route)' })
    assert.deepEqual(classify('slack', { statusCode: 400, payload: 'invalid_payload' }), { outcome: 'fail', reason: 'HTTP 400: invalid_payload' })
    const pd = { status: 'invalid event', message: 'Event object is invalid', errors: ["'routing_key' is invalid"] }
    assert.deepEqual(classify('pagerduty', { statusCode: 400, payload: pd }), { outcome: 'fail', reason: "HTTP 400: Event object is invalid ('routing_key' is invalid)" })
    assert.deepEqual(classify('gitlab', { statusCode: 400, payload: { message: { base: ['Reference not found'] } } }), { outcome: 'fail', reason: 'HTTP 400: {"base":["Reference not found"]}' })
    assert.deepEqual(classify('github', { statusCode: 422, payload: '{"message":"Invalid request"}' }), { outcome: 'fail', reason: 'HTTP 422: Invalid request' })
    assert.deepEqual(classify('teams', { statusCode: 401 }), { outcome: 'fail', reason: 'HTTP 401' })
    assert.deepEqual(classify('generic', { statusCode: 302, headers: { location: 'https://login' } }), { outcome: 'fail', reason: 'HTTP 302 redirect to https://login' })
    assert.equal(outcome(classify('generic', { statusCode: 409 })), 'fail')
    assert.equal(outcome(classify('haproxy', { statusCode: 409 })), 'retry', 'HAProxy: the configuration version moved')
    assert.equal(outcome(classify('haproxy', { statusCode: 404 })), 'fail')
  })

  it("GitHub's rate limit (403 with nothing remaining) waits until the reset", () => {
    const headers = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 90) }
    assert.deepEqual(classify('github', { statusCode: 403, headers, payload: '' }), { outcome: 'retry', afterMs: 90_000, reason: 'GitHub rate limit' })
    assert.equal(outcome(classify('github', { statusCode: 403, payload: '{"message":"Resource not accessible"}' })), 'fail')
    // a secondary limit answers 429: the reset still counts, and a Retry-After wins over it
    assert.deepEqual(classify('github', { statusCode: 429, headers, payload: '' }), { outcome: 'retry', afterMs: 90_000, reason: 'GitHub rate limit' })
    assert.deepEqual(classify('github', { statusCode: 429, headers: { ...headers, 'retry-after': '60' }, payload: '' }), { outcome: 'retry', afterMs: 60_000, reason: 'GitHub rate limit' })
  })

  it('keeps reasons short', () => {
    const o = classify('generic', { statusCode: 400, payload: 'x'.repeat(10_000) }) as { reason: string }
    assert.ok(o.reason.length < 220)
  })
})

describe('destinations: backoff', () => {
  it('doubles from the base up to the cap; full jitter between 0 and that', () => {
    const top = (attempt: number) => backoffMs(attempt, { random: () => 0.999999 })
    assert.deepEqual([0, 1, 2, 3].map(top), [999, 1999, 3999, 7999])
    assert.equal(top(20), 299_999)
    assert.equal(top(10_000), 299_999, 'no overflow')
    assert.equal(backoffMs(5, { random: () => 0 }), 0)
    assert.equal(backoffMs(3, { baseMs: 100, maxMs: 500, random: () => 0.5 }), 250)
    for (let i = 0; i < 200; i++) {
      const d = backoffMs(4)
      assert.ok(d >= 0 && d < 16_000 && Number.isInteger(d), `${d}`)
    }
  })
})
