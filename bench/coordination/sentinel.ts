/**
 * A Redis failover under the pair: a master, a replica and three sentinels (test/support/sentinel.ts: Debian's
 * redis-server and redis-sentinel on free loopback ports, the sentinels deeming a silent master down after 1.5 s),
 * two coordinators following the master the sentinels name, each write counting once the replica has it (WAIT 1,
 * the package's default with Sentinel). The master is SIGKILLed, the sentinels promote the replica, the old master
 * is restarted as its replica as soon as they have (as a supervisor or an operator would), and object events flow
 * again once a leader has its snapshot writes acknowledged by that replica (see `flowing.ts`).
 */
import { Coordinator } from '../../src/coordination/coordinator'
import type { LeaseRole } from '../../src/coordination/leader-lease'
import { MASTER_NAME, respCommand, SentinelSetup } from '../../test/support/sentinel'
import { untilFlowing } from './flowing'

export interface SentinelRound {
  /** ms from the master's death until a majority of sentinels named the replica */
  promotedMs: number
  /** until the old master served again, as the promoted one's replica */
  replicaBackMs: number
  /** until an instance was leader again (it had stopped leading with the master) */
  leaderMs: number
  /** until that leader's snapshot read and write were answered, the write acknowledged by the replica */
  flowingMs: number
  /** whether the instance that led before the death leads again, or the other one */
  by: 'same' | 'other'
}

export interface SentinelResults {
  downAfterMs: number
  rounds: SentinelRound[]
}

const quiet = { warn: () => {}, log: () => {} }

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Whether a majority of the sentinels name the data node on `port` as the master. */
async function named(setup: SentinelSetup, port: number): Promise<boolean> {
  const answers = await Promise.all(
    setup.sentinels.map((s) =>
      respCommand(s.port, 'SENTINEL', 'get-master-addr-by-name', MASTER_NAME).catch(() => null),
    ),
  )
  return answers.filter((a) => Array.isArray(a) && Number(a[1]) === port).length >= 2
}

export async function measureSentinel(
  kills: number,
  stops: Array<() => Promise<void>>,
  log: (line: string) => void,
): Promise<SentinelResults> {
  const setup = await SentinelSetup.start()
  stops.push(() => setup.dispose())
  const sentinel = {
    nodes: setup.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
    masterName: MASTER_NAME,
    tls: false,
  }
  const pair = [0, 1].map(() => new Coordinator({ sentinel, replicas: 1, identity: ['bench', 'sentinel'], ...quiet }))
  stops.push(async () => {
    for (const c of pair) await c.stop().catch(() => {})
  })
  for (const c of pair) c.start()
  const leader = () => pair.find((c) => c.lease.leading)
  await until(
    () => leader() !== undefined && pair.some((c) => c.role.role === 'follower'),
    30_000,
    'leader and follower on the Sentinel-managed master',
  )

  const rounds: SentinelRound[] = []
  for (let i = 0; i < kills; i++) {
    await setup.settled()
    await until(() => leader() !== undefined, 30_000, 'leader before the kill')
    await untilFlowing(() => pair, 10_000)
    // Any moment between two of the leader's writes or renewals.
    await new Promise((resolve) => setTimeout(resolve, 500 + Math.random() * 1_000))
    const before = leader()
    if (!before) throw new Error('the leader lost its lease before the master was killed')
    const old = setup.masterNode
    const promoted = setup.replicaNode
    // Every role change from the kill on: a leader again only counts once the former one stopped leading.
    const changes: Array<{ c: Coordinator; role: LeaseRole; at: number }> = []
    const listeners = pair.map((c) => {
      const listener = (role: LeaseRole) => changes.push({ c, role, at: performance.now() })
      c.on('role', listener)
      return () => c.off('role', listener)
    })
    try {
      const from = performance.now()
      await old.kill('SIGKILL')
      const flowing = untilFlowing(() => pair, 60_000)
      flowing.catch(() => {})
      await until(() => named(setup, promoted.port), 30_000, `promotion of ${promoted.port}`)
      const promotedMs = performance.now() - from
      // Back as the new master's replica, on its own port (the sentinels know it by it), never as an empty master.
      await until(
        () =>
          old.launch(['--replicaof', '127.0.0.1', String(promoted.port)]).then(
            () => true,
            (error: Error) => {
              if (/Address already in use/.test(error.message)) return false
              throw error
            },
          ),
        15_000,
        `restart of the old master on ${old.port}`,
      )
      const replicaBackMs = performance.now() - from
      const done = await flowing
      const stopped = changes.findIndex((e) => e.c === before && e.role.role !== 'leader')
      const again = changes.find((e, n) => n > stopped && e.role.role === 'leader')
      if (stopped === -1 || !again) throw new Error('the leader never stopped leading with its master')
      const round: SentinelRound = {
        promotedMs,
        replicaBackMs,
        leaderMs: again.at - from,
        flowingMs: done.at - from,
        by: done.by === before ? 'same' : 'other',
      }
      rounds.push(round)
      log(
        `  master killed ${i + 1} of ${kills}: replica promoted after ${promotedMs.toFixed(0)} ms, old master back as its replica after ` +
          `${replicaBackMs.toFixed(0)} ms, a leader after ${round.leaderMs.toFixed(0)} ms, object events after ${round.flowingMs.toFixed(0)} ms (${round.by === 'same' ? 'the same' : 'the other'} instance)`,
      )
    } finally {
      for (const off of listeners) off()
    }
  }
  return { downAfterMs: setup.downAfterMs, rounds }
}
