import assert from 'node:assert/strict'
import { keaAnswered, keaRequest, keaStatus } from '../../../src/destinations/kea-steps'
import { t } from '../../support/destination-fixtures'

describe('xo kea, command after command', () => {
  const del = { command: 'reservation-del', arguments: { 'subnet-id': 2 } }
  const add = { command: 'reservation-add', arguments: { reservation: {} } }

  it('sends the first command left, saying which it is and what remains; Basic authentication with both user and password', () => {
    const out = keaRequest(
      { topic: 't' },
      { pending: [del, add], results: [] },
      { url: 'http://kea/', user: 'api', password: 'pw' },
    )
    assert.deepEqual(
      [out.url, out.xoDestination, out.xoKea.current, out.xoKea.pending],
      ['http://kea/', 'kea', 'reservation-del', [add]],
    )
    assert.equal(out.headers.Authorization, `Basic ${Buffer.from('api:pw').toString('base64')}`)
    assert.deepEqual(JSON.parse(String(out.payload)), del)
    assert.equal(out.xoRequest.payload, out.payload)
    assert.equal(
      keaRequest({}, { pending: [del], results: [] }, { url: 'http://kea/', user: 'api', password: undefined }).headers
        .Authorization,
      undefined,
    )
  })

  it('goes on after a success, or "not found" on a delete; stops at a failure or once none is left', () => {
    const notFound = keaAnswered({ current: 'reservation-del', pending: [add], results: [] }, 200, [
      { result: 3, text: 'Host not deleted (not found).' },
    ])
    assert.ok('next' in notFound)
    assert.deepEqual(notFound.next.pending, [add])
    assert.equal(notFound.next.results[0].ok, true)
    const refused = keaAnswered({ current: 'reservation-add', pending: [add], results: [] }, 200, [
      { result: 1, text: 'Host already exists.' },
    ])
    assert.deepEqual(refused, {
      done: {
        ok: false,
        results: [{ command: 'reservation-add', ok: false, text: 'Host already exists.', result: 1 }],
      },
    })
    const last = keaAnswered({ current: 'reservation-add', pending: [], results: [] }, 200, [
      { result: 0, text: 'Host added.' },
    ])
    assert.ok('done' in last && last.done.ok)
    assert.deepEqual(keaAnswered({ current: 'reservation-del', pending: [add], results: [] }, 502, ''), {
      done: { ok: false, results: [{ command: 'reservation-del', ok: false, text: 'HTTP 502', result: undefined }] },
    })
    const unanswered = keaAnswered({ current: 'reservation-del', pending: [], results: [] }, undefined, '')
    assert.equal('done' in unanswered && unanswered.done.results[0].text, 'HTTP error')
  })

  it('counts changes and failures in its status', () => {
    assert.deepEqual(keaStatus({ changes: 0, failed: 0 }, '', t), {
      fill: 'grey',
      shape: 'dot',
      text: 'status.kea {"count":0,"failed":0}',
    })
    assert.equal(keaStatus({ changes: 2, failed: 0 }, '', t).fill, 'green')
    assert.equal(
      keaStatus({ changes: 2, failed: 1 }, ' · 1 snapshot', t).text,
      'status.kea {"count":2,"failed":1} · 1 snapshot',
    )
    assert.equal(keaStatus({ changes: 2, failed: 1 }, '', t).fill, 'yellow')
  })
})
