import assert from 'node:assert/strict'
import { transferOf } from '../../../src/call/transfer'

describe('call transfer', () => {
  it('makes transfer URLs absolute', () => {
    assert.deepEqual(transferOf({ $getFrom: '/api/abc' }, 'https://xo.example.net'), {
      url: 'https://xo.example.net/api/abc',
      method: 'GET',
    })
    assert.deepEqual(transferOf({ $sendTo: '/api/up' }, 'https://proxy/xo'), {
      url: 'https://proxy/xo/api/up',
      method: 'POST',
    })
    assert.equal(transferOf(true, 'x'), undefined)
  })
})
