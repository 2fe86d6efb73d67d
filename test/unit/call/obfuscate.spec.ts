import assert from 'node:assert/strict'
import { obfuscate } from '../../../src/call/obfuscate'

describe('call obfuscate', () => {
  it('hides secrets in what it shows', () => {
    assert.deepEqual(obfuscate({ email: 'a', password: 'p', nested: [{ token: 't', newPassword: 'n' }] }), {
      email: 'a',
      password: '* obfuscated *',
      nested: [{ token: '* obfuscated *', newPassword: '* obfuscated *' }],
    })
  })
})
