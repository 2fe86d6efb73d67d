import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Coordinator } from '../../src/coordination/coordinator'
import type { CatchUpSaved } from '../../src/audit/catch-up'
import type { HookPost } from '../../src/hooks/delivery'
import type { XoHookMessage } from '../../src/hooks/message'
import { Harness } from '../support/harness'
import { waitFor, waitForEvent } from '../support/node-red'
import { TestRedis } from '../support/redis'

interface HeldDelivery {
  path: string
  type: string
  body: Buffer
}

/**
 * Between XO and Node-RED: passes XO's web-hook deliveries on as they come, or, while holding, answers XO at once and
 * keeps them, for the test to deliver to Node-RED when it chooses (a delivery that took its time on the way).
 */
class DeliveryRelay {
  holding = false
  readonly held: HeldDelivery[] = []
  url = ''
  readonly #server: http.Server

  constructor(private readonly target: () => string) {
    this.#server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const delivery = {
          path: req.url ?? '/',
          type: String(req.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks),
        }
        if (this.holding) {
          this.held.push(delivery)
          return void res.writeHead(204).end()
        }
        this.deliver(delivery).then(
          (status) => res.writeHead(status).end(),
          () => res.writeHead(502).end(),
        )
      })
    })
  }

  async start(): Promise<this> {
    this.#server.listen(0, '127.0.0.1')
    await waitForEvent(this.#server, 'listening')
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
    return this
  }

  /** Delivers to Node-RED as XO would have; resolves with Node-RED's answer. */
  async deliver(delivery: HeldDelivery): Promise<number> {
    const response = await fetch(`${this.target()}${delivery.path}`, {
      method: 'POST',
      headers: { 'content-type': delivery.type },
      body: new Uint8Array(delivery.body),
    })
    await response.arrayBuffer()
    return response.status
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}

/**
 * With a Redis shared with another Node-RED, a call comes out once whether the leader's catch-up (from XO's audit
 * log) or its live delivery gets there first: the order is forced, not left to timing. The catch-up reads the log
 * only when told to (a period of an hour; each reconnection to XO starts a pass), and XO's deliveries go through a
 * relay that holds them for as long as the test wants.
 */
describe('xo-hook with a shared store: a call caught up from the audit log and delivered live comes out once, either first', function () {
  this.timeout(60_000)
  let redis: TestRedis
  let h: Harness | undefined
  let relay: DeliveryRelay | undefined
  let coordinator: Coordinator | undefined
  let messages: Array<XoHookMessage<HookPost>>

  before(async () => {
    redis = await TestRedis.start()
  })
  after(() => redis?.dispose())

  beforeEach(async () => {
    messages = []
    h = await new Harness().start({ audit: true })
    relay = await new DeliveryRelay(() => h!.nodeUrl).start()
    await h.load([
      h.serverNode({ hookBaseUrl: relay.url, redisUrl: redis.url }),
      {
        id: 'hook',
        type: 'xo-hook',
        server: 'server',
        methods: ['vm.start'],
        phase: 'post',
        register: true,
        enrich: false,
        catchUp: true,
        catchUpEvery: 3600,
        catchUpGrace: 0,
        wires: [[], ['out']],
      },
      { id: 'out', type: 'helper' },
    ])
    coordinator = (h.helper.getNode('server') as { coordinator?: Coordinator }).coordinator
    h.helper.getNode('out').on('input', (msg: XoHookMessage<HookPost>) => messages.push(msg))
    await waitFor(async () => (await h!.hookEntries()).length === 1, {
      timeoutMs: 15_000,
      what: "the node's entry in XO",
    })
    // Leading, the node caught up once: the shared cursor says where the log was then.
    await waitFor(async () => (await cursor()) !== undefined, { timeoutMs: 20_000, what: 'the shared catch-up cursor' })
  })

  afterEach(async () => {
    const problems: unknown[] = []
    const attempt = (step: () => Promise<unknown> | undefined) =>
      Promise.resolve()
        .then(step)
        .catch((error: unknown) => problems.push(error))
    await attempt(() => h?.stop())
    // The config node's Redis connection and lease, let go of now rather than when the pool would.
    await attempt(() => coordinator?.stop())
    await attempt(() => relay?.stop())
    h = relay = coordinator = undefined
    await redis.command('FLUSHALL')
    assert.deepEqual(problems, [], 'stopping what the test started')
  })

  /** The leader's catch-up state, as the instances share it in Redis. */
  async function cursor(): Promise<CatchUpSaved | undefined> {
    const json = await redis.bulk('HGET', `${coordinator!.prefix}state:xo-hook/hook`, 'j')
    return json ? (JSON.parse(json) as CatchUpSaved) : undefined
  }

  /** A halted VM started through XO's API: its call, and so its audit record and its post delivery. */
  async function startVm(index: number): Promise<void> {
    const halted = [...h!.sim.objects.values()].filter((o) => o.type === 'VM' && o.power_state === 'Halted')
    await h!.sim.invoke('vm.start', { id: halted[index].id })
  }

  /** Tells the leader to read the audit log now: XO's connections drop, and each reconnection starts a pass. */
  const catchUpNow = () => h!.sim.dropConnections()

  const of = (callId: string) => messages.filter((m) => m.payload.callId === callId)

  it('the catch-up gives the call first; its delivery arriving late does not give it again', async () => {
    relay!.holding = true
    await startVm(0)
    await waitFor(() => relay!.held.length === 1, { what: "XO's post delivery, held on the way" })
    const late = relay!.held[0]
    const { callId } = JSON.parse(late.body.toString()) as HookPost
    catchUpNow()
    await waitFor(() => of(callId).length === 1, { timeoutMs: 15_000, what: 'the call from the audit log' })
    assert.equal(of(callId)[0].xo.replayed, true)

    // Now the live delivery reaches Node-RED, then a later call: once the later one is out, the late one was decided.
    assert.equal(await relay!.deliver(late), 204)
    relay!.holding = false
    await startVm(1)
    await waitFor(() => messages.some((m) => m.payload.callId !== callId), {
      timeoutMs: 15_000,
      what: 'the next call, live',
    })
    assert.deepEqual(
      of(callId).map((m) => m.xo.replayed === true),
      [true],
      'the call came out again when its delivery arrived late',
    )
  })

  it('the live delivery gives the call first; the catch-up meeting it in the audit log does not give it again', async () => {
    await startVm(0)
    await waitFor(() => messages.length === 1, { what: 'the call, live' })
    const { callId } = messages[0].payload
    assert.equal(messages[0].xo.replayed, undefined)
    const records = h!.sim.auditRecords()
    const recordAt = records.findIndex((r) => r.data?.callId === callId)
    assert.ok(recordAt >= 0, 'the call is in the audit log')

    catchUpNow()
    // The shared cursor reaches the call's record (records are newest first): the pass walked past it.
    await waitFor(
      async () => {
        const saved = await cursor()
        const at = h!.sim.auditRecords().findIndex((r) => r.id === saved?.cursor)
        return at >= 0 && at <= h!.sim.auditRecords().length - records.length + recordAt
      },
      { timeoutMs: 15_000, what: "the catch-up's cursor past the call" },
    )
    assert.deepEqual(
      of(callId).map((m) => m.xo.replayed === true),
      [false],
      'the catch-up gave the call again',
    )
  })
})
