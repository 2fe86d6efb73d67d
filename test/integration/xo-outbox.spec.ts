import assert from 'node:assert/strict'
import { Sink } from '../support/examples'
import { waitFor } from '../support/node-red'
import { StockNodeRed } from '../support/stock-node-red'

const REQUESTS = 20

/**
 * The stock node-red entry point with an xo outbox in front of the core http request node and xo outcome looping
 * back into it, delivering to a receiver that is down (503): the requests are kept; Node-RED is killed and started
 * again; the receiver comes back; every request is delivered, each with the same Idempotency-Key on every attempt.
 */
describe('xo outbox: requests survive a kill of Node-RED (stock node-red)', function () {
  this.timeout(120_000)
  let sink: Sink
  let red: StockNodeRed | undefined

  beforeEach(async () => {
    sink = await new Sink().start()
  })
  afterEach(async () => {
    await red?.dispose()
    red = undefined
    await sink.stop()
  })

  const flow = (url: string) => [
    { id: 'tab', type: 'tab', label: 'outbox' },
    {
      id: 'make',
      type: 'function',
      z: 'tab',
      // One request per message, each its own event.
      func: `msg.url = ${JSON.stringify(url)} + '/hook'; msg.method = 'POST'; msg.payload = { n: msg.payload }; msg.xoSummary = { id: 'event-' + msg.payload.n, kind: 'test', title: 't', ok: true }; msg.xoDestination = 'generic'; return msg`,
      wires: [['outbox']],
    },
    { id: 'outbox', type: 'xo-outbox', z: 'tab', answerTimeout: 30, wires: [['http'], []] },
    { id: 'http', type: 'http request', z: 'tab', method: 'use', ret: 'txt', wires: [['outcome']] },
    {
      id: 'outcome',
      type: 'xo-outcome',
      z: 'tab',
      maxAttempts: 50,
      maxDelay: 1,
      wires: [['outbox'], ['outbox'], ['outbox']],
    },
  ]

  /** The flow, with an http in node that starts each request as a message (as an XO event would). */
  const nodes = (url: string) => [
    ...flow(url),
    { id: 'in', type: 'http in', z: 'tab', url: '/outbox-test', method: 'post', wires: [['answer', 'payload']] },
    { id: 'answer', type: 'http response', z: 'tab', statusCode: '200', wires: [] },
    {
      id: 'payload',
      type: 'change',
      z: 'tab',
      rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'payload.n', tot: 'msg' }],
      wires: [['make']],
    },
  ]

  async function inject(n: number): Promise<void> {
    // Each request starts as a message of the flow (an http in node), as an XO event would.
    const response = await red!.request('/outbox-test', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n }),
    })
    assert.equal(response.status, 200)
  }

  it('keeps every request while the receiver is down, across a SIGKILL, and delivers each once it is back', async () => {
    let up = false
    sink.answer(() => (up ? { status: 200, body: 'ok' } : { status: 503, body: 'down' }))
    red = await StockNodeRed.start()
    await red.deploy(nodes(sink.url))
    for (let n = 0; n < REQUESTS; n++) await inject(n)
    // Every request tried at least once, none delivered.
    await waitFor(() => new Set(sink.on('/hook').map((r) => JSON.parse(r.body).n)).size === REQUESTS, {
      timeoutMs: 20_000,
      what: 'a first attempt of every request',
    })
    // The operator's view (admin API): every request waiting, shown by host only (a webhook's path is its secret).
    const view = (await (await red.request('/xo-outbox/outbox')).json()) as {
      pending: Array<{ host: string; attempts: number; lastAnswer?: { statusCode?: number } }>
      dead: unknown[]
    }
    assert.equal(view.pending.length, REQUESTS)
    assert.equal(view.dead.length, 0)
    assert.equal(view.pending[0].host, new URL(sink.url).host)
    assert.doesNotMatch(JSON.stringify(view), /\/hook|"n":/, 'the view shows no path nor body')
    const metrics = await (await red.request('/xo/metrics')).text()
    assert.match(metrics, new RegExp(`^xo_outbox_pending\\{node="outbox"\\} ${REQUESTS}$`, 'm'))
    assert.match(metrics, /^xo_outbox_dead\{node="outbox"\} 0$/m)
    await red.signal('SIGKILL')
    up = true
    const killedAt = sink.received.length
    await red.launch()
    await waitFor(
      () =>
        new Set(
          sink.received
            .slice(killedAt)
            .filter((r) => r.url === '/hook')
            .map((r) => JSON.parse(r.body).n),
        ).size === REQUESTS,
      { timeoutMs: 30_000, what: `every request delivered after the restart; log: ${red.log.slice(-3000)}` },
    )
    // The same key on every attempt of a request, a different one for each request.
    const keys = new Map<number, Set<string>>()
    for (const r of sink.on('/hook')) {
      const n = JSON.parse(r.body).n as number
      keys.set(n, (keys.get(n) ?? new Set()).add(String(r.headers['idempotency-key'])))
    }
    assert.equal(keys.size, REQUESTS)
    for (const [n, seen] of keys) assert.equal(seen.size, 1, `request ${n} went out under ${seen.size} keys`)
    assert.equal(new Set([...keys.values()].map((s) => [...s][0])).size, REQUESTS)
  })

  it('keeps a request refused for good as a dead letter with its last answer; Retry now from the admin API delivers it', async () => {
    let fixed = false
    sink.answer(() => (fixed ? { status: 200, body: 'ok' } : { status: 404, body: 'no such hook' }))
    red = await StockNodeRed.start()
    await red.deploy(nodes(sink.url))
    await inject(1)
    type View = {
      pending: unknown[]
      dead: Array<{ id: string; dead: { reason: string }; lastAnswer: { statusCode: number } }>
    }
    const view = async () => (await (await red!.request('/xo-outbox/outbox')).json()) as View
    const dead = await waitFor(async () => (await view()).dead[0], { what: 'the dead letter' })
    assert.equal(dead.lastAnswer.statusCode, 404)
    assert.match(dead.dead.reason, /404/)
    fixed = true
    const retry = await red.request('/xo-outbox/outbox/retry', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ entry: dead.id }),
    })
    assert.deepEqual(await retry.json(), { retried: 1 })
    await waitFor(async () => (await view()).dead.length === 0 && (await view()).pending.length === 0, {
      what: 'the retried request delivered',
    })
    assert.deepEqual(
      sink.on('/hook').map((r) => r.headers['idempotency-key']),
      [dead.id, dead.id],
      'sent twice under the same key',
    )
  })
})
