import assert from 'node:assert/strict'
import type { EventEmitter } from 'node:events'
import http from 'node:http'
import type { HookPre } from '../../src/hooks/delivery'
import type { XoHookMessage } from '../../src/hooks/message'
import { Harness } from '../support/harness'
import { type SpyCall, waitFor, waitForCall, waitForEvent } from '../support/node-red'

type TestNode = EventEmitter & Record<string, any>
type Msg = XoHookMessage<HookPre>

const SECRET = 's3cret-for-tests'
const pre: HookPre = {
  callId: 'pz6t9nvo2z',
  userId: 'a79f5df8-e61f-4e94-869b-1c18d0c36ad9',
  userName: 'admin@admin.net',
  userIp: '127.0.0.1',
  method: 'user.create',
  params: { email: 'hooktest@example.org', password: '* obfuscated *', permission: 'none' },
  timestamp: 1795987134281,
  type: 'pre',
}

/**
 * POSTs `body` over a connection of its own (closed after the answer), with its length or chunked. Resolves with
 * the status once the connection is over; an answer followed by a reset (the body cut off) is a failure.
 */
function sendWhole(url: string, body: string, options: { type?: string; chunked?: boolean } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(body)
    let status: number | undefined
    let failure: Error | undefined
    const headers: Record<string, string | number> = { 'content-type': options.type ?? 'application/json' }
    if (!options.chunked) headers['content-length'] = data.length
    const request = http.request(url, { method: 'POST', headers, agent: false }, (response) => {
      response.on('error', (error) => (failure ??= error))
      response.resume().on('end', () => (status = response.statusCode))
    })
    request.on('error', (error) => (failure ??= error))
    request.on('close', () =>
      status !== undefined && !failure ? resolve(status) : reject(failure ?? new Error('no answer')),
    )
    if (!options.chunked) return void request.end(data)
    // Without a length, Node's client sends it chunked: one chunk per write.
    for (let at = 0; at < data.length; at += 65536) request.write(data.subarray(at, at + 65536))
    request.end()
  })
}

