import assert from 'node:assert/strict'
import { callSettings } from '../../../src/call/settings'

describe('call settings', () => {
  it('compiles settings with defaults and says what is wrong', () => {
    const s = callSettings({ params: [{ name: 'id', type: 'msg', value: 'payload.id' }, { name: '' }] })
    assert.ok(!('error' in s))
    assert.deepEqual(s.params, [{ name: 'id', type: 'msg', value: 'payload.id' }])
    assert.equal(s.timeoutMs, 60_000)
    assert.equal(s.concurrency, 4)
    assert.equal(s.whenDown, 'wait')
    assert.deepEqual(callSettings({ method: 'vm start' }), { error: 'invalid method name: vm start' })
    assert.deepEqual(callSettings({ params: [{ name: 'a' }, { name: 'a' }] }), { error: 'parameter a is set twice' })
    assert.deepEqual(callSettings({ concurrency: 0 }), { error: 'concurrency must be a whole number from 1' })
  })
})
