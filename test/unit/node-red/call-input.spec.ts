import assert from 'node:assert/strict'
import { XoCallError } from '../../../src/call/invoke'
import { type CallInputDeps, callInput } from '../../../src/node-red/call-input'
import { SETTINGS, t, target } from '../../support/call-target'

type Message = Record<string, unknown>

/** xo call's handler over fakes: a connected XO answering `answer`, a limiter running at once, a clock at 1000. */
function handler(
  options: { method?: string; errorOutput?: boolean; answer?: unknown; limiter?: CallInputDeps['limiter'] } = {},
) {
  const { xo, calls } = target({ answer: options.answer })
  const closing = new AbortController()
  const counts = { ok: 0, failed: 0 }
  let refreshed = 0
  const input = callInput<Message>({
    settings: {
      ...SETTINGS,
      method: options.method ?? '',
      params: [{ name: 'id', type: 'str', value: 'vm1' }],
      payloadParams: true,
      property: 'payload',
      concurrency: 1,
      maxQueue: 10,
      errorOutput: options.errorOutput ?? false,
    },
    xo,
    httpBase: () => 'https://xo.example',
    limiter: options.limiter ?? { run: (task) => task() },
    counts,
    refreshStatus: () => refreshed++,
    t,
    evaluate: (p, _msg, callback) => callback(null, p.value),
    setProperty: (msg, path, value) => {
      msg[path] = value
    },
    signal: closing.signal,
    now: () => 1000,
  })
  const sent: unknown[] = []
  /** Runs one message through the handler: what it sent, and what done() was given once called. */
  const run = (msg: Message) =>
    new Promise<{ sent: unknown[]; error: Error | undefined; args: number }>((resolve) => {
      input(
        msg,
        (out) => sent.push(out),
        (...args: [Error?]) => resolve({ sent, error: args[0], args: args.length }),
      )
    })
  return { run, calls, counts, closing, refreshed: () => refreshed }
}

describe('xo call, its input handler', () => {
  it("calls the node's own method, with the configured parameters", async () => {
    const h = handler({ method: 'vm.start' })
    const { error } = await h.run({ topic: 'vm.stop' })
    assert.equal(error, undefined)
    assert.deepEqual(
      h.calls.map((c) => [c.method, c.params]),
      [['vm.start', { id: 'vm1' }]],
    )
  })

  it('calls msg.topic, trimmed, when the node has no method', async () => {
    const h = handler()
    await h.run({ topic: '  vm.start \n', payload: { force: true } })
    assert.deepEqual(
      h.calls.map((c) => [c.method, c.params]),
      [['vm.start', { id: 'vm1', force: true }]],
    )
  })

  it('refuses a method that is not dotted words: XoCallError, nothing called, counted as failed', async () => {
    const h = handler()
    const { error, sent } = await h.run({ topic: 'vm start' })
    assert.ok(error instanceof XoCallError)
    assert.equal(error.message, 'errors.noMethod')
    assert.deepEqual([h.calls, sent, h.counts], [[], [], { ok: 0, failed: 1 }])
  })

  it('sends an answered call on its single output, counted, with the result and msg.xo written', async () => {
    const h = handler({ answer: 'started' })
    const msg: Message = { topic: 'vm.start' }
    const { sent, error, args } = await h.run(msg)
    assert.deepEqual([error, args], [undefined, 0])
    assert.deepEqual(sent, [msg])
    assert.equal(msg.payload, 'started')
    assert.deepEqual(msg.xo, { method: 'vm.start', params: { id: 'vm1' }, durationMs: 0 })
    assert.deepEqual(h.counts, { ok: 1, failed: 0 })
    assert.equal(h.refreshed(), 1)
  })

  it('sends an answered call on output 1 of two with an error output', async () => {
    const h = handler({ errorOutput: true })
    const msg: Message = { topic: 'vm.start' }
    const { sent } = await h.run(msg)
    assert.deepEqual(sent, [[msg, null]])
  })

  it('sends a failed call on output 2 with an error output, done() without an error', async () => {
    const failing = { run: () => Promise.reject(new Error('queue full')) }
    const h = handler({ errorOutput: true, limiter: failing })
    const msg: Message = { topic: 'vm.start' }
    const { sent, error, args } = await h.run(msg)
    assert.deepEqual([sent, error, args], [[[null, msg]], undefined, 0])
    assert.equal((msg.xo as { error: { message: string } }).error.message, 'queue full')
    assert.deepEqual(h.counts, { ok: 0, failed: 1 })
    assert.equal(h.refreshed(), 1)
  })

  it('gives a failed call to done() without an error output, sending nothing', async () => {
    const h = handler({ limiter: { run: () => Promise.reject(new Error('queue full')) } })
    const { sent, error } = await h.run({ topic: 'vm.start' })
    assert.deepEqual([sent, error?.message], [[], 'queue full'])
  })

  it('drops a call answered after the node closed: done(), nothing sent, not counted', async () => {
    let h: ReturnType<typeof handler> | undefined
    // The node closes while the call is under way.
    const closingLimiter = { run: <T>(task: () => Promise<T>) => task().finally(() => h?.closing.abort()) }
    h = handler({ errorOutput: true, limiter: closingLimiter })
    const { sent, error, args } = await h.run({ topic: 'vm.start' })
    assert.deepEqual([sent, error, args, h.calls.length], [[], undefined, 0, 1])
    assert.deepEqual(h.counts, { ok: 0, failed: 0 })
  })

  it('drops a call failing after the node closed: done() without an error, nothing sent', async () => {
    let h: ReturnType<typeof handler> | undefined
    const closedLimiter = {
      run: () => {
        h?.closing.abort()
        return Promise.reject(new Error('errors.closed'))
      },
    }
    h = handler({ limiter: closedLimiter })
    const { sent, error, args } = await h.run({ topic: 'vm.start' })
    assert.deepEqual([sent, error, args], [[], undefined, 0])
    assert.deepEqual(h.counts, { ok: 0, failed: 1 })
  })
})
