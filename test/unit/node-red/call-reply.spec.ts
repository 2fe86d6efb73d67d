import assert from 'node:assert/strict'
import { answeredCall, callStatus, failedCall } from '../../../src/node-red/call-reply'
import { XoApiError } from '../../../src/xo/errors'
import { t } from '../../support/call-target'

describe('xo call, its messages and status', () => {
  it('counts calls in a connected status only, yellow once one failed', () => {
    const connected = { fill: 'green' as const, shape: 'dot' as const, text: 'connected' }
    const down = { fill: 'red' as const, shape: 'ring' as const, text: 'unreachable' }
    assert.deepEqual(callStatus(connected, { ok: 0, failed: 0 }, 0, t), connected)
    assert.deepEqual(callStatus(down, { ok: 3, failed: 1 }, 0, t), down)
    assert.deepEqual(callStatus(connected, { ok: 3, failed: 0 }, 2, t), {
      fill: 'green',
      shape: 'dot',
      text: 'status.counts {"count":3,"failed":0,"queued":2}',
    })
    assert.equal(callStatus(connected, { ok: 3, failed: 1 }, 0, t).fill, 'yellow')
  })

  it("writes XO's error on a failed call's message, secrets hidden", () => {
    const msg: Record<string, unknown> = { topic: 'user.create' }
    failedCall(
      msg,
      { method: 'user.create', params: { email: 'a@b', password: 'hunter2' }, durationMs: 12 },
      new XoApiError('user.create', 10, 'invalid parameters', { errors: [] }),
    )
    const xo = msg.xo as { params: Record<string, unknown>; error: Record<string, unknown>; durationMs: number }
    assert.notEqual(xo.params.password, 'hunter2')
    assert.equal(xo.params.email, 'a@b')
    assert.deepEqual(xo.error, { name: 'XoApiError', message: 'invalid parameters', code: 10, data: { errors: [] } })
    assert.equal(xo.durationMs, 12)
    assert.equal(typeof msg.summary, 'string')
  })

  it("writes XO's answer where the node says; a transfer gets an absolute URL and a method for http request", () => {
    const plain: Record<string, unknown> = {}
    answeredCall(
      plain,
      { method: 'vm.start', params: { id: 'vm1' }, durationMs: 5 },
      true,
      'https://xo',
      (v) => (plain.result = v),
    )
    assert.deepEqual(
      [plain.result, plain.url, plain.xo],
      [true, undefined, { method: 'vm.start', params: { id: 'vm1' }, durationMs: 5 }],
    )
    const download: Record<string, unknown> = {}
    answeredCall(
      download,
      { method: 'vm.export', params: { vm: 'vm1' }, durationMs: 5 },
      { $getFrom: '/api/abc' },
      'https://xo',
      (v) => (download.payload = v),
    )
    assert.deepEqual(download.payload, { $getFrom: '/api/abc', url: 'https://xo/api/abc' })
    assert.deepEqual([download.url, download.method], ['https://xo/api/abc', 'GET'])
  })
})
