import assert from 'node:assert/strict'
import { describeNetworkError, toXoApiError, XoApiError, XoConnectionError } from '../../../src/xo/errors'

describe('XO errors', () => {
  it('keeps the code, message and data of an XO error (as XO sent them)', () => {
    // captures: vm.start on a missing VM
    const error = toXoApiError('vm.start', {
      code: 1,
      message: 'no such VM bogus-vm-id',
      data: { id: 'bogus-vm-id', type: 'VM' },
    })
    assert.ok(error instanceof XoApiError)
    assert.equal(error.code, 1)
    assert.equal(error.method, 'vm.start')
    assert.deepEqual(error.data, { id: 'bogus-vm-id', type: 'VM' })
  })

  it('turns a dropped connection into a connection error', () => {
    const dropped = Object.assign(new Error('connection has been closed'), { name: 'ConnectionError' })
    assert.ok(toXoApiError('vm.start', dropped) instanceof XoConnectionError)
  })

  it('says why a connection failed in a few words', () => {
    const withCode = (code: string, message = code) => Object.assign(new Error(message), { code })
    assert.equal(describeNetworkError(withCode('ECONNREFUSED')), 'connection refused')
    assert.equal(describeNetworkError(withCode('ENOTFOUND')), 'host not found')
    assert.equal(describeNetworkError(withCode('DEPTH_ZERO_SELF_SIGNED_CERT')), 'untrusted TLS certificate')
    assert.equal(describeNetworkError(withCode('SELF_SIGNED_CERT_IN_CHAIN')), 'untrusted TLS certificate')
    assert.equal(describeNetworkError(withCode('ERR_TLS_CERT_ALTNAME_INVALID')), 'TLS certificate does not match host')
    assert.equal(describeNetworkError(new Error('Unexpected server response: 404')), 'no XO API at this URL (HTTP 404)')
    assert.ok(describeNetworkError(new Error('x'.repeat(500))).length <= 80)
  })
})
