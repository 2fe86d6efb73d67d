import assert from 'node:assert/strict'
import { LeaderLease } from '../../src/coordination/leader-lease'
import { RedisLink, type RedisLinkState } from '../../src/coordination/redis-link'
import { XoSimulator } from '../../src/simulator'
import { LoadBalancer } from '../support/load-balancer'
import { waitFor } from '../support/node-red'
import { MASTER_NAME, SentinelSetup } from '../support/sentinel'
import { roleOf } from '../support/pair'
import { StockNodeRed } from '../support/stock-node-red'

type FlowNode = Record<string, unknown> & { id: string; type: string }

/** What a flow's first node after the package's node logged. */
interface Seen {
  kind: 'call' | 'change'
  callId?: string
  id?: string
  event?: string
  at: number
}

const LEASE_SECONDS = 3
const SEEN = /SEEN (\{.*\})/g
/** Node-RED's metric line of each message the xo-events node (id `events`) sends, with when. */
const SENT_BY_EVENTS = /\[metric\] \{"level":99,"nodeid":"events","event":"node\.xo-events\.send".*?"timestamp":(\d+)/g

/** Whatever a test started, stopped after it, each step even if another failed. */
async function stopAll(steps: Array<() => unknown>): Promise<unknown[]> {
  const problems: unknown[] = []
  for (const step of steps) {
    try {
      await step()
    } catch (error) {
      problems.push(error)
    }
  }
  return problems
}

describe('Redis Sentinel: the shared store fails over (redis-server, redis-sentinel)', function () {
  this.timeout(180_000)

  describe('a link to the master the sentinels name', () => {
    let setup: SentinelSetup | undefined
    const links: RedisLink[] = []
    const leases: LeaderLease[] = []

    beforeEach(async () => {
      setup = await SentinelSetup.start()
    })
    afterEach(async () => {
      const problems = await stopAll([
        ...leases.splice(0).map((lease) => () => lease.stop()),
        ...links.splice(0).map((link) => () => link.close()),
        () => setup?.replicaNode.signal('SIGCONT'),
        () => setup?.dispose(),
      ])
      setup = undefined
      assert.deepEqual(problems, [], 'stopping what the test started')
    })

    function link(replicas = 1): RedisLink {
      const made = new RedisLink({
        sentinel: {
          nodes: setup!.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
          masterName: MASTER_NAME,
          tls: false,
        },
        replicas,
        replicaWaitMs: 300,
      })
      links.push(made)
      made.start()
      return made
    }

    it('follows the promoted replica; every write it acknowledged is on the new master', async () => {
      const redis = link()
      await waitFor(() => redis.up, { timeoutMs: 15_000, what: 'the link to be up' })
      const acknowledged: number[] = []
      let writing = true
      const writer = (async () => {
        for (let i = 0; writing; i++) {
          await redis.command('RPUSH', 'written', String(i)).then(
            () => acknowledged.push(i),
            () => {},
          )
          await new Promise((resolve) => setImmediate(resolve))
        }
      })()
      try {
        await waitFor(() => acknowledged.length >= 20, { timeoutMs: 10_000, what: 'writes before the kill' })
        const old = setup!.masterNode.port
        const downs: string[] = []
        const onState = (state: RedisLinkState) => !state.up && downs.push(state.reason)
        redis.on('state', onState)
        await setup!.failover()
        const after = acknowledged.length
        await waitFor(() => acknowledged.length >= after + 20, {
          timeoutMs: 15_000,
          what: 'writes acknowledged by the promoted master',
        })
        redis.off('state', onState)
        assert.ok(
          downs.some((reason) => reason.includes(`master 127.0.0.1:${old} unreachable`)),
          `the link went down with the master: ${downs.join('; ')}`,
        )
      } finally {
        writing = false
        await writer
      }
      const kept = new Set(((await setup!.masterNode.command('LRANGE', 'written', '0', '-1')) as string[]).map(Number))
      const lost = acknowledged.filter((i) => !kept.has(i))
      assert.deepEqual(lost, [], 'acknowledged writes missing on the promoted master')
    })

    it('says why it cannot reach a master: a master name the sentinels do not know, no sentinel answering', async () => {
      const reasons = async (options: { masterName?: string; nodes?: Array<{ host: string; port: number }> }) => {
        const made = new RedisLink({
          sentinel: {
            nodes: options.nodes ?? setup!.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
            masterName: options.masterName ?? MASTER_NAME,
            tls: false,
          },
          replicas: 1,
        })
        links.push(made)
        const seen: string[] = []
        made.on('state', (state: RedisLinkState) => !state.up && seen.push(state.reason))
        made.start()
        await waitFor(() => seen.length > 0, { timeoutMs: 10_000, what: 'a reason' })
        await made.close()
        return seen.filter((reason) => reason !== 'closed')
      }
      assert.deepEqual(await reasons({ masterName: `not-${MASTER_NAME}` }), [
        `the sentinels know no master named not-${MASTER_NAME}`,
      ])
      const stopped = setup!.sentinels[0]
      await stopped.kill('SIGKILL')
      assert.deepEqual(await reasons({ nodes: [{ host: '127.0.0.1', port: stopped.port }] }), [
        'no sentinel reachable (connection refused)',
      ])
    })

    it('a leader whose renewals reach no replica stops leading, and leads again once the replica has them', async () => {
      const redis = link()
      await waitFor(() => redis.up, { timeoutMs: 15_000, what: 'the link to be up' })
      const lease = new LeaderLease({ link: redis, key: 'lease', instance: 'a', ttlMs: 3_000 })
      leases.push(lease)
      lease.start()
      await waitFor(() => lease.leading, { timeoutMs: 10_000, what: 'the lease' })
      // Replication stalls (a replica hung, or cut off from the master): the master alone takes the renewals, and
      // a failover now would promote a replica without them.
      await setup!.replicaNode.signal('SIGSTOP')
      await waitFor(() => !lease.leading, { timeoutMs: 10_000, what: 'the leader to stop' })
      assert.equal(lease.role.role, 'unknown')
      assert.match((lease.role as { reason: string }).reason, /not on a replica/)
      await setup!.replicaNode.signal('SIGCONT')
      await waitFor(() => lease.leading, { timeoutMs: 15_000, what: 'the lease again' })
    })
  })

  describe('two Node-REDs on a Sentinel-managed Redis (stock node-red)', () => {
    let setup: SentinelSetup | undefined
    let sim: XoSimulator | undefined
    let lb: LoadBalancer | undefined
    let reds: StockNodeRed[] = []
    let vms: string[] = []
    let streaming: { stop(): Promise<void> } | undefined
    let sampling: { stop(): Promise<void> } | undefined

    const calls = () =>
      sim!
        .auditRecords()
        .flatMap((r) =>
          r.event === 'apiCall' && ['vm.start', 'vm.stop'].includes(String(r.data?.method))
            ? [String(r.data?.callId)]
            : [],
        )
    const seen = (): Seen[] =>
      reds
        .flatMap((red) => [...red.log.matchAll(SEEN)].map((m) => JSON.parse(m[1]) as Seen))
        .sort((a, b) => a.at - b.at)

    beforeEach(async () => {
      setup = await SentinelSetup.start()
      sim = await XoSimulator.start({ timeScale: 0.02, audit: true })
      vms = [...sim.objects.values()]
        .filter((o) => o.type === 'VM' && o.power_state === 'Halted')
        .map((o) => o.id as string)
        .slice(0, 6)
      lb = await new LoadBalancer(() => reds.map((red) => Number(new URL(red.url).port))).start()
      reds = []
      const logging = { console: { level: 'info', metrics: true, audit: false } }
      for (let i = 0; i < 2; i++) reds.push(await StockNodeRed.start({ xoLeaseSeconds: LEASE_SECONDS, logging }))
    })

    afterEach(async () => {
      const logs = reds.map((red) => red.log.slice(-2500)).join('\n-----\n')
      const crashes = reds.flatMap((red) => red.crashes)
      const problems = await stopAll([
        () => streaming?.stop(),
        () => sampling?.stop(),
        ...reds.map((red) => async () => {
          await red.dispose()
          if (red.alive) await red.signal('SIGKILL')
        }),
        () => lb?.stop(),
        () => sim?.stop(),
        () => setup?.dispose(),
      ])
      reds = []
      streaming = sampling = lb = sim = setup = undefined
      assert.deepEqual(problems, [], 'stopping what the test started')
      assert.deepEqual(crashes, [], logs)
    })

    function flow(token: string): FlowNode[] {
      const log = (fields: string) =>
        `node.log('SEEN ' + JSON.stringify(Object.assign(${fields}, { at: Date.now() }))); return null`
      return [
        { id: 'tab', type: 'tab', label: 'sentinel' },
        {
          id: 'xo',
          type: 'xo-server',
          url: sim!.url,
          authMethod: 'token',
          hookBaseUrl: lb!.url,
          redisMode: 'sentinel',
          redisSentinels: setup!.addresses,
          redisMasterName: MASTER_NAME,
          credentials: { token },
        },
        {
          id: 'hook',
          type: 'xo-hook',
          z: 'tab',
          server: 'xo',
          methods: ['vm.start', 'vm.stop'],
          phase: 'post',
          register: true,
          catchUp: true,
          catchUpEvery: 1,
          catchUpGrace: 1,
          wires: [[], ['seen-call']],
        },
        {
          id: 'seen-call',
          type: 'function',
          z: 'tab',
          func: log("{ kind: 'call', callId: msg.payload.callId }"),
          wires: [],
        },
        {
          id: 'events',
          type: 'xo-events',
          z: 'tab',
          server: 'xo',
          types: ['VM'],
          events: ['started', 'stopped'],
          wires: [['seen-change']],
        },
        {
          id: 'seen-change',
          type: 'function',
          z: 'tab',
          wires: [],
          func: log(
            "{ kind: 'change', id: msg.payload.id, event: msg.payload.event, takeover: msg.payload.foundAtTakeover }",
          ),
        },
      ]
    }

    /** What each instance said about Redis and leading, for a failure's message. */
    const story = () =>
      [
        ...reds.map((red, i) =>
          red.log
            .split('\n')
            .filter((line) => /Redis|leading|cannot/.test(line))
            .map((line) => `${i}: ${line}`)
            .join('\n'),
        ),
        (setup?.sentinels[0]?.log ?? '')
          .split('\n')
          .filter((line) => /switch-master|\+sdown|-sdown|\+odown/.test(line))
          .map((line) => `sentinel: ${line}`)
          .join('\n'),
      ].join('\n')

    /** Both instances' roles, asked at once, again and again until stopped: every pair seen. */
    function sampleRoles(): { pairs: Array<{ at: number; roles: Array<string | undefined> }>; stop(): Promise<void> } {
      let running = true
      const pairs: Array<{ at: number; roles: Array<string | undefined> }> = []
      const done = (async () => {
        while (running) {
          const at = performance.now()
          pairs.push({ at, roles: await Promise.all(reds.map((red) => roleOf(red).catch(() => undefined))) })
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
      })()
      const sampler = {
        pairs,
        stop: async () => {
          running = false
          await done
        },
      }
      sampling = sampler
      return sampler
    }

    /** Toggles the VMs one after the other (a call and an object change each) until stopped. */
    function stream(intervalMs: number): { stop(): Promise<void> } {
      let running = true
      const done = (async () => {
        for (let i = 0; running; i++) {
          const id = vms[i % vms.length]
          const on = sim!.objects.get(id)?.power_state === 'Running'
          await sim!.invoke(on ? 'vm.stop' : 'vm.start', on ? { id, force: true } : { id }).catch(() => {})
          await new Promise((resolve) => setTimeout(resolve, intervalMs))
        }
      })()
      const load = {
        stop: async () => {
          running = false
          await done
        },
      }
      streaming = load
      return load
    }

    it(`the master killed (SIGKILL) ${Number(process.env.SENTINEL_ROUNDS ?? 5)} times under a steady stream: none lost, none twice, never two leaders`, async () => {
      const token = sim!.issueToken('admin@admin.net')
      for (const red of reds) await red.deploy(flow(token))
      await waitFor(
        async () =>
          ((await sim!.invoke('plugin.get', {})) as Array<{ id: string; configuration?: { hooks?: unknown[] } }>).find(
            (p) => p.id === 'web-hooks',
          )?.configuration?.hooks?.length === 2,
        { timeoutMs: 15_000, what: 'the hook entries in XO' },
      )
      await waitFor(async () => (await Promise.all(reds.map(roleOf))).sort().join() === 'follower,leader', {
        timeoutMs: 30_000,
        what: 'one leader and one follower',
      })
      const roles = sampleRoles()
      const load = stream(200)
      const killTimes: number[] = []
      const rounds: Array<{ promotedMs: number; leaderMs: number; eventsMs: number }> = []
      for (let round = 0; round < Number(process.env.SENTINEL_ROUNDS ?? 5); round++) {
        await waitFor(async () => (await Promise.all(reds.map(roleOf))).includes('leader'), {
          timeoutMs: 20_000,
          what: 'a leader',
        })
        await new Promise((resolve) => setTimeout(resolve, 500 + Math.random() * 500))
        const killedAt = performance.now()
        const killedAtWall = Date.now()
        killTimes.push(killedAtWall)
        const failover = setup!.failover()
        failover.catch(() => {}) // awaited below; a failure before that must not go unhandled
        // Back when an instance leads again and a change made after the kill comes out of it.
        let last: Array<string | undefined> = []
        await waitFor(async () => !(last = await Promise.all(reds.map(roleOf))).includes('leader'), {
          timeoutMs: 10_000,
          intervalMs: 25,
          what: 'the leader to stop with the master',
        }).catch((error: Error) => {
          throw new Error(`round ${round}: ${error.message}; roles ${last.join(', ')}\n${story()}`)
        })
        await waitFor(async () => (await Promise.all(reds.map(roleOf))).includes('leader'), {
          timeoutMs: 30_000,
          intervalMs: 25,
          what: 'a leader after the failover',
        })
        const leaderAt = performance.now()
        await waitFor(() => seen().some((s) => s.kind === 'change' && s.at > killedAtWall + (leaderAt - killedAt)), {
          timeoutMs: 20_000,
          what: 'object events after the failover',
        })
        const eventsAt = performance.now()
        const { promotedAfterMs } = await failover
        rounds.push({ promotedMs: promotedAfterMs, leaderMs: leaderAt - killedAt, eventsMs: eventsAt - killedAt })
      }
      await load.stop()
      await roles.stop()

      // Every call XO made came out once; every VM's started/stopped alternate, the last one saying its state.
      await waitFor(
        () => {
          const ids = new Set(
            seen()
              .filter((s) => s.kind === 'call')
              .map((s) => s.callId),
          )
          return calls().every((callId) => ids.has(callId))
        },
        { timeoutMs: 30_000, what: 'every call XO made, once caught up' },
      )
      const wrong = () =>
        vms.flatMap((id) => {
          const events = seen()
            .filter((s) => s.kind === 'change' && s.id === id)
            .map((s) => s.event)
          const state = sim!.objects.get(id)?.power_state
          const right =
            state === 'Halted'
              ? events.at(-1) === undefined || events.at(-1) === 'stopped'
              : events.at(-1) === 'started'
          return right ? [] : [`${id} is ${state}, its events: ${events.join(', ')}`]
        })
      await waitFor(() => wrong().length === 0, { timeoutMs: 30_000 }).catch(() => {})
      assert.deepEqual(wrong(), [], "each VM's last event says its state")
      const counts = new Map<string, number>()
      for (const s of seen()) if (s.kind === 'call') counts.set(s.callId!, (counts.get(s.callId!) ?? 0) + 1)
      assert.deepEqual(
        [...counts].filter(([, n]) => n > 1),
        [],
        'calls emitted more than once',
      )
      const made = new Set(calls())
      assert.deepEqual(
        [...counts.keys()].filter((callId) => !made.has(callId)),
        [],
        'calls nobody made',
      )
      for (const id of vms) {
        const events = seen()
          .filter((s) => s.kind === 'change' && s.id === id)
          .map((s) => s.event)
        const detail = () => {
          const changes = reds
            .flatMap((red, i) =>
              [...red.log.matchAll(SEEN)].map((m) => ({
                ...(JSON.parse(m[1]) as Seen & { takeover?: unknown }),
                by: i,
              })),
            )
            .filter((s) => s.id === id)
            .sort((a, b) => a.at - b.at)
          const xo = sim!
            .auditRecords()
            .filter((r) => r.event === 'apiCall' && (r.data?.params as { id?: string } | undefined)?.id === id)
            .map((r) => `${String(r.data?.method)}@${String(r.time)}`)
          return `${changes.map((c) => `${c.event}@${c.at} by ${c.by}${c.takeover ? ` (${String(c.takeover)})` : ''}`).join('\n')}\nXO: ${xo.join(' ')}\nfailovers at ${killTimes.join(' ')}\n${story()}`
        }
        const twice = events.filter((event, i) => i > 0 && events[i - 1] === event)
        assert.deepEqual(
          twice,
          [],
          `VM ${id} has ${events.join(', ')}: an event twice in a row is a duplicate or a loss${twice.length ? `\n${detail()}` : ''}`,
        )
      }

      // Never two leaders: no moment where both instances said so, and the object events each sent never interleave
      // more often than leadership could have moved (once per failover).
      const both = roles.pairs.filter((p) => p.roles.every((role) => role === 'leader'))
      assert.deepEqual(both, [], 'both instances leading at once (/xo/healthz)')
      assert.ok(roles.pairs.length > 50, `roles sampled ${roles.pairs.length} times`)
      const sends = reds
        .flatMap((red, i) => [...red.log.matchAll(SENT_BY_EVENTS)].map((m) => ({ at: Number(m[1]), by: i })))
        .sort((a, b) => a.at - b.at)
      const switches = sends.filter((s, i) => i > 0 && sends[i - 1].by !== s.by).length
      assert.ok(
        switches <= rounds.length,
        `object events went from one instance to the other ${switches} times over ${rounds.length} failovers (logs)`,
      )

      const median = (values: number[]) => Math.round([...values].sort((a, b) => a - b)[values.length >> 1])
      console.log(
        `      Redis failover (sentinels: down after ${setup!.downAfterMs} ms): replica promoted after ${median(rounds.map((r) => r.promotedMs))} ms, a leader after ${median(rounds.map((r) => r.leaderMs))} ms, object events flowing after ${median(rounds.map((r) => r.eventsMs))} ms (medians of ${rounds.length}; max ${Math.round(Math.max(...rounds.map((r) => r.eventsMs)))} ms); ${calls().length} calls, ${seen().filter((s) => s.kind === 'change').length} object events, leadership moved ${switches} times`,
      )
    })
  })
})
