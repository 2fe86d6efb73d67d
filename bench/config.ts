/** The bench's knobs, from the environment, with defaults that keep a whole run (all three scenarios) under three minutes. */
export interface BenchConfig {
  /** which scenarios run: BENCH_SCENARIO=hooks|objects|catchup|failover|sentinel|outbox|digest|all */
  scenarios: {
    hooks: boolean
    objects: boolean
    catchUp: boolean
    failover: boolean
    sentinel: boolean
    outbox: boolean
    digest: boolean
  }
  /** measuring time per phase */
  measureMs: number
  /** warm-up before each phase (JIT, connection set-up, Node-RED's first messages), not measured */
  warmupMs: number
  /** the fixed-rate phase's deliveries per second */
  rate: number
  /** the full-speed phase's requests in flight (one per keep-alive connection) */
  concurrency: number
  /** the simulator's VM count: the inventory the deliveries' ids come from */
  inventorySize: number
  objects: ObjectStreamConfig
  catchUp: CatchUpConfig
  outbox: OutboxBenchConfig
  digest: DigestBenchConfig
}

/** The digest scenario's knobs. */
export interface DigestBenchConfig {
  /** events per variant and round */
  events: number
  /** events per second */
  rate: number
  /** groups the events are spread over */
  groups: number
  rounds: number
  /** events per group when the memory of open groups is measured */
  eventsPerGroup: number
}

/** The outbox scenario's knobs. */
export interface OutboxBenchConfig {
  /** requests per variant and round */
  requests: number
  rounds: number
  /** requests in flight per variant */
  window: number
  /** the outbox's storages measured against the flow without it (each a variant: `file`, `redis`) */
  storages: string[]
}

/** The catch-up scenario's knobs. */
export interface CatchUpConfig {
  /** audit records in the log, every one but the oldest missed and caught up */
  records: number
  /** rounds, each running every variant once in a fresh child (the median one is reported) */
  rounds: number
}

/** The object-stream scenario's knobs. */
export interface ObjectStreamConfig {
  /** the simulator's VM count: about 5 objects each (VIFs, VBDs, VDIs, plus hosts, SRs…): 10,000 is ~50,000 objects */
  vms: number
  /** object updates per round (lag and CPU rounds alike) */
  updates: number
  /** CPU rounds: nothing measured per message, the CPU ratio of each compared (median and spread reported) */
  rounds: number
  /** lag rounds, before the CPU rounds: every message timed (their CPU time is shown, not judged) */
  lagRounds: number
  /** object updates sent before measuring (JIT, first messages), not measured */
  warmupUpdates: number
  /** objects per notification */
  minBatch: number
  maxBatch: number
  /** notifications sent and not yet taken in by both receivers at most */
  window: number
  /**
   * V8 flags both receivers run with, the same for both: by default the same fixed GC policy (see bench/README.md),
   * so that neither's GC depends on V8's estimate of its speed or on a core being free for GC threads
   */
  v8Flags: string[]
}
function positive(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not "${raw}"`)
  return value
}

function scenarios(): BenchConfig['scenarios'] {
  const raw = (process.env.BENCH_SCENARIO ?? 'all').trim() || 'all'
  if (!['hooks', 'objects', 'catchup', 'failover', 'sentinel', 'outbox', 'digest', 'all'].includes(raw)) {
    throw new Error(
      `BENCH_SCENARIO must be hooks, objects, catchup, failover, sentinel, outbox, digest or all, not "${raw}"`,
    )
  }
  const all = raw === 'all'
  return {
    hooks: all || raw === 'hooks',
    objects: all || raw === 'objects',
    catchUp: all || raw === 'catchup',
    failover: all || raw === 'failover',
    sentinel: all || raw === 'sentinel',
    outbox: all || raw === 'outbox',
    digest: all || raw === 'digest',
  }
}

function nonNegative(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number >= 0, not "${raw}"`)
  return value
}

export function benchConfig(): BenchConfig {
  const seconds = positive('BENCH_SECONDS', 5)
  const minBatch = Math.round(positive('BENCH_BATCH_MIN', 10))
  const maxBatch = Math.round(positive('BENCH_BATCH_MAX', 200))
  if (maxBatch < minBatch) throw new Error(`BENCH_BATCH_MAX (${maxBatch}) is below BENCH_BATCH_MIN (${minBatch})`)
  return {
    scenarios: scenarios(),
    measureMs: Math.round(seconds * 1000),
    warmupMs: Math.round(positive('BENCH_WARMUP_SECONDS', Math.min(2, seconds / 2)) * 1000),
    rate: positive('BENCH_RATE', 1000),
    concurrency: Math.round(positive('BENCH_CONCURRENCY', 16)),
    inventorySize: Math.round(positive('BENCH_INVENTORY', 400)),
    objects: {
      vms: Math.round(positive('BENCH_OBJECT_VMS', 10_000)),
      // ~2 s a round on 2 cores: long enough that a major GC or the scheduler moves a round's ratio by little.
      updates: Math.round(positive('BENCH_OBJECT_UPDATES', 40_000)),
      rounds: Math.round(positive('BENCH_OBJECT_ROUNDS', 15)),
      lagRounds: Math.round(nonNegative('BENCH_OBJECT_LAG_ROUNDS', 1)),
      // Until the JIT has settled: with 5,000, the first rounds' ratios were still 10-20 % above the later ones'.
      warmupUpdates: Math.round(nonNegative('BENCH_OBJECT_WARMUP', 40_000)),
      minBatch,
      maxBatch,
      window: Math.round(positive('BENCH_CHURN_WINDOW', 2)),
      v8Flags: (process.env.BENCH_OBJECT_V8_FLAGS ?? '--single-threaded-gc --heap-growing-percent=100')
        .split(/\s+/)
        .filter(Boolean),
    },
    catchUp: {
      // At least 2: the oldest record is the saved cursor, the others are what is caught up.
      records: Math.max(2, Math.round(positive('BENCH_AUDIT_RECORDS', 10_000))),
      rounds: Math.round(positive('BENCH_CATCHUP_ROUNDS', 3)),
    },
    outbox: {
      requests: Math.round(positive('BENCH_OUTBOX_REQUESTS', 2000)),
      rounds: Math.round(positive('BENCH_OUTBOX_ROUNDS', 5)),
      window: Math.round(positive('BENCH_OUTBOX_WINDOW', 8)),
      storages: (process.env.BENCH_OUTBOX_STORAGES ?? 'file,redis').split(/[\s,]+/).filter(Boolean),
    },
    digest: {
      events: Math.round(positive('BENCH_DIGEST_EVENTS', 50_000)),
      rate: positive('BENCH_DIGEST_RATE', 10_000),
      groups: Math.round(positive('BENCH_DIGEST_GROUPS', 1000)),
      rounds: Math.round(positive('BENCH_DIGEST_ROUNDS', 3)),
      eventsPerGroup: Math.round(positive('BENCH_DIGEST_EVENTS_PER_GROUP', 10)),
    },
  }
}
