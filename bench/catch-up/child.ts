/**
 * Forked once per variant and round by the catch-up scenario (argv[2]: the variant): loads everything every
 * variant needs (the same modules for all, so they start alike), says ready, runs its variant once when told,
 * measures it, answers, and exits. A fresh process each time: no variant inherits another's heap or JIT.
 */
import { startProfile } from '../cpu-profile'
import { BenchAuditSource } from './audit-source'
import type { ChildResult, FromChild, ToChild, Variant } from './protocol'
import { VARIANTS } from './protocol'
import { PREPARE } from './variants'

const gc = (globalThis as { gc?: () => void }).gc

/** A full collection (twice: the first may leave finalisable garbage) when --expose-gc is on. */
function collect(): NodeJS.MemoryUsage {
  gc?.()
  gc?.()
  return process.memoryUsage()
}

async function measure(variant: Variant, message: ToChild): Promise<ChildResult> {
  const { spec } = message
  const source = new BenchAuditSource(spec.baseUrl)
  const prepared = await PREPARE[variant](spec, source)
  const before = collect()
  const maxRssBeforeKiB = process.resourceUsage().maxRSS
  // With BENCH_PROFILE, catch-up-<variant>.cpuprofile (each round overwrites it: the last round's stays).
  const stopProfile = await startProfile(`catch-up-${variant}`)
  const cpu = process.cpuUsage()
  const start = performance.now()
  const outcome = await prepared.run()
  const wallMs = performance.now() - start
  const used = process.cpuUsage(cpu)
  await stopProfile()
  const maxRssAfterKiB = process.resourceUsage().maxRSS
  const after = collect()
  await prepared.close()
  await source.close()
  return {
    variant,
    wallMs,
    cpuUserUs: used.user,
    cpuSystemUs: used.system,
    rssBefore: before.rss,
    maxRssBeforeKiB,
    maxRssAfterKiB,
    heapUsedBefore: before.heapUsed,
    heapUsedAfter: after.heapUsed,
    gcExposed: gc !== undefined,
    lines: source.lines,
    downloads: source.downloads,
    calls: source.calls,
    ...outcome,
  }
}

function send(message: FromChild): Promise<void> {
  return new Promise((resolve) => (process.connected ? process.send!(message, () => resolve()) : resolve()))
}

const variant = process.argv[2] as Variant
if (!(variant in VARIANTS)) {
  console.error(`catch-up bench child: unknown variant "${variant}"`)
  process.exit(2)
}
process.once('message', (message: ToChild) => {
  measure(variant, message)
    .then(
      (result) => send({ type: 'result', result }),
      (error: Error) => send({ type: 'error', message: error.stack ?? error.message }),
    )
    .finally(() => process.exit(0))
})
// The parent going away ends this process: nothing may outlive the bench.
process.on('disconnect', () => process.exit(0))
void send({ type: 'ready' })
