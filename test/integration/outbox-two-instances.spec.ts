import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { XoSimulator } from '../../src/simulator'
import { waitFor } from '../support/node-red'
import { leaderIndex, stopEverything } from '../support/pair'
import { TestRedis } from '../support/redis'
import { StockNodeRed } from '../support/stock-node-red'

const REQUESTS = 50
// The shortest lease Node-RED's `xoLeaseSeconds` takes: the outbox's claims hold as long.
const LEASE_SECONDS = 2
/** how long the receiver holds each request before it answers: two sends of one request at once would overlap */
const HOLD_MS = 50

/** One request as the receiver saw it: from its arrival to its answer (or its client gone). */
interface Visit {
  id: string
  status: number
  start: number
  end?: number
  /** its answer written out whole (not a client gone mid-way) */
  answered?: boolean
}

/**
 * A receiver that flaps: each request is refused (503, Retry-After 1 s) at its odd visits and taken (200) at its
 * even ones, held HOLD_MS either way; it records when each visit began and ended.
 */
class FlappingReceiver {
  readonly visits: Visit[] = []
  readonly #server = http.createServer((req, res) => {
    const id = String(req.headers['idempotency-key'] ?? '')
    const status = this.visits.filter((v) => v.id === id).length % 2 === 0 ? 503 : 200
    const visit: Visit = { id, status, start: Date.now() }
    this.visits.push(visit)
    const ended = () => (visit.end ??= Date.now())
    res.on('finish', () => {
      visit.answered = true
      ended()
    })
    res.on('close', ended)
    req.resume()
    setTimeout(() => {
      if (res.destroyed) return
      res.writeHead(status, status === 503 ? { 'retry-after': '1' } : {}).end(status === 503 ? 'down' : 'ok')
    }, HOLD_MS)
  })
  url = ''

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
    return this
  }

  delivered(): Set<string> {
    return new Set(this.visits.filter((v) => v.status === 200 && v.answered).map((v) => v.id))
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}

/**
 * Two stock Node-REDs running the same flow, an xo outbox whose xo-server shares a real redis-server, in front of
 * a receiver that flaps; requests come to both. The leader is killed (SIGKILL) while the requests are pending, some
 * on their way: the survivor delivers every one, and no request is ever at the receiver twice at the same time.
 */
describe('xo outbox shared by two Node-REDs: the leader killed mid-way (stock node-red)', function () {
  this.timeout(90_000)
  let redis: TestRedis
  let receiver: FlappingReceiver
  const reds: StockNodeRed[] = []
  const stops: Array<() => Promise<void>> = []

  before(async () => {
    redis = await TestRedis.start()
  })
  after(() => redis?.dispose())
  afterEach(() => stopEverything(reds, stops))

  const flow = (sim: XoSimulator, token: string) => [
    { id: 'tab', type: 'tab', label: 'shared outbox' },
    { id: 'xo', type: 'xo-server', url: sim.url, authMethod: 'token', redisUrl: redis.url, credentials: { token } },
    { id: 'in', type: 'http in', z: 'tab', url: '/outbox-test', method: 'post', wires: [['answer', 'make']] },
    { id: 'answer', type: 'http response', z: 'tab', statusCode: '200', wires: [] },
    {
      id: 'make',
      type: 'function',
      z: 'tab',
      func: `const n = msg.payload.n; msg.url = ${JSON.stringify(receiver.url)} + '/hook'; msg.method = 'POST'; msg.payload = { n }; msg.xoSummary = { id: 'event-' + n, kind: 'test', title: 't', ok: true }; msg.xoDestination = 'generic'; return msg`,
      wires: [['outbox']],
    },
    { id: 'outbox', type: 'xo-outbox', z: 'tab', server: 'xo', maxAttempts: 50, wires: [['http'], []] },
    { id: 'http', type: 'http request', z: 'tab', method: 'use', ret: 'txt', wires: [['outcome']] },
    {
      id: 'outcome',
      type: 'xo-outcome',
      z: 'tab',
      maxAttempts: 50,
      maxDelay: 2,
      wires: [['outbox'], ['outbox'], ['outbox']],
    },
  ]

  it('delivers all requests after a SIGKILL of the leader, never sending one from both instances at once', async () => {
    receiver = await new FlappingReceiver().start()
    stops.push(() => receiver.stop())
    const sim = await XoSimulator.start()
    stops.push(() => sim.stop())
    const token = sim.issueToken('admin@admin.net')
    for (let i = 0; i < 2; i++) reds.push(await StockNodeRed.start({ xoLeaseSeconds: LEASE_SECONDS }))
    for (const red of reds) await red.deploy(flow(sim, token))
    const leader = reds[await leaderIndex(reds)]
    const survivor = reds.find((red) => red !== leader)!

    // The requests come to both instances in turn, as behind a load balancer.
    for (let n = 0; n < REQUESTS; n++) {
      const response = await reds[n % 2].request('/outbox-test', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ n }),
      })
      assert.equal(response.status, 200)
    }
    // Every request refused once (its first visit), none delivered yet bar the earliest retries: kill the leader now.
    await waitFor(() => new Set(receiver.visits.map((v) => v.id)).size === REQUESTS, {
      timeoutMs: 20_000,
      what: 'a first visit of every request',
    })
    const deliveredBefore = receiver.delivered().size
    await leader.signal('SIGKILL')
    const killedAt = Date.now()
    const cutOff = receiver.visits.filter((v) => v.start <= killedAt && (v.end ?? Infinity) >= killedAt).length

    await waitFor(() => receiver.delivered().size === REQUESTS, {
      timeoutMs: 45_000,
      what: `every request delivered by the survivor; log: ${survivor.log.slice(-3000)}`,
    })
    const doneAt = Date.now()

    // Never two visits of one request at the same time.
    const byId = new Map<string, Visit[]>()
    for (const visit of receiver.visits) byId.set(visit.id, [...(byId.get(visit.id) ?? []), visit])
    const overlaps: string[] = []
    for (const [id, visits] of byId) {
      const sorted = visits.sort((a, b) => a.start - b.start)
      for (let i = 1; i < sorted.length; i++) {
        const previousEnd = sorted[i - 1].end ?? Infinity
        if (sorted[i].start < previousEnd)
          overlaps.push(`${id}: ${sorted[i - 1].start}-${previousEnd} and ${sorted[i].start}`)
      }
    }
    assert.deepEqual(overlaps, [], 'visits of one request at the same time')
    const duplicates = [...byId].filter(([, visits]) => visits.filter((v) => v.status === 200 && v.answered).length > 1)
    console.log(
      `      ${receiver.visits.length} visits for ${REQUESTS} requests; delivered before the kill ${deliveredBefore}, ` +
        `cut off by it ${cutOff}; all delivered ${doneAt - killedAt} ms after it; delivered twice: ${duplicates.length}`,
    )
    // Nothing left in the shared outbox, as the survivor sees it.
    await waitFor(
      async () => {
        const view = (await (await survivor.request('/xo-outbox/outbox')).json()) as {
          pending: unknown[]
          dead: unknown[]
        }
        return view.pending.length === 0 && view.dead.length === 0
      },
      { timeoutMs: 15_000, what: "the survivor's outbox empty" },
    )
  })
})
