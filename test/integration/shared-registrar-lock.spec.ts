import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { Coordinator, webHooksLockKey } from '../../src/coordination/coordinator'
import { compileMethods, type MethodMatcher } from '../../src/hooks/patterns'
import type { HookEntry, RegistrationReport } from '../../src/hooks/registrar'
import { hookRegistrars, type ServerHooks } from '../../src/node-red/hook-registrars'
import { parseXoUrl } from '../../src/xo/url'
import { Harness } from '../support/harness'
import { waitFor } from '../support/node-red'
import { TestRedis } from '../support/redis'
import { InterleavingXo } from '../support/interleaving-xo'

const quiet = { warn: () => {}, log: () => {} }

describe('the registrars of two Node-REDs sharing a Redis write XO web-hooks configuration under its lock', function () {
  this.timeout(60_000)
  let redis: TestRedis
  const closing: Array<() => Promise<void>> = []

  before(async () => {
    redis = await TestRedis.start()
  })
  afterEach(async () => {
    // Each one even if another failed to; said after.
    const problems: unknown[] = []
    for (const close of closing.splice(0).reverse()) await close().catch((error: unknown) => problems.push(error))
    await redis.command('FLUSHALL')
    assert.deepEqual(problems, [], 'stopping what the test started')
  })
  after(() => redis?.dispose())

  it("two instances' registrars writing at once through the Redis lock: neither loses the other's entries", async () => {
    const xo = new InterleavingXo()
    const instance = async (who: string) => {
      // The same flows on both: the same connection identity, hence the same lock.
      const coordinator = new Coordinator({ url: redis.url, identity: ['xo', 'wss://xo/api/', 'http://lb'], ...quiet })
      closing.push(() => coordinator.stop())
      coordinator.start()
      await waitFor(() => coordinator.link.up, { what: `${who} linked to Redis` })
      // Redis refusing this instance the lock (the other holds it) lets the fake XO answer the other's read.
      const command = coordinator.link.command.bind(coordinator.link)
      coordinator.link.command = (async (...args: Array<string | number>) => {
        const reply = await command(...args)
        if (args[0] === 'SET' && String(args[1]).endsWith(':lock:web-hooks') && reply === null) xo.arrive(who)
        return reply
      }) as typeof coordinator.link.command
      const events = new EventEmitter()
      const prefix = `http://${who}:1880/xo-hook/`
      const hooks = hookRegistrars(events, () => {})({
        id: 'xo',
        connection: xo.connection(who) as never,
        options: {} as never,
        prefix,
        catalogue: async () => ['vm.start', 'vm.stop'],
        // As xo-server wires it.
        lock: (work) => coordinator.withLock('web-hooks', work),
      }) as ServerHooks
      closing.push(() => hooks.close(false))
      const reports: RegistrationReport[] = []
      hooks.registrar.claim({
        nodeId: 'hook',
        prefix,
        wish: {
          url: `${prefix}hook/secret`,
          methods: compileMethods(['vm.start']) as MethodMatcher,
          type: 'post',
          waitForResponse: false,
        },
        report: (report) => reports.push(report),
      })
      return {
        events,
        hooks,
        reports,
        entry: { method: 'vm.start', type: 'post', url: `${prefix}hook/secret`, format: 'json' } as HookEntry,
      }
    }
    const a = await instance('a')
    const b = await instance('b')
    a.events.emit('flows:started')
    b.events.emit('flows:started')
    await Promise.all([a.hooks.registrar.idle(20_000), b.hooks.registrar.idle(20_000)])
    assert.deepEqual(
      [...a.reports, ...b.reports].map((r) => (r.ok ? 'ok' : r.error.message)),
      ['ok', 'ok'],
    )
    assert.deepEqual(
      [...xo.hooks].sort((x, y) => x.url.localeCompare(y.url)),
      [a.entry, b.entry],
      "an instance's entries lost",
    )
  })

  it('a deployed xo-server with a Redis writes XO only once the other instance has let go of the lock', async () => {
    const h = await new Harness().start()
    closing.push(() => h.stop())
    // The key every instance and every config node reaching this XO locks: XO's, not the config node's.
    const lockKey = webHooksLockKey(parseXoUrl(h.sim.url).wsUrl)
    assert.equal(await redis.command('SET', lockKey, 'the-other-instance', 'PX', '60000'), '+OK\r\n')
    const monitor = await redis.monitor()
    closing.push(() => monitor.stop())
    const configured: string[] = []
    h.sim.on('call', ({ method }: { method: string }) => method === 'plugin.configure' && configured.push(method))
    await h.load([
      h.serverNode({ redisUrl: redis.url }),
      {
        id: 'hook',
        type: 'xo-hook',
        server: 'server',
        methods: ['vm.start'],
        phase: 'post',
        register: true,
        enrich: false,
        wires: [[], []],
      },
    ])
    const coordinator = (h.helper.getNode('server') as { coordinator?: Coordinator }).coordinator
    assert.ok(coordinator, 'the config node shares a store')
    // Stopped once the flows are, rather than 3 s later: Redis goes at the end of the file.
    closing.unshift(() => coordinator.stop())
    const asked = () => monitor.lines.filter((line) => line.includes(`"SET" "${lockKey}"`)).length
    await waitFor(() => asked() >= 2, {
      timeoutMs: 15_000,
      what: 'the registrar asking for the lock, held by the other instance, and again',
    })
    assert.deepEqual(configured, [], 'XO configured while the other instance held the lock')
    assert.deepEqual(await h.hookEntries(), [])
    await redis.command('DEL', lockKey)
    await waitFor(async () => (await h.hookEntries()).length === 1, {
      timeoutMs: 15_000,
      what: "the node's entry in XO once the lock is free",
    })
    assert.deepEqual(configured, ['plugin.configure'])
    await waitFor(async () => (await redis.command('EXISTS', lockKey)) === ':0\r\n', { what: 'the lock given back' })
  })
})
