import assert from 'node:assert/strict'
import {
  HookRegistration,
  type HookRegistrationOptions,
  hookWish,
  registrationAtStart,
} from '../../../src/node-red/hook-registration'
import { newHookState } from '../../../src/node-red/hook-status'
import type { HookClaim } from '../../../src/hooks/registrar'
import { CleanupScope } from '../../../src/common/cleanup-scope'
import { XoApiError, XO_ERROR } from '../../../src/xo/errors'
import { t, settingsOf } from '../../support/hook-settings'

describe("an xo-hook node's entries in XO", () => {
  it('wants its URL (prefix, node id, secret), its methods, its phases and whether XO waits', () => {
    const both = hookWish('http://nr/xo-hook/', 'n1', 's3cret', settingsOf({ methods: 'vm.*', gate: true }))
    assert.equal(both?.url, 'http://nr/xo-hook/n1/s3cret')
    assert.equal(both?.type, 'pre/post')
    assert.equal(both?.waitForResponse, true)
    assert.equal(hookWish('p/', 'n1', 's', settingsOf({ methods: 'vm.*', phase: 'pre' }))?.type, 'pre')
    assert.equal(
      hookWish('p/', 'n1', 's', settingsOf({ methods: 'vm.*', phase: 'post', gate: true }))?.waitForResponse,
      false,
    )
    assert.equal(hookWish(undefined, 'n1', 's', settingsOf({ methods: 'vm.*' })), undefined)
  })

  it('has no entries from the start when it should register but XO cannot reach it', () => {
    assert.deepEqual(registrationAtStart(undefined, true, t), { error: 'errors.noBaseUrl {}' })
    assert.deepEqual(registrationAtStart(undefined, false, t), {})
  })

  function registration(options: Partial<HookRegistrationOptions> = {}) {
    const claims: HookClaim[] = []
    const released: boolean[] = []
    const warned: string[] = []
    let refreshed = 0
    const scope = new CleanupScope()
    const state = newHookState()
    const wish = hookWish('http://nr/xo-hook/', 'n1', 's', settingsOf({ methods: 'vm.start vm.stop' }))
    const hook = new HookRegistration({
      nodeId: 'n1',
      prefix: 'http://nr/xo-hook/',
      wish,
      register: true,
      registrar: { claim: (claim) => (claims.push(claim), (removed) => void released.push(removed)) },
      state,
      scope,
      t,
      warn: (m) => warned.push(m),
      refresh: () => refreshed++,
      ...options,
    })
    return { hook, claims, released, warned, state, scope, refreshed: () => refreshed }
  }

  it('claims its entries while deployed, and gives them back as it closes (removed or not)', async () => {
    const { claims, released, scope } = registration()
    assert.equal(claims.length, 1)
    assert.equal(claims[0].nodeId, 'n1')
    assert.equal(claims[0].prefix, 'http://nr/xo-hook/')
    assert.equal(claims[0].wish?.url, 'http://nr/xo-hook/n1/s')
    await scope.close(true)
    assert.deepEqual(released, [true])
    const kept = registration()
    await kept.scope.close(false)
    assert.deepEqual(kept.released, [false])
  })

  it('claims without a wish when it does not register, and nothing without a prefix or a registrar', () => {
    const manual = registration({ register: false }).claims[0]
    assert.equal(manual.wish, undefined)
    assert.ok(manual.expected, 'what it expects in XO, for the operator view to compare')
    assert.equal(registration({ prefix: undefined }).claims.length, 0)
    assert.equal(registration({ registrar: undefined }).claims.length, 0)
  })

  it('hears how the registrar wrote its entries', () => {
    const { claims, state, warned, refreshed } = registration()
    const report = claims[0].report!
    report({
      ok: true,
      entries: [{ method: 'vm.start', type: 'pre/post', url: 'u', format: 'json' }],
      rejected: ['vm.stop'],
      unknown: ['vm.nope'],
    })
    assert.deepEqual(state.registration, { count: 1 })
    assert.deepEqual(warned, [
      'errors.rejectedMethods {"methods":"vm.stop"}',
      'errors.unknownMethods {"methods":"vm.nope"}',
    ])
    report({ ok: true, entries: [], rejected: [], unknown: [] })
    assert.deepEqual(state.registration, { error: 'errors.noMethodMatches {}' })
    report({ ok: false, error: new XoApiError('plugin.configure', XO_ERROR.unauthorized, 'not enough permissions') })
    assert.deepEqual(state.registration, { error: 'errors.notAdmin {}' })
    report({ ok: false, error: new Error('socket hang up') })
    assert.deepEqual(state.registration, { error: 'socket hang up' })
    assert.deepEqual(warned.slice(2), [
      'errors.registrationFailed {"reason":"errors.notAdmin {}"}',
      'errors.registrationFailed {"reason":"socket hang up"}',
    ])
    assert.equal(refreshed(), 4)
  })

  it('hears nothing more once closed', async () => {
    const { claims, state, scope, refreshed } = registration()
    await scope.close(false)
    claims[0].report!({ ok: false, error: new Error('late') })
    assert.deepEqual(state.registration, {})
    assert.equal(refreshed(), 0)
  })

  it("answers the editor with the entries it wants against XO's catalogue; none without a URL", async () => {
    const { hook } = registration()
    const entries = await hook.entries(async () => ({ 'vm.start': {}, 'vm.stop': {}, 'host.restart': {} }))
    assert.deepEqual(entries.map((entry) => entry.method).sort(), ['vm.start', 'vm.stop'])
    await assert.rejects(
      registration({ wish: undefined }).hook.entries(async () => ({})),
      { message: 'errors.noBaseUrl {}' },
    )
  })
})
