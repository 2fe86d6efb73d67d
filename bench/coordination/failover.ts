/**
 * How long XO's objects go without a leader: two coordinators (the package's, as two Node-REDs hold them) on the
 * bench's redis-server, with the default lease. The leader dies without a word (its Redis connection cut, the lease
 * not given back: a SIGKILL or a crashed machine), or stops cleanly (gives the lease back); measured from then
 * until the other one leads.
 */
import { Coordinator } from '../../src/coordination/coordinator'
import { LEASE_TTL_MS } from '../../src/coordination/lease'

export interface FailoverResults {
  leaseMs: number
  /** ms from the leader's death to the other leading, each sample */
  afterDeathMs: number[]
  afterCleanStopMs: number[]
}

const quiet = { warn: () => {}, log: () => {} }

function coordinator(url: string, round: number): Coordinator {
  const c = new Coordinator({ url, identity: ['bench', `round ${round}`], ...quiet })
  c.start()
  return c
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!check()) {
    if (performance.now() > deadline) throw new Error('no leader in time')
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

export async function measureFailover(url: string, samples: number, log: (line: string) => void): Promise<FailoverResults> {
  const results: FailoverResults = { leaseMs: LEASE_TTL_MS, afterDeathMs: [], afterCleanStopMs: [] }
  for (let i = 0; i < samples; i++) {
    results.afterDeathMs.push(await sample(url, i, false))
    results.afterCleanStopMs.push(await sample(url, samples + i, true))
    log(`  failover ${i + 1} of ${samples}: after a death ${results.afterDeathMs[i].toFixed(0)} ms, after a clean stop ${results.afterCleanStopMs[i].toFixed(0)} ms`)
  }
  return results
}
