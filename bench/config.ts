/** The bench's knobs, from the environment, with defaults that keep a whole run well under two minutes. */
export interface BenchConfig {
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
}

function positive(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not "${raw}"`)
  return value
}

export function benchConfig(): BenchConfig {
  const seconds = positive('BENCH_SECONDS', 5)
  return {
    measureMs: Math.round(seconds * 1000),
    warmupMs: Math.round(positive('BENCH_WARMUP_SECONDS', Math.min(2, seconds / 2)) * 1000),
    rate: positive('BENCH_RATE', 1000),
    concurrency: Math.round(positive('BENCH_CONCURRENCY', 16)),
    inventorySize: Math.round(positive('BENCH_INVENTORY', 400)),
  }
}
