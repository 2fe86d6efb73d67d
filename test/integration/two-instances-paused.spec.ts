import assert from 'node:assert/strict'
import { XoSimulator } from '../../src/simulator'
import { LoadBalancer } from '../support/load-balancer'
import { waitFor } from '../support/node-red'
import { TestRedis } from '../support/redis'
import { leaderIndex as pairLeaderIndex, roleOf, stopEverything } from '../support/pair'
import { StockNodeRed } from '../support/stock-node-red'

type FlowNode = Record<string, unknown> & { id: string; type: string }

/** What the flow's node after xo-hook logged of each call it got (a synchronous write to the log). */
interface Seen {
  callId: string
  replayed: boolean
  at: number
}

const LEASE_SECONDS = 3
/**
 * How long xo-hook waits for the VM a vm.create made before it emits the call's post: XO's notifications are held
 * back for longer than the test runs, so the instance that gets the post holds it, claimed, for this long. What
 * keeps a delivery in hand past a pause, as a slow enrichment or a loaded machine would.
 */
const HOLD_SECONDS = 15
const SEEN = /SEEN (\{.*\})/g

/**
 * Two stock Node-REDs running the same flows behind a load balancer, coordinated by a real redis-server, with the
 * simulated XO delivering to the load balancer's URL and keeping its audit log. The instance that gets a call's post
 * is paused (SIGSTOP) or killed while it holds it, claimed and not yet emitted, past the lease: the other instance
 * gives the call from XO's audit log. Resumed, the held instance must not emit it a second time; killed, it must not
 * take the call with it.
 */
