import { TestRedis } from '../test/support/redis'

/**
 * A redis-server of the bench's own (Debian's package), for the targets that share a store; undefined (and said)
 * when there is none: those targets are then left out.
 */
export async function sharedRedis(stops: Array<() => Promise<void>>): Promise<string | undefined> {
  try {
    const redis = await TestRedis.start()
    stops.push(() => redis.dispose())
    return redis.url
  } catch (error) {
    console.log(`  no shared-store targets: ${(error as Error).message}`)
    return undefined
  }
}