describe('xo-hook refuses bad deliveries', () => {
  let h: Harness
  let url: string

  before(async () => {
    h = await new Harness().start()
    await h.load(
      [
        h.serverNode(),
        {
          id: 'hook',
          type: 'xo-hook',
          server: 'server',
          methods: ['user.*'],
          register: false,
          enrich: false,
          maxBody: 0.01,
          wires: [['pre'], ['post']],
        },
        { id: 'pre', type: 'helper' },
        { id: 'post', type: 'helper' },
      ],
      { hook: { secret: SECRET } },
    )
    url = `${h.nodeUrl}/xo-hook/hook/${SECRET}`
  })
  after(() => h.stop())

  const post = (target: string, body: string, type = 'application/json', method = 'POST') =>
    fetch(target, { method, headers: { 'content-type': type }, body: method === 'GET' ? undefined : body })

  const cases: Array<[string, () => Promise<Response>, number]> = [
    ['a GET', () => post(url, '', 'application/json', 'GET'), 405],
    ['a PUT', () => post(url, JSON.stringify(pre), 'application/json', 'PUT'), 405],
    ['no secret', () => post(`${h.nodeUrl}/xo-hook/hook`, JSON.stringify(pre)), 401],
    ['a wrong secret', () => post(`${h.nodeUrl}/xo-hook/hook/${SECRET}x`, JSON.stringify(pre)), 401],
    ['text instead of JSON', () => post(url, JSON.stringify(pre), 'text/plain'), 415],
    ['malformed JSON', () => post(url, '{"callId": '), 400],
    [
      'a body over the size limit',
      () => post(url, JSON.stringify({ ...pre, params: { blob: 'x'.repeat(20_000) } })),
      413,
    ],
    ['JSON that is not an XO hook', () => post(url, JSON.stringify({ hello: 'world' })), 400],
    ['an office365 card', () => post(url, JSON.stringify({ '@type': 'MessageCard', sections: [] })), 400],
  ]

  /**
   * Sends a refused request and checks what reached the flow once the node is done with it: it said it refused
   * it, and a good delivery sent after it went through every step to the flow. Every message the node sends, on
   * any output, is watched from before the request.
   */
  async function refusedAndNothingEmitted(send: () => Promise<number>, status: number): Promise<void> {
    const hook = h.helper.getNode('hook') as TestNode
    const emitted: string[] = []
    const onSend = (call: SpyCall) => {
      for (const msg of [call.args[0]].flat()) if (msg) emitted.push((msg as Msg).payload.callId)
    }
    hook.on('call:send', onSend)
    try {
      const refused = waitForEvent<[SpyCall]>(hook, 'call:debug', { what: 'the node to refuse the delivery' }, (call) =>
        /xo-hook.errors.rejected/.test(String(call.args[0])),
      )
      refused.catch(() => {}) // awaited below, unless an assertion fails first
      assert.equal(await send(), status)
      await refused
      const after = { ...pre, callId: `after-${++marks}` }
      const arrived = nextInput('pre', (msg) => msg.payload.callId === after.callId)
      arrived.catch(() => {}) // awaited below, unless an assertion fails first
      assert.equal((await post(url, JSON.stringify(after))).status, 204)
      await arrived
      assert.deepEqual(emitted, [after.callId], 'what the node sent to the flow')
    } finally {
      hook.removeListener('call:send', onSend)
    }
  }
  let marks = 0
  const nextInput = (id: string, filter: (msg: Msg) => boolean) =>
    waitForEvent<[Msg]>(h.helper.getNode(id), 'input', { what: `a message on ${id}` }, filter)

  for (const [what, send, status] of cases) {
    it(`answers ${status} to ${what}, and nothing reaches the flow`, async () => {
      await refusedAndNothingEmitted(async () => {
        const response = await send()
        assert.equal(await response.text(), '')
        if (status === 405) assert.equal(response.headers.get('allow'), 'POST')
        return response.status
      }, status)
    })
  }

  // On Node-RED's path too, a refused body still being sent is read and dropped before the answer goes out, or the
  // sender would see its connection reset instead of the status.
  const large = JSON.stringify({ ...pre, params: { blob: 'x'.repeat(8 << 20) } })
  const largeCases: Array<[string, () => Promise<number>, number]> = [
    ['a large body to a wrong secret', () => sendWhole(`${h.nodeUrl}/xo-hook/hook/${SECRET}x`, large), 401],
    ['a large body over the size limit', () => sendWhole(url, large), 413],
    ['a large chunked body over the size limit', () => sendWhole(url, large, { chunked: true }), 413],
    ['a large body that is not JSON', () => sendWhole(url, large, { type: 'text/plain' }), 415],
  ]
  for (const [what, send, status] of largeCases) {
    it(`answers ${status} to ${what} once it is read, never a reset, and nothing reaches the flow`, async () => {
      await refusedAndNothingEmitted(send, status)
    })
  }

  it('answers 404 to a large body for a node that does not exist once it is read, never a reset', async () => {
    assert.equal(await sendWhole(`${h.nodeUrl}/xo-hook/nope/${SECRET}`, large), 404)
    const arrived = nextInput('pre', (msg) => msg.payload.callId === 'after-404')
    arrived.catch(() => {}) // awaited below, unless an assertion fails first
    assert.equal((await post(url, JSON.stringify({ ...pre, callId: 'after-404' }))).status, 204)
    await arrived
  })

  it('answers 404 for a node that does not exist', async () => {
    assert.equal((await post(`${h.nodeUrl}/xo-hook/nope/${SECRET}`, JSON.stringify(pre))).status, 404)
  })

  it('still takes good deliveries, answered before the flow runs, and counts the refused ones', async () => {
    const received = waitForEvent<[{ payload: unknown; topic: string }]>(h.helper.getNode('pre'), 'input')
    const response = await post(url, JSON.stringify(pre))
    assert.equal(response.status, 204)
    const [msg] = await received
    assert.deepEqual(msg.payload, pre)
    assert.equal(msg.topic, 'user.create')
    const hook = h.helper.getNode('hook') as TestNode
    await waitForCall(hook, 'status', (s) => /xo-hook.status.countsRefused/.test(s.text) && s.fill === 'green')
  })

  it('keeps taking deliveries while being flooded with bad ones', async () => {
    const good = Array.from({ length: 20 }, (_, i) => JSON.stringify({ ...pre, callId: `flood${i}` }))
    const seen = new Set<string>()
    const onInput = (msg: { payload: { callId: string } }) => seen.add(msg.payload.callId)
    h.helper.getNode('pre').on('input', onInput)
    const answers = await Promise.all([
      ...good.map((body) => post(url, body)),
      ...good.map(() => post(url, '{oops')),
      ...good.map(() => post(`${url}x`, good[0])),
    ])
    assert.deepEqual(new Set(answers.map((r) => r.status)), new Set([204, 400, 401]))
    await waitFor(() => seen.size === good.length, { what: 'every good delivery' })
    h.helper.getNode('pre').off('input', onInput)
  })
})

describe('xo-hook source allow-list', () => {
  let h: Harness
  before(async () => {
    h = await new Harness().start()
    await h.load(
      [
        h.serverNode(),
        {
          id: 'hook',
          type: 'xo-hook',
          server: 'server',
          methods: ['user.*'],
          register: false,
          allowFrom: '10.0.0.0/8',
          wires: [[], []],
        },
      ],
      { hook: { secret: SECRET } },
    )
  })
  after(() => h.stop())

  it('answers 403 to an address that is not allowed', async () => {
    const response = await fetch(`${h.nodeUrl}/xo-hook/hook/${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(pre),
    })
    assert.equal(response.status, 403)
  })
})
