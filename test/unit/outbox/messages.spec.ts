import assert from 'node:assert/strict'
import { outcomeSettings, readAnswer } from '../../../src/destinations/outcome-decision'
import { IDEMPOTENCY_HEADER, messageOf, outcomeOf, requestOf } from '../../../src/outbox/messages'
import type { OutboxEntry, OutboxRequest } from '../../../src/outbox/outbox'

const EVENT = { id: 'call-42', kind: 'hook', title: 'vm.create by admin', ok: true }
const slack = (payload: unknown, extra: Record<string, unknown> = {}) => ({
  _msgid: 'm1',
  url: 'https://hooks.slack.example/T/B/x',
  method: 'post',
  headers: { 'content-type': 'application/json' },
  payload,
  xoDestination: 'slack',
  xoSummary: EVENT,
  ...extra,
})

function entryOf(msg: Record<string, unknown>, attempts = 1): OutboxEntry {
  const kept = requestOf(msg)
  if ('error' in kept) throw new Error(kept.error)
  return { id: kept.id, node: 'n', request: kept.request, createdAt: 0, attempts, nextAt: 0 }
}

describe('outbox messages: what is kept of a request, what goes to http request, what comes back', () => {
  it('keeps the request and what the flow reads after it; refuses a message that is not a request', () => {
    const kept = requestOf(slack({ text: 'VM web-01 created' }, { other: 'not kept' }))
    assert.ok(!('error' in kept))
    assert.deepEqual(kept.request, {
      url: 'https://hooks.slack.example/T/B/x',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      payload: { text: 'VM web-01 created' },
      carried: { xoDestination: 'slack', xoSummary: EVENT },
    })
    const kea = requestOf(slack('{}', { xoKea: { pending: [], current: 'reservation-add' } }))
    assert.deepEqual((kea as { request: OutboxRequest }).request.carried?.xoKea, {
      pending: [],
      current: 'reservation-add',
    })
    assert.match((requestOf({ payload: 'x' }) as { error: string }).error, /no msg\.url/)
  })

  it("gives the same event's same request the same id, and two requests of one event two ids", () => {
    const id = (msg: Record<string, unknown>) => (requestOf(msg) as { id: string }).id
    const first = id(slack({ text: 'a' }))
    assert.equal(id(slack({ text: 'a' }, { _msgid: 'another message' })), first, 'the same event handed over again')
    assert.notEqual(id(slack({ text: 'b' })), first, 'another request of the event')
    assert.notEqual(id(slack({ text: 'a' }, { xoSummary: { ...EVENT, id: 'call-43' } })), first, 'another event')
    assert.equal(id(slack({ text: 'a' }, { xoOutbox: { id: 'given' } })), 'given')
    assert.equal(
      id(slack({ text: 'a' }, { xoOutbox: { id: 'given', state: 'delivered' } })),
      first,
      'a settled request made into a new one (xo kea sends its next command) does not take its id',
    )
    // Without an event, a message is its own request.
    const bare = { url: 'https://example/x', payload: 1 }
    assert.notEqual(id({ ...bare, _msgid: 'a' }), id({ ...bare, _msgid: 'b' }))
  })

  it('sends every attempt with the same idempotency key, and what xo outcome needs to read the answer', () => {
    const entry = entryOf(slack({ text: 'a' }), 3)
    const msg = messageOf(entry)
    assert.equal((msg.headers as Record<string, string>)[IDEMPOTENCY_HEADER], entry.id)
    assert.equal(msg.xoDestination, 'slack')
    assert.deepEqual(msg.xoOutbox, { id: entry.id, attempt: 3 })
    assert.equal(msg.xoAttempt, 2, 'xo outcome counts this attempt as the third')
    assert.deepEqual(msg.xoRequest, { url: msg.url, method: 'POST', headers: msg.headers, payload: { text: 'a' } })
  })

  it('sends an attempt as the node that made the request refreshes it, and keeps what it made', () => {
    const entry = entryOf(slack('{"a":1}', { xoOrigin: 'cloudevent-1' }), 2)
    assert.equal(entry.request.carried?.xoOrigin, 'cloudevent-1', 'the maker is kept with the request')
    const msg = messageOf(entry, (request) => ({ ...request, headers: { ...request.headers, signed: 'anew' } }))
    assert.deepEqual(msg.headers, {
      'content-type': 'application/json',
      signed: 'anew',
      [IDEMPOTENCY_HEADER]: entry.id,
    })
    assert.deepEqual((msg.xoRequest as { headers: unknown }).headers, msg.headers, 'a retry re-sends what was sent')
    assert.equal(entry.request.headers?.signed, undefined, 'what is kept is not changed')
  })

  it("reads xo outcome's verdict on the way back: delivered, retry after its delay, failed for good", () => {
    const settings = outcomeSettings({ maxAttempts: 5 })
    const answer = (statusCode: number, payload: unknown, headers: Record<string, string> = {}) => {
      const msg: Record<string, unknown> = { ...messageOf(entryOf(slack({ text: 'a' }))), statusCode, payload, headers }
      readAnswer(msg, 'slack', settings, () => 1500)
      return outcomeOf(msg)?.outcome
    }
    assert.deepEqual(answer(200, 'ok'), { outcome: 'ok', statusCode: 200 })
    assert.deepEqual(answer(429, '', { 'retry-after': '7' }), {
      outcome: 'retry',
      reason: 'HTTP 429',
      afterMs: 7000,
      statusCode: 429,
    })
    assert.deepEqual(answer(503, ''), { outcome: 'retry', reason: 'HTTP 503', afterMs: 1500, statusCode: 503 })
    const failed = answer(404, 'no_service')
    assert.equal(failed?.outcome, 'failed')
    assert.equal(outcomeOf({ xoOutcome: { outcome: 'ok', attempt: 1 } }), undefined, 'not one of the outbox')
    const settled = { xoOutcome: { outcome: 'ok', attempt: 1 }, xoOutbox: { id: 'x', attempt: 1, state: 'delivered' } }
    assert.equal(outcomeOf(settled), undefined, 'settled already: a new request made from it is no answer')
  })
})
