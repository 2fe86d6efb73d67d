import assert from 'node:assert/strict'
import { type Received, Sink } from '../support/examples'
import { waitFor } from '../support/node-red'
import { StockNodeRed } from '../support/stock-node-red'

const REQUESTS = 100
/** how long the receiver, once back, holds every other answer: a kill lands while some are due */
const HELD_MS = 5000

/**
 * The stock node-red entry point with an xo outbox in front of the core http request node and xo outcome looping
 * back into it: requests to a receiver that is down are kept across a SIGKILL and a full redeploy, and delivered
 * once it is back, each with the same Idempotency-Key on every attempt; a request that keeps failing ends as a dead
 * letter that Retry now, from the admin API, delivers.
 */
describe('xo outbox: requests survive a kill of Node-RED (stock node-red)', function () {
  this.timeout(180_000)
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

  /**
   * `outbox`: the xo-outbox node's settings. Its answer timeout is far beyond every wait of these tests: a request
   * sent again after a restart is one the outbox knew was in flight, not one whose answer it gave up on.
   */
  const flow = (url: string, outbox: Record<string, unknown> = {}) => [
    { id: 'tab', type: 'tab', label: 'outbox' },
    {
      id: 'make',
      type: 'function',
      z: 'tab',
      // One request per message, each its own event.
      func: `msg.url = ${JSON.stringify(url)} + '/hook'; msg.method = 'POST'; msg.payload = { n: msg.payload }; msg.xoSummary = { id: 'event-' + msg.payload.n, kind: 'test', title: 't', ok: true }; msg.xoDestination = 'generic'; return msg`,
      wires: [['outbox']],
    },
    {
      id: 'outbox',
      type: 'xo-outbox',
      z: 'tab',
      answerTimeout: 300,
      maxAttempts: 50,
      ...outbox,
      wires: [['http'], ['settled']],
    },
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
  const nodes = (url: string, outbox?: Record<string, unknown>) => [
    ...flow(url, outbox),
    // Each settled request told to the receiver: the outbox settles a request once its fate is recorded.
    {
      id: 'settled',
      type: 'function',
      z: 'tab',
      func: `msg.url = ${JSON.stringify(url)} + '/settled'; msg.method = 'POST'; msg.headers = {}; msg.payload = { n: msg.xoRequest.payload.n, state: msg.xoOutbox.state }; return msg`,
      wires: [['tell']],
    },
    { id: 'tell', type: 'http request', z: 'tab', method: 'use', ret: 'txt', wires: [[]] },
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

  type View = {
    pending: Array<{ id: string; host: string; attempts: number; lastAnswer?: { statusCode?: number } }>
    dead: Array<{
      id: string
      attempts: number
      dead: { reason: string }
      lastAnswer: { statusCode: number; reason: string }
    }>
  }
  const view = async () => (await (await red!.request('/xo-outbox/outbox')).json()) as View

  /** Waits until the outbox node, started again, has loaded what was kept (its requests pending). */
  async function keeps(count: number, when: string): Promise<void> {
    await waitFor(async () => (await view()).pending?.length === count, {
      what: `every request kept ${when}`,
    })
  }

  const numberOf = (r: Received) => JSON.parse(r.body).n as number
  const hooks = (received: Received[]) => received.filter((r) => r.url === '/hook')

  /** Every request sent at least once (so recorded: the outbox sends nothing it has not recorded). */
  async function everyRequestTried(count: number): Promise<void> {
    await waitFor(() => new Set(sink.on('/hook').map(numberOf)).size === count, {
      timeoutMs: 30_000,
      what: 'a first attempt of every request',
    })
  }

  it('keeps every request while the receiver is down and across two SIGKILLs; sends again only what was in flight at a kill', async () => {
    // What the receiver took in (answered 200 to, or was answering when Node-RED died), and when it answered.
    const accepted: Array<Received & { answeredAt: number }> = []
    let phase: 'down' | 'slow' | 'up' = 'down'
    sink.answer((r) => {
      if (r.url !== '/hook') return undefined
      if (phase === 'down') return { status: 503, body: 'down' }
      // Back, but answering every other request late: a kill then lands while answers are due.
      const delayMs = phase === 'slow' && numberOf(r) % 2 ? HELD_MS : 0
      accepted.push({ ...r, answeredAt: r.at + delayMs })
      return { status: 200, body: 'ok', delayMs }
    })
    red = await StockNodeRed.start()
    await red.deploy(nodes(sink.url))
    for (let n = 0; n < REQUESTS; n++) await inject(n)
    await everyRequestTried(REQUESTS)
    // The operator's view (admin API): every request waiting, shown by host only (a webhook's path is its secret).
    const before = await view()
    assert.equal(before.pending.length, REQUESTS)
    assert.equal(before.dead.length, 0)
    assert.equal(before.pending[0].host, new URL(sink.url).host)
    assert.doesNotMatch(JSON.stringify(before), /\/hook|"n":/, 'the view shows no path nor body')
    const metrics = await (await red.request('/xo/metrics')).text()
    assert.match(metrics, new RegExp(`^xo_outbox_pending\\{node="outbox"\\} ${REQUESTS}$`, 'm'))
    assert.match(metrics, /^xo_outbox_dead\{node="outbox"\} 0$/m)

    // A crash while the receiver is down: nothing delivered yet, everything kept.
    await red.signal('SIGKILL')
    await red.launch()
    await keeps(REQUESTS, 'after the first kill')

    // The receiver is back; a second crash lands once some deliveries are recorded and while answers are due.
    phase = 'slow'
    const settled = () => new Set(sink.on('/settled').map(numberOf))
    await waitFor(() => settled().size >= 10 && accepted.some((r) => r.answeredAt > Date.now() + 100), {
      timeoutMs: 60_000,
      what: 'deliveries recorded, and answers still due',
    })
    await red.signal('SIGKILL')
    const killedAt = Date.now()
    phase = 'up'
    const settledBeforeKill = settled()
    const takenInBeforeKill = new Set(accepted.map(numberOf))
    // Answered after Node-RED was dead (the receiver answers no sooner than it said): never recorded as delivered.
    const dueAtKill = new Set(accepted.filter((r) => r.answeredAt > killedAt).map(numberOf))
    assert.ok(dueAtKill.size > 0, 'answers were due at the kill')
    await red.launch()
    await waitFor(() => new Set(accepted.map(numberOf)).size === REQUESTS, {
      timeoutMs: 60_000,
      what: `every request delivered after the restart; log: ${red.log.slice(-3000)}`,
    })
    await waitFor(async () => (await view()).pending.length === 0, { what: 'the outbox empty' }).catch(
      async (error) => {
        throw new Error(`${error.message}; still kept: ${JSON.stringify((await view()).pending.slice(0, 3))}`)
      },
    )

    // Taken in twice: only what was in flight at the kill, i.e. taken in before it and not recorded as delivered.
    const times = new Map<number, number>()
    for (const r of accepted) times.set(numberOf(r), (times.get(numberOf(r)) ?? 0) + 1)
    const duplicates = [...times].filter(([, count]) => count > 1).map(([n]) => n)
    console.log(
      `      ${duplicates.length} of ${REQUESTS} requests taken in twice, all in flight at the kill: ${dueAtKill.size} ` +
        `answered after it, ${duplicates.length - dueAtKill.size} answered before it but not recorded yet ` +
        `(${takenInBeforeKill.size} taken in before the kill, ${settledBeforeKill.size} of them known recorded)`,
    )
    for (const n of duplicates) {
      assert.ok(takenInBeforeKill.has(n), `request ${n} taken in twice though it was not in flight at the kill`)
      assert.ok(!settledBeforeKill.has(n), `request ${n} taken in again after its delivery was recorded`)
      assert.equal(times.get(n), 2, `request ${n} taken in ${times.get(n)} times`)
    }
    for (const n of dueAtKill)
      assert.ok(duplicates.includes(n), `request ${n}, answered after the kill, not sent again`)

    // The same key on every attempt of a request, a different one for each request.
    const keys = new Map<number, Set<string>>()
    for (const r of sink.on('/hook')) {
      const n = numberOf(r)
      keys.set(n, (keys.get(n) ?? new Set()).add(String(r.headers['idempotency-key'])))
    }
    assert.equal(keys.size, REQUESTS)
    for (const [n, seen] of keys) assert.equal(seen.size, 1, `request ${n} went out under ${seen.size} keys`)
    assert.equal(new Set([...keys.values()].map((s) => [...s][0])).size, REQUESTS)
    assert.deepEqual(red.crashes, [])
  })

  it('loses no request kept while the receiver is down through a full redeploy of the same flow', async () => {
    const count = 30
    let up = false
    sink.answer(() => (up ? { status: 200, body: 'ok' } : { status: 503, body: 'down' }))
    red = await StockNodeRed.start()
    await red.deploy(nodes(sink.url))
    for (let n = 0; n < count; n++) await inject(n)
    await everyRequestTried(count)
    const started = red.log.length
    // The editor's default deploy: every node stopped and started again, the outbox with its requests in flight.
    await red.deploy(nodes(sink.url), 'full')
    await red.waitForLog(/Stopping flows[\s\S]*Started flows/, started)
    await keeps(count, 'by the redeployed node')
    const redeployedAt = sink.received.length
    up = true
    await waitFor(() => new Set(hooks(sink.received.slice(redeployedAt)).map(numberOf)).size === count, {
      timeoutMs: 60_000,
      what: `every request delivered after the redeploy; log: ${red.log.slice(-3000)}`,
    })
    await waitFor(async () => (await view()).pending.length === 0, { what: 'the outbox empty' })
    assert.equal(hooks(sink.received.slice(redeployedAt)).length, count, 'each request delivered once')
  })

  const deadLetters = [
    {
      what: 'refused for good (404)',
      status: 404,
      outbox: {},
      reason: /404/,
      attempts: 1,
    },
    {
      what: 'that keeps failing (503 on each of its 3 attempts)',
      status: 503,
      outbox: { maxAttempts: 3 },
      reason: /^out of attempts: .*503/,
      attempts: 3,
    },
  ]
  for (const c of deadLetters)
    it(`keeps a request ${c.what} as a dead letter with its last answer; Retry now from the admin API delivers it`, async () => {
      let fixed = false
      sink.answer(() => (fixed ? { status: 200, body: 'ok' } : { status: c.status, body: 'not now' }))
      red = await StockNodeRed.start()
      await red.deploy(nodes(sink.url, c.outbox))
      await inject(1)
      const dead = await waitFor(async () => (await view()).dead[0], { timeoutMs: 30_000, what: 'the dead letter' })
      assert.equal(dead.lastAnswer.statusCode, c.status)
      assert.match(dead.dead.reason, c.reason)
      assert.equal(dead.attempts, c.attempts)
      assert.equal(sink.on('/hook').length, c.attempts, 'no attempt once it is dead')
      fixed = true
      const retry = await red.request('/xo-outbox/outbox/retry', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ entry: dead.id }),
      })
      assert.deepEqual(await retry.json(), { retried: 1 })
      await waitFor(
        async () => {
          const now = await view()
          return now.dead.length === 0 && now.pending.length === 0
        },
        { what: 'the retried request delivered' },
      )
      assert.deepEqual(
        sink.on('/hook').map((r) => r.headers['idempotency-key']),
        Array(c.attempts + 1).fill(dead.id),
        'every attempt under the same key',
      )
    })
})
