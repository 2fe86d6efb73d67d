import assert from 'node:assert/strict'
import { missingSecretStatus, requestMessages, sentStatus } from '../../../src/destinations/destination-messages'
import { t, hook } from '../../support/destination-fixtures'

describe('a destination node, its messages and status', () => {
  it('puts each request on the message (a copy from the second on), with what a retry and xo outcome need', () => {
    const summary = hook('vm.start', 'post')
    const msg = { topic: 'vm.start', keep: 1 }
    const one = { url: 'https://a', method: 'POST' as const, headers: {}, payload: '1' }
    const two = { ...one, url: 'https://b' }
    const cloned: unknown[] = []
    const out = requestMessages(
      msg,
      [one, two],
      'slack',
      summary,
      'node-1',
      (m) => (cloned.push(m), { ...m, cloned: true }),
    )
    assert.equal(cloned.length, 1)
    assert.deepEqual(
      out.map((m) => [m.url, m.xoRequest, m.xoDestination, m.xoOrigin, 'cloned' in m]),
      [
        ['https://a', one, 'slack', 'node-1', false],
        ['https://b', two, 'slack', 'node-1', true],
      ],
    )
    assert.deepEqual(out[0].xoSummary, { id: summary.id, kind: 'vm.start', title: summary.title, ok: true })
  })

  it('says at once that a secret is missing, or that the variable it names is not set', () => {
    assert.equal(missingSecretStatus('url', 'https://x', 'SLACK_URL', t), undefined)
    assert.deepEqual(missingSecretStatus('url', undefined, ' ', t), {
      fill: 'red',
      shape: 'ring',
      text: 'status.missing {"name":"url"}',
    })
    assert.deepEqual(missingSecretStatus('url', undefined, ' SLACK_URL ', t), {
      fill: 'red',
      shape: 'ring',
      text: 'status.missingEnv {"name":"url","env":"SLACK_URL"}',
    })
  })

  it('counts requests (green once one was made) and what it did not send', () => {
    assert.deepEqual(sentStatus(0, ' · 1 snapshot', t), {
      fill: 'grey',
      shape: 'dot',
      text: 'status.sent {"count":0} · 1 snapshot',
    })
    assert.equal(sentStatus(2, '', t).fill, 'green')
  })
})
