import assert from 'node:assert/strict'
import { configuredParams, invokeXo, withPayload } from '../../../src/call/invoke'
import { t, SETTINGS, target } from '../../support/call-target'

describe('xo call, one call', () => {
  it('calls XO with the parameters normalised as xo-server does, within the node timeout', async () => {
    const { xo, calls } = target({ answer: 'done' })
    const out = await invokeXo(xo, SETTINGS, 'vm.start', { vm: 'vm1' }, new AbortController().signal, t)
    assert.deepEqual(out, { params: { id: 'vm1' }, result: 'done' })
    assert.deepEqual(calls, [{ method: 'vm.start', params: { id: 'vm1' }, timeoutMs: 60_000 }])
  })

  it('sends nothing for a method XO does not have, or parameters it would refuse', async () => {
    const { xo, calls } = target()
    const signal = new AbortController().signal
    await assert.rejects(invokeXo(xo, SETTINGS, 'vm.nope', {}, signal, t), {
      name: 'XoCallError',
      message: 'errors.unknownMethod {"method":"vm.nope"}',
    })
    await assert.rejects(invokeXo(xo, SETTINGS, 'vm.start', { id: 1 }, signal, t), { name: 'XoCallError' })
    assert.deepEqual(calls, [])
  })

  it('waits for XO to come back as long as the node says, or fails at once when told to', async () => {
    const signal = new AbortController().signal
    const back = target({ connected: false, comesUp: true })
    await invokeXo(back.xo, SETTINGS, 'vm.start', { id: 'vm1' }, signal, t)
    assert.deepEqual([back.waits, back.calls.length], [[2000], 1])
    const away = target({ connected: false, comesUp: false })
    await assert.rejects(invokeXo(away.xo, SETTINGS, 'vm.start', { id: 'vm1' }, signal, t), {
      name: 'XoConnectionError',
      message: 'errors.stillDown {"seconds":2}',
    })
    const fast = target({ connected: false })
    await assert.rejects(invokeXo(fast.xo, { ...SETTINGS, whenDown: 'fail' }, 'vm.start', { id: 'vm1' }, signal, t), {
      name: 'XoConnectionError',
      message: 'errors.down {"state":"unreachable"}',
    })
    assert.deepEqual([fast.waits, away.calls.length, fast.calls.length], [[], 0, 0])
    const unset = target({ configured: false })
    await assert.rejects(invokeXo(unset.xo, SETTINGS, 'vm.start', {}, signal, t), {
      name: 'XoConnectionError',
      message: 'no URL',
    })
  })

  it('evaluates the configured parameters, leaving out the undefined ones; one that fails names itself', async () => {
    const values: Record<string, unknown> = { id: 'vm1', force: undefined }
    const evaluate = (p: { name: string }, callback: (error: Error | null, value: unknown) => void) =>
      p.name === 'bad' ? callback(new Error('no such property'), undefined) : callback(null, values[p.name])
    const params = [
      { name: 'id', type: 'msg', value: 'vmId' },
      { name: 'force', type: 'msg', value: 'force' },
    ]
    assert.deepEqual(await configuredParams(params, evaluate, t), { id: 'vm1' })
    await assert.rejects(configuredParams([...params, { name: 'bad', type: 'msg', value: 'x' }], evaluate, t), {
      name: 'XoCallError',
      message: 'errors.param {"name":"bad","reason":"no such property"}',
    })
  })

  it("takes msg.payload's parameters over the configured ones, when allowed and an object", () => {
    assert.deepEqual(withPayload({ id: 'a', force: true }, { id: 'b' }, true), { id: 'b', force: true })
    assert.deepEqual(withPayload({ id: 'a' }, { id: 'b' }, false), { id: 'a' })
    assert.deepEqual(withPayload({ id: 'a' }, ['b'], true), { id: 'a' })
    assert.deepEqual(withPayload({ id: 'a' }, 'b', true), { id: 'a' })
  })
})