describe('two Node-REDs, one Redis: an instance paused or killed while it holds a delivery (stock node-red)', function () {
  this.timeout(180_000)
  let redis: TestRedis
  let sim: XoSimulator
  let reds: StockNodeRed[] = []
  /** the instance the load balancer sends XO's deliveries to (both when undefined) */
  let deliverTo: StockNodeRed | undefined
  const stops: Array<() => Promise<void>> = []

  const seen = (): Seen[] =>
    reds.flatMap((red) => [...red.log.matchAll(SEEN)].map((m) => JSON.parse(m[1]) as Seen)).sort((a, b) => a.at - b.at)

  function flow(token: string, balancer: string): FlowNode[] {
    return [
      { id: 'tab', type: 'tab', label: 'paused instance' },
      {
        id: 'xo',
        type: 'xo-server',
        url: sim.url,
        authMethod: 'token',
        hookBaseUrl: balancer,
        redisUrl: redis.url,
        credentials: { token },
      },
      {
        id: 'hook',
        type: 'xo-hook',
        z: 'tab',
        server: 'xo',
        methods: ['vm.create'],
        phase: 'post',
        register: true,
        enrich: true,
        enrichWait: HOLD_SECONDS,
        catchUp: true,
        catchUpEvery: 1,
        catchUpGrace: 1,
        wires: [[], ['seen']],
      },
      {
        id: 'seen',
        type: 'function',
        z: 'tab',
        wires: [],
        func: "node.log('SEEN ' + JSON.stringify({ callId: msg.payload.callId, replayed: msg.xo.replayed === true, at: Date.now() })); return null",
      },
    ]
  }

  const leaderIndex = () => pairLeaderIndex(reds)

  /** The keys of the connection in Redis start so (the lease's key less `lease`). */
  async function prefix(): Promise<string> {
    const [leaseKey] = /xo-nr:[^\r\n]*:lease/.exec(await redis.command('KEYS', 'xo-nr:*:lease')) ?? []
    assert.ok(leaseKey, 'a lease key in Redis')
    return leaseKey.slice(0, -'lease'.length)
  }

  /** A VM made through XO's API: its call's id, from XO's audit log. */
  async function createVm(name: string): Promise<string> {
    const template = [...sim.objects.values()].find(
      (o) => o.type === 'VM-template' && o.name_label === 'Debian 12 template',
    )
    const id = await sim.invoke('vm.create', { name_label: name, template: template.id })
    const record = sim
      .auditRecords()
      .find((r) => r.event === 'apiCall' && r.data?.method === 'vm.create' && r.data?.result === id)
    assert.ok(record, 'the call in the audit log')
    return String(record.data!.callId)
  }

  before(async () => {
    redis = await TestRedis.start()
  })
  after(() => redis?.dispose())

  beforeEach(async () => {
    // XO's object notifications reach Node-RED only long after the test: a new VM is never seen, and xo-hook waits
    // for it for HOLD_SECONDS before emitting its vm.create.
    sim = await XoSimulator.start({ timeScale: 0.02, audit: true, notificationLagMs: 600_000 })
    const started = sim
    stops.push(() => started.stop())
    deliverTo = undefined
    const lb = await new LoadBalancer(() =>
      (deliverTo ? [deliverTo] : reds).map((red) => Number(new URL(red.url).port)),
    ).start()
    stops.push(() => lb.stop())
    // One at a time into `reds`: if the second fails to start, the first is still stopped after the test.
    reds = []
    for (let i = 0; i < 2; i++) reds.push(await StockNodeRed.start({ xoLeaseSeconds: LEASE_SECONDS }))
    const token = sim.issueToken('admin@admin.net')
    for (const red of reds) await red.deploy(flow(token, lb.url))
    await waitFor(
      async () =>
        ((await sim.invoke('plugin.get', {})) as Array<{ id: string; configuration?: { hooks?: unknown[] } }>).find(
          (p) => p.id === 'web-hooks',
        )?.configuration?.hooks?.length === 1,
      { timeoutMs: 15_000, what: 'the hook entry in XO' },
    )
    await leaderIndex()
    // The leader caught up once (the shared cursor says where the log is) before any call.
    await waitFor(async () => (await redis.command('KEYS', '*state:xo-hook/hook')).includes('xo-hook/hook'), {
      timeoutMs: 20_000,
      what: 'the shared catch-up cursor',
    })
  })

  // Whatever the test did before failing (an instance killed or paused), everything it started stops here.
  afterEach(() => stopEverything(reds, stops, { after: [() => redis.command('FLUSHALL')] }))

  /**
   * XO's post of a vm.create goes to `holder` only, which claims the call in Redis and holds it (waiting for the new
   * VM); then `holder` is paused or killed. Answers the call's id and the other instance.
   */
  async function holdOn(
    holderRole: 'leader' | 'follower',
  ): Promise<{ callId: string; holder: StockNodeRed; other: StockNodeRed; claimKey: string }> {
    const leader = await leaderIndex()
    const holder = reds[holderRole === 'leader' ? leader : 1 - leader]
    const other = reds[holderRole === 'leader' ? 1 - leader : leader]
    deliverTo = holder
    const callId = await createVm(`held by the ${holderRole}`)
    const keys = await prefix()
    const claimKey = `${keys}call:hook:${callId}`
    const leaseHolder = (await redis.bulk('GET', `${keys}lease`))?.split('|')[0]
    const claim = await waitFor(async () => (await redis.bulk('GET', claimKey)) ?? undefined, {
      intervalMs: 20,
      what: "the holder's claim on the call",
    })
    assert.match(claim, /^held\|/, 'claimed, not sent: the holder still holds it')
    assert.equal(
      claim.slice('held|'.length).split('#')[0] === leaseHolder,
      holderRole === 'leader',
      `claimed by the ${holderRole}`,
    )
    return { callId, holder, other, claimKey }
  }

  const emissions = (callId: string) => seen().filter((s) => s.callId === callId)

  for (const holderRole of ['leader', 'follower'] as const) {
    it(`the ${holderRole} paused (SIGSTOP) past the lease holding a delivery XO sent it: the other gives the call from the audit log, the resumed one does not give it again`, async () => {
      const { callId, holder, other, claimKey } = await holdOn(holderRole)
      await holder.signal('SIGSTOP')
      assert.match(
        (await redis.bulk('GET', claimKey)) ?? '',
        /^held\|/,
        'the holder emitted the call before it was paused',
      )
      if (holderRole === 'leader')
        await waitFor(async () => (await roleOf(other)) === 'leader', {
          timeoutMs: LEASE_SECONDS * 1000 + 5_000,
          what: 'the other to take over',
        })
      // Past the holder's claim (a lease time): the other's catch-up gives the call from XO's audit log.
      await waitFor(() => emissions(callId).length > 0, { timeoutMs: 30_000, what: 'the call from the audit log' })
      assert.deepEqual(
        emissions(callId).map((s) => s.replayed),
        [true],
      )
      // Recorded as the message leaves, on the instance's Redis connection: it may reach Redis a moment after the
      // log line the test reads.
      await waitFor(async () => /^sent\|/.test((await redis.bulk('GET', claimKey)) ?? ''), {
        timeoutMs: 5_000,
        what: 'the call recorded as sent',
      })

      const resumedFrom = holder.log.length
      await holder.signal('SIGCONT')
      // Once its wait for the VM is over, the resumed instance confirms its claim, finds the call given, and says so
      // (or emits it a second time).
      const givenMeanwhile = new RegExp(`vm\\.create ${callId} was given meanwhile`)
      await waitFor(() => givenMeanwhile.test(holder.log.slice(resumedFrom)) || emissions(callId).length > 1, {
        timeoutMs: HOLD_SECONDS * 1000 + 15_000,
        what: 'the resumed instance to decide',
      })
      assert.deepEqual(
        emissions(callId).map((s) => s.replayed),
        [true],
        'the call came out again once the holder resumed',
      )

      // Calls go on coming out once each, live, on either instance.
      deliverTo = undefined
      const next = await createVm('after the pause')
      await waitFor(() => emissions(next).length > 0, {
        timeoutMs: HOLD_SECONDS * 1000 + 15_000,
        what: 'the next call',
      })
      // Live: while it waited for the VM, its instance kept the call claimed, and the catch-up left it to it.
      assert.deepEqual(
        emissions(next).map((s) => s.replayed),
        [false],
      )
    })
  }

  it('the leader killed (SIGKILL) holding a delivery XO sent it: the call is not lost, the other gives it once its claim ran out', async () => {
    const { callId, holder, other } = await holdOn('leader')
    await holder.signal('SIGKILL')
    await waitFor(async () => (await roleOf(other)) === 'leader', {
      timeoutMs: LEASE_SECONDS * 1000 + 5_000,
      what: 'the other to take over',
    })
    await waitFor(() => emissions(callId).length > 0, { timeoutMs: 30_000, what: 'the call from the audit log' })
    assert.deepEqual(
      emissions(callId).map((s) => s.replayed),
      [true],
    )
  })
})
