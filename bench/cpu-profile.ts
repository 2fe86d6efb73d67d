import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import path from 'node:path'

/**
 * With BENCH_PROFILE=<directory>, the parent (where every hook-ingest target runs) records a V8 CPU profile of
 * each full-speed phase, and each object-stream process one of its last measured round, to open in Chrome
 * DevTools or read with `tsx bench/profile-top.ts <file>`: where a target's time goes, not only how much. Off by default: the profiler itself slows the targets down.
 */
export async function profiled<T>(name: string, run: () => Promise<T>): Promise<T> {
  const stop = await startProfile(name)
  try {
    return await run()
  } finally {
    await stop()
  }
}

/** Starts recording `<name>.cpuprofile` (with BENCH_PROFILE set); the function returned stops and writes it. */
export async function startProfile(name: string): Promise<() => Promise<void>> {
  const directory = process.env.BENCH_PROFILE
  if (!directory) return async () => {}
  const session = new Session()
  session.connect()
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
    )
  await post('Profiler.enable')
  await post('Profiler.setSamplingInterval', { interval: 200 })
  await post('Profiler.start')
  return async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: object }
    writeFileSync(path.join(directory, `${name}.cpuprofile`), JSON.stringify(profile))
    session.disconnect()
  }
}
