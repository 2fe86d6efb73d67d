import assert from 'node:assert/strict'
import type { EventEmitter } from 'node:events'
import { Harness } from '../support/harness'
import { waitFor, waitForCall, waitForEvent } from '../support/node-red'

type TestNode = EventEmitter & Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const SECRET = 's3cret-for-tests'
const pre = {
  callId: 'pz6t9nvo2z',
  userId: 'a79f5df8-e61f-4e94-869b-1c18d0c36ad9',
  userName: 'admin@admin.net',
  userIp: '127.0.0.1',
  method: 'user.create',
  params: { email: 'hooktest@example.org', password: '* obfuscated *', permission: 'none' },
  timestamp: 1795987134281,
  type: 'pre',
}

describe('xo-hook refuses bad deliveries', function () {
  let h: Harness
  let url: string

  before(async () => {
    h = await new Harness().start()
    await h.load(
      [
        h.serverNode(),
        { id: 'hook', type: 'xo-hook', server: 'server', methods: ['user.*'], register: false, enrich: false, maxBody: 0.01, wires: [['pre'], ['post']] },
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
    ['a body over the size limit', () => post(url, JSON.stringify({ ...pre, params: { blob: 'x'.repeat(20_000) } })), 413],
    ['JSON that is not an XO hook', () => post(url, JSON.stringify({ hello: 'world' })), 400],
    ['an office365 card', () => post(url, JSON.stringify({ '@type': 'MessageCard', sections: [] })), 400],
  ]

  for (const [what, send, status] of cases) {
    it(`answers ${status} to ${what}, and nothing reaches the flow`, async () => {
      let leaked = false
      const onInput = () => (leaked = true)
      h.helper.getNode('pre').on('input', onInput)
      const response = await send()
      assert.equal(response.status, status)
      assert.equal(await response.text(), '')
      if (status === 405) assert.equal(response.headers.get('allow'), 'POST')
      h.helper.getNode('pre').off('input', onInput)
      assert.equal(leaked, false)
    })
  }

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

describe('xo-hook source allow-list', function () {
  let h: Harness
  before(async () => {
    h = await new Harness().start()
    await h.load(
      [
        h.serverNode(),
        { id: 'hook', type: 'xo-hook', server: 'server', methods: ['user.*'], register: false, allowFrom: '10.0.0.0/8', wires: [[], []] },
      ],
      { hook: { secret: SECRET } },
    )
  })
  after(() => h.stop())

  it('answers 403 to an address that is not allowed', async () => {
    const response = await fetch(`${h.nodeUrl}/xo-hook/hook/${SECRET}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(pre) })
    assert.equal(response.status, 403)
  })
})
