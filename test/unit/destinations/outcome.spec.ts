import assert from 'node:assert/strict'
import { backoffMs, classifyResponse, type Outcome } from '../../../src/destinations/outcome'

describe('destinations: classifying answers', () => {
  const NOW = Date.parse('2026-11-30T08:00:00Z')
  const classify = (
    destination: Parameters<typeof classifyResponse>[0],
    response: Parameters<typeof classifyResponse>[1],
  ) => classifyResponse(destination, response, () => NOW)
  const outcome = (o: Outcome) => o.outcome

  it('transport failures, 408, 429 and 5xx are retried; Retry-After in seconds or as a date', () => {
    assert.deepEqual(
      classify('slack', { error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.1:443' } }),
      { outcome: 'retry', reason: 'no answer: ECONNREFUSED connect ECONNREFUSED 10.0.0.1:443' },
    )
    assert.deepEqual(classify('generic', { error: 'RequestError: timeout' }), {
      outcome: 'retry',
      reason: 'no answer: RequestError: timeout',
    })
    assert.deepEqual(classify('generic', {}), { outcome: 'retry', reason: 'no answer: no status code' })
    // What Node-RED's core http request node gives when no answer came: the code as the status, '<error> : <url>'
    // as the payload; the URL (a webhook's secret) is left out of the reason.
    const refused = {
      statusCode: 'ECONNREFUSED',
      payload: 'RequestError: connect ECONNREFUSED 10.0.0.1:443 : https://hooks.slack.com/services/T/B/secret',
    }
    assert.deepEqual(classify('slack', refused), {
      outcome: 'retry',
      reason: 'no answer: RequestError: connect ECONNREFUSED 10.0.0.1:443',
    })
    const timeout = {
      statusCode: 'ETIMEDOUT',
      payload: "RequestError: Timeout awaiting 'request' for 5000ms : https://events.pagerduty.com/v2/enqueue",
    }
    assert.deepEqual(classify('pagerduty', timeout), {
      outcome: 'retry',
      reason: "no answer: ETIMEDOUT RequestError: Timeout awaiting 'request' for 5000ms",
    })
    assert.deepEqual(classify('slack', { statusCode: 429, headers: { 'retry-after': '30' }, payload: '' }), {
      outcome: 'retry',
      afterMs: 30_000,
      reason: 'HTTP 429',
    })
    assert.deepEqual(
      classify('pagerduty', { statusCode: '429', headers: { 'Retry-After': 'Mon, 30 Nov 2026 08:01:00 GMT' } }),
      { outcome: 'retry', afterMs: 60_000, reason: 'HTTP 429' },
    )
    assert.deepEqual(classify('teams', { statusCode: 408 }), { outcome: 'retry', reason: 'HTTP 408' })
    assert.deepEqual(classify('slack', { statusCode: 500, payload: 'rollup_error' }), {
      outcome: 'retry',
      reason: 'HTTP 500: rollup_error',
    })
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
      assert.equal(
        outcome(classify(destination, { statusCode, payload })),
        expected,
        `${destination} ${statusCode} ${JSON.stringify(payload)}`,
      )
    }
    assert.deepEqual(
      classify('kea', { statusCode: 200, payload: [{ result: 2, text: "'reservation-add' command not supported." }] }),
      { outcome: 'fail', reason: "Kea result 2: 'reservation-add' command not supported." },
    )
  })

  it('other 4xx and 3xx fail, with what the destination said', () => {
    assert.deepEqual(classify('slack', { statusCode: 404, payload: 'no_service' }), {
      outcome: 'fail',
      reason: 'HTTP 404: no_service',
    })
    assert.deepEqual(classify('slack', { statusCode: 410, payload: 'channel_is_archived' }), {
      outcome: 'fail',
      reason: 'HTTP 410: channel_is_archived (disable this route)',
    })
    assert.deepEqual(classify('slack', { statusCode: 400, payload: 'invalid_payload' }), {
      outcome: 'fail',
      reason: 'HTTP 400: invalid_payload',
    })
    const pd = { status: 'invalid event', message: 'Event object is invalid', errors: ["'routing_key' is invalid"] }
    assert.deepEqual(classify('pagerduty', { statusCode: 400, payload: pd }), {
      outcome: 'fail',
      reason: "HTTP 400: Event object is invalid ('routing_key' is invalid)",
    })
    assert.deepEqual(classify('gitlab', { statusCode: 400, payload: { message: { base: ['Reference not found'] } } }), {
      outcome: 'fail',
      reason: 'HTTP 400: {"base":["Reference not found"]}',
    })
    assert.deepEqual(classify('github', { statusCode: 422, payload: '{"message":"Invalid request"}' }), {
      outcome: 'fail',
      reason: 'HTTP 422: Invalid request',
    })
    assert.deepEqual(classify('teams', { statusCode: 401 }), { outcome: 'fail', reason: 'HTTP 401' })
    assert.deepEqual(classify('generic', { statusCode: 302, headers: { location: 'https://login' } }), {
      outcome: 'fail',
      reason: 'HTTP 302 redirect to https://login',
    })
    assert.equal(outcome(classify('generic', { statusCode: 409 })), 'fail')
    assert.equal(outcome(classify('haproxy', { statusCode: 409 })), 'retry', 'HAProxy: the configuration version moved')
    assert.equal(outcome(classify('haproxy', { statusCode: 404 })), 'fail')
  })

  it("GitHub's rate limit (403 with nothing remaining) waits until the reset", () => {
    const headers = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 90) }
    assert.deepEqual(classify('github', { statusCode: 403, headers, payload: '' }), {
      outcome: 'retry',
      afterMs: 90_000,
      reason: 'GitHub rate limit',
    })
    assert.equal(
      outcome(classify('github', { statusCode: 403, payload: '{"message":"Resource not accessible"}' })),
      'fail',
    )
    // a secondary limit answers 429: the reset still counts, and a Retry-After wins over it
    assert.deepEqual(classify('github', { statusCode: 429, headers, payload: '' }), {
      outcome: 'retry',
      afterMs: 90_000,
      reason: 'GitHub rate limit',
    })
    assert.deepEqual(
      classify('github', { statusCode: 429, headers: { ...headers, 'retry-after': '60' }, payload: '' }),
      { outcome: 'retry', afterMs: 60_000, reason: 'GitHub rate limit' },
    )
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
