import assert from 'node:assert/strict'
import { configuredParams, invokeXo, withPayload, type CallTarget } from '../../src/call/invoke'
import { answeredCall, callStatus, failedCall } from '../../src/node-red/call-reply'
import { XoApiError } from '../../src/xo/errors'

/** Translation as the test helper does it: the key, with its substitutions for the test to read. */
const t = (key: string, subs?: Record<string, string | number>) => (subs ? `${key} ${JSON.stringify(subs)}` : key)

const SETTINGS = { whenDown: 'wait' as const, waitMs: 2000, timeoutMs: 60_000 }
const CATALOGUE = { 'vm.start': { params: { id: { type: 'string' }, force: { type: 'boolean', optional: true } } } }

/** An XO connection that answers every call with `answer`, connected or not (then up once waited for, if `comesUp`). */
function target(options: { connected?: boolean; comesUp?: boolean; answer?: unknown; configured?: boolean } = {}) {
  const calls: Array<{ method: string; params: Record<string, unknown>; timeoutMs: number }> = []
  const waits: number[] = []
  const xo: CallTarget = {
    configError: options.configured === false ? 'no URL' : undefined,
    methods: async () => CATALOGUE,
    connection:
      options.configured === false
        ? undefined
        : ({
            isConnected: options.connected ?? true,
            state: { status: options.connected === false ? 'unreachable' : 'connected' },
            whenConnected: async (ms: number) => (waits.push(ms), options.comesUp ?? false),
            call: async (method: string, params: Record<string, unknown>, timeoutMs: number) => (calls.push({ method, params, timeoutMs }), options.answer ?? true),
          } as unknown as CallTarget['connection']),
  }
  return { xo, calls, waits }
}

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
    await assert.rejects(invokeXo(xo, SETTINGS, 'vm.nope', {}, signal, t), { name: 'XoCallError', message: 'errors.unknownMethod {"method":"vm.nope"}' })
    await assert.rejects(invokeXo(xo, SETTINGS, 'vm.start', { id: 1 }, signal, t), { name: 'XoCallError' })
    assert.deepEqual(calls, [])
  })

  it('waits for XO to come back as long as the node says, or fails at once when told to', async () => {
    const signal = new AbortController().signal
    const back = target({ connected: false, comesUp: true })
    await invokeXo(back.xo, SETTINGS, 'vm.start', { id: 'vm1' }, signal, t)
    assert.deepEqual([back.waits, back.calls.length], [[2000], 1])
    const away = target({ connected: false, comesUp: false })
    await assert.rejects(invokeXo(away.xo, SETTINGS, 'vm.start', { id: 'vm1' }, signal, t), { name: 'XoConnectionError', message: 'errors.stillDown {"seconds":2}' })
    const fast = target({ connected: false })
    await assert.rejects(invokeXo(fast.xo, { ...SETTINGS, whenDown: 'fail' }, 'vm.start', { id: 'vm1' }, signal, t), { name: 'XoConnectionError', message: 'errors.down {"state":"unreachable"}' })
    assert.deepEqual([fast.waits, away.calls.length, fast.calls.length], [[], 0, 0])
    const unset = target({ configured: false })
    await assert.rejects(invokeXo(unset.xo, SETTINGS, 'vm.start', {}, signal, t), { name: 'XoConnectionError', message: 'no URL' })
  })

  it('evaluates the configured parameters, leaving out the undefined ones; one that fails names itself', async () => {
    const values: Record<string, unknown> = { id: 'vm1', force: undefined }
    const evaluate = (p: { name: string }, callback: (error: Error | null, value: unknown) => void) =>
      p.name === 'bad' ? callback(new Error('no such property'), undefined) : callback(null, values[p.name])
    const params = [{ name: 'id', type: 'msg', value: 'vmId' }, { name: 'force', type: 'msg', value: 'force' }]
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

describe('xo call, its messages and status', () => {
  it('counts calls in a connected status only, yellow once one failed', () => {
    const connected = { fill: 'green' as const, shape: 'dot' as const, text: 'connected' }
    const down = { fill: 'red' as const, shape: 'ring' as const, text: 'unreachable' }
    assert.deepEqual(callStatus(connected, { ok: 0, failed: 0 }, 0, t), connected)
    assert.deepEqual(callStatus(down, { ok: 3, failed: 1 }, 0, t), down)
    assert.deepEqual(callStatus(connected, { ok: 3, failed: 0 }, 2, t), { fill: 'green', shape: 'dot', text: 'status.counts {"count":3,"failed":0,"queued":2}' })
    assert.equal(callStatus(connected, { ok: 3, failed: 1 }, 0, t).fill, 'yellow')
  })

  it("writes XO's error on a failed call's message, secrets hidden", () => {
    const msg: Record<string, unknown> = { topic: 'user.create' }
    failedCall(msg, { method: 'user.create', params: { email: 'a@b', password: 'hunter2' }, durationMs: 12 }, new XoApiError('user.create', 10, 'invalid parameters', { errors: [] }))
    const xo = msg.xo as { params: Record<string, unknown>; error: Record<string, unknown>; durationMs: number }
    assert.notEqual(xo.params.password, 'hunter2')
    assert.equal(xo.params.email, 'a@b')
    assert.deepEqual(xo.error, { name: 'XoApiError', message: 'invalid parameters', code: 10, data: { errors: [] } })
    assert.equal(xo.durationMs, 12)
    assert.equal(typeof msg.summary, 'string')
  })

  it("writes XO's answer where the node says; a transfer gets an absolute URL and a method for http request", () => {
    const plain: Record<string, unknown> = {}
    answeredCall(plain, { method: 'vm.start', params: { id: 'vm1' }, durationMs: 5 }, true, 'https://xo', (v) => (plain.result = v))
    assert.deepEqual([plain.result, plain.url, plain.xo], [true, undefined, { method: 'vm.start', params: { id: 'vm1' }, durationMs: 5 }])
    const download: Record<string, unknown> = {}
    answeredCall(download, { method: 'vm.export', params: { vm: 'vm1' }, durationMs: 5 }, { $getFrom: '/api/abc' }, 'https://xo', (v) => (download.payload = v))
    assert.deepEqual(download.payload, { $getFrom: '/api/abc', url: 'https://xo/api/abc' })
    assert.deepEqual([download.url, download.method], ['https://xo/api/abc', 'GET'])
  })
})
