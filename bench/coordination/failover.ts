/**
 * How long XO's objects go without a leader: two coordinators (the package's, as two Node-REDs hold them) on the
 * bench's redis-server, with the default lease. The leader dies without a word (its Redis connection cut, the lease
 * not given back: a SIGKILL or a crashed machine), or stops cleanly (gives the lease back); measured from then
 * until the other one leads. And the pair as a supervisor keeps it: the leader dies and a new instance starts at
 * once in its place; measured until object events flow again (see `flowing.ts`), with which instance took over.
 */
import { Coordinator } from '../../src/coordination/coordinator'
import { LEASE_TTL_MS } from '../../src/coordination/leader-lease'
import { untilFlowing } from './flowing'

export interface RestartSample {
  /** ms from the leader's death to object events flowing again */
  ms: number
  /** who leads then: the warm survivor (as it should), or the instance just started in the dead one's place */
  by: 'survivor' | 'restarted'
}

export interface FailoverResults {
  leaseMs: number
  /** ms from the leader's death to the other leading, each sample */
  afterDeathMs: number[]
  afterCleanStopMs: number[]
  /** the leader dead and a new instance started at once in its place, each sample */
  afterDeathRestarted: RestartSample[]
}

const quiet = { warn: () => {}, log: () => {} }

function coordinator(url: string, round: number | string): Coordinator {
  const c = new Coordinator({ url, identity: ['bench', `round ${round}`], ...quiet })
  c.start()
  return c
}

async function until(check: () => boolean, timeoutMs: number, what = 'a leader'): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`no ${what} in time`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

async function sample(url: string, round: number, clean: boolean): Promise<number> {
  const first = coordinator(url, round)
  await until(() => first.role.role === 'leader', 5_000)
  const second = coordinator(url, round)
  await until(() => second.role.role === 'follower', 5_000)
  // A moment after a renewal, as a death comes at any time in the lease.
  await new Promise((resolve) => setTimeout(resolve, 1_000 + Math.random() * 2_000))
  const from = performance.now()
  if (clean) await first.stop()
  else await first.link.close()
  await until(() => second.role.role === 'leader', LEASE_TTL_MS + 5_000)
  const took = performance.now() - from
  await second.stop()
  if (!clean) await first.stop()
  return took
}

/**
 * The pair as a supervisor runs it, one death after another: each time the leader dies without a word, a new
 * instance (a new instance id, cold) starts at once in its place, and the next death comes once the follower is
 * warm again (a lease time after its start) and has said so in Redis, at a random moment of the lease.
 */
async function measureRestarts(url: string, samples: number, log: (line: string) => void): Promise<RestartSample[]> {
  const out: RestartSample[] = []
  const started: Coordinator[] = []
  const start = () => {
    const c = coordinator(url, 'restarts')
    started.push(c)
    return c
  }
  try {
    let leader = start()
    await until(() => leader.role.role === 'leader', 5_000)
    let follower = start()
    await until(() => follower.role.role === 'follower', 5_000, 'follower')
    for (let i = 0; i < samples; i++) {
      await until(() => follower.lease.warm && follower.role.role === 'follower', LEASE_TTL_MS + 5_000, 'warm follower')
      // A follower says it is warm at its next try (at least every second); then any moment of the lease.
      await new Promise((resolve) => setTimeout(resolve, 1_000 + Math.random() * 2_000))
      if (!leader.lease.leading) throw new Error('the leader lost its lease before it was killed')
      const from = performance.now()
      await leader.link.close()
      const restarted = start()
      const flowing = await untilFlowing(() => [follower, restarted], LEASE_TTL_MS + 5_000)
      const sample: RestartSample = { ms: flowing.at - from, by: flowing.by === follower ? 'survivor' : 'restarted' }
      out.push(sample)
      log(
        `  failover ${i + 1} of ${samples}, the dead leader restarted at once: object events after ${sample.ms.toFixed(0)} ms, led by the ${sample.by}`,
      )
      await leader.stop()
      if (sample.by === 'survivor') [leader, follower] = [follower, restarted]
      else leader = restarted
      await until(() => follower.role.role === 'follower', 5_000, 'follower')
    }
  } finally {
    for (const c of started) await c.stop().catch(() => {})
  }
  return out
}

export async function measureFailover(
  url: string,
  samples: number,
  restartSamples: number,
  log: (line: string) => void,
): Promise<FailoverResults> {
  const results: FailoverResults = {
    leaseMs: LEASE_TTL_MS,
    afterDeathMs: [],
    afterCleanStopMs: [],
    afterDeathRestarted: [],
  }
  for (let i = 0; i < samples; i++) {
    results.afterDeathMs.push(await sample(url, i, false))
    results.afterCleanStopMs.push(await sample(url, samples + i, true))
    log(
      `  failover ${i + 1} of ${samples}: after a death ${results.afterDeathMs[i].toFixed(0)} ms, after a clean stop ${results.afterCleanStopMs[i].toFixed(0)} ms`,
    )
  }
  results.afterDeathRestarted = await measureRestarts(url, restartSamples, log)
  return results
}
