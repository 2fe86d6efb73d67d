import assert from 'node:assert/strict'
import { hookSettings, type HookSettings } from '../../../src/hooks/settings'

describe('xo-hook settings', () => {
  it('compiles a configuration with defaults', () => {
    const s = hookSettings({ methods: ['vm.*'] }) as HookSettings
    assert.equal(s.pre && s.post && s.register && s.enrich, true)
    assert.equal(s.gate, false)
    assert.equal(s.gateTimeoutMs, 8000)
    assert.equal(s.maxBytes, 16 * 1024 * 1024)
    assert.equal(s.enrichWaitMs, 5000)
  })

  it('refuses what XO could not honour', () => {
    assert.deepEqual(hookSettings({ methods: [] }), { error: 'no method selected' })
    assert.deepEqual(hookSettings({ methods: ['vm.start'], gateTimeout: 10 }), {
      error: 'gate timeout must be over 0 and at most 9 s',
    })
    assert.deepEqual(hookSettings({ methods: ['vm.start'], allowFrom: 'nope' }), {
      error: 'invalid address or CIDR: nope',
    })
    assert.equal((hookSettings({ methods: ['vm.start'], phase: 'post', gate: true }) as HookSettings).gate, false)
  })

  it('catches up only post deliveries, within bounds it checks', () => {
    assert.equal((hookSettings({ methods: ['vm.*'] }) as HookSettings).catchUp, undefined, 'off by default')
    assert.deepEqual((hookSettings({ methods: ['vm.*'], catchUp: true }) as HookSettings).catchUp, {
      maxAgeMs: 24 * 3_600_000,
      maxCalls: 1000,
      periodMs: 60_000,
      graceMs: 10_000,
    })
    assert.equal(
      (hookSettings({ methods: ['vm.*'], catchUp: true, phase: 'pre' }) as HookSettings).catchUp,
      undefined,
      'pre deliveries cannot be recovered',
    )
    assert.deepEqual(hookSettings({ methods: ['vm.*'], catchUp: true, catchUpHours: 0 }), {
      error: 'catch-up age must be a positive number of hours',
    })
    assert.deepEqual(hookSettings({ methods: ['vm.*'], catchUp: true, catchUpMax: 2.5 }), {
      error: 'catch-up count must be a whole number of calls, 1 or more',
    })
    assert.deepEqual(hookSettings({ methods: ['vm.*'], catchUp: true, catchUpEvery: 0.5 }), {
      error: 'catch-up period must be at least 1 s',
    })
    assert.equal(
      (hookSettings({ methods: ['vm.*'], catchUp: true, catchUpGrace: '0' }) as HookSettings).catchUp?.graceMs,
      0,
    )
  })
})
