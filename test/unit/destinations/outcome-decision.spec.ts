import assert from 'node:assert/strict'
import { destinationOf, outcomeSettings, outcomeStatus, readAnswer } from '../../../src/destinations/outcome-decision'
import { t } from '../../support/destination-fixtures'

describe('xo outcome, one answer', () => {
  const settings = outcomeSettings({ destination: 'auto', maxAttempts: 3, maxDelay: 10 })

  it('reads defaults for what is not set', () => {
    assert.deepEqual(outcomeSettings({}), { destination: undefined, maxAttempts: 5, maxDelayMs: 300_000 })
    assert.deepEqual(outcomeSettings({ destination: 'kea', maxAttempts: '0', maxDelay: 'x' }), {
      destination: 'kea',
      maxAttempts: 5,
      maxDelayMs: 300_000,
    })
    assert.deepEqual(settings, { destination: undefined, maxAttempts: 3, maxDelayMs: 10_000 })
  })

  it("reads by the node's destination, else the message's, else a generic receiver's; names one it does not know", () => {
    assert.deepEqual(destinationOf(settings, 'slack'), { destination: 'slack' })
    assert.deepEqual(destinationOf(settings, undefined), { destination: 'generic' })
    assert.deepEqual(destinationOf(settings, 'smtp'), { destination: 'generic', unknown: 'smtp' })
    assert.deepEqual(destinationOf(outcomeSettings({ destination: 'teams' }), 'slack'), { destination: 'teams' })
  })

  it('delivered: output 1, attempt counted', () => {
    const msg: Record<string, unknown> = { statusCode: 200, payload: 'ok' }
    assert.equal(readAnswer(msg, 'slack', settings), 'ok')
    assert.deepEqual([msg.xoAttempt, msg.xoOutcome], [1, { outcome: 'ok', attempt: 1 }])
  })

  it('retry: the request put back, a wait from Retry-After or backoff, never beyond the longest wait', () => {
    const request = { url: 'https://x', method: 'POST', headers: { a: '1' }, payload: 'body' }
    const msg: Record<string, unknown> = { statusCode: 503, payload: 'busy', headers: {}, xoRequest: request }
    assert.equal(
      readAnswer(msg, 'generic', settings, (attempt) => attempt * 1000),
      'retry',
    )
    assert.deepEqual([msg.payload, msg.headers, msg.delay, msg.xoAttempt], ['body', { a: '1' }, 1000, 1])
    assert.equal((msg.xoOutcome as { outcome: string }).outcome, 'retry')
    const later: Record<string, unknown> = { statusCode: 429, headers: { 'retry-after': '60' }, xoAttempt: 1 }
    assert.equal(readAnswer(later, 'generic', settings), 'retry')
    assert.equal(later.delay, 10_000)
  })

  it('failed for good, or out of attempts: output 3 with the reason', () => {
    const refused: Record<string, unknown> = { statusCode: 400, payload: 'invalid_blocks' }
    assert.equal(readAnswer(refused, 'slack', settings), 'failed')
    const tired: Record<string, unknown> = { statusCode: 503, payload: '', xoAttempt: 2 }
    assert.equal(readAnswer(tired, 'generic', settings), 'failed')
    assert.deepEqual(tired.xoOutcome, { outcome: 'failed', reason: 'HTTP 503; gave up after 3 attempts', attempt: 3 })
  })

  it('counts answers by output, yellow once one failed for good', () => {
    assert.deepEqual(outcomeStatus({ ok: 2, retry: 1, failed: 0 }, t), {
      fill: 'green',
      shape: 'dot',
      text: 'status.counts {"ok":2,"retry":1,"failed":0}',
    })
    assert.equal(outcomeStatus({ ok: 2, retry: 1, failed: 1 }, t).fill, 'yellow')
  })
})
