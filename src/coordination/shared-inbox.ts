import type { RedisLink } from './redis-link'
import { type Fence, NotLeadingError } from './redis-state-store'

/** How long a list nobody takes from is kept (both instances gone, or the node removed while one was down). */
const UNTAKEN_TTL_MS = 24 * 3_600_000

// KEYS[1]: the list. ARGV[1]: how many entries it keeps at most; ARGV[2]: its time to live; then the entries, oldest
// first. Answers how many of the oldest were cut to keep it bounded.
const PUSH = `
for i = 3, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local cut = redis.call('LLEN', KEYS[1]) - tonumber(ARGV[1])
if cut <= 0 then return 0 end
redis.call('LTRIM', KEYS[1], cut, -1)
return cut`

// KEYS[1]: the list; KEYS[2]: the lease. ARGV[1]: its holder; ARGV[2]: how many at most. Answers the oldest
// entries, taken off the list in the same step, or -1 when the lease is no longer the taker's.
const TAKE = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
local taken = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
if #taken > 0 then redis.call('LTRIM', KEYS[1], #taken, -1) end
return taken`

/**
 * What the followers of one node hand to its leader (an xo digest's messages): a list in Redis, bounded (the oldest
 * cut, and counted, when the leader takes nothing), which only the lease's holder takes from, each entry once.
 */
export class SharedInbox {
  constructor(
    private readonly link: Pick<RedisLink, 'command'>,
    private readonly key: string,
    private readonly fence: Fence,
  ) {}

  /** Adds entries after those waiting; answers how many of the oldest were cut to keep at most `atMost`. */
  async push(entries: string[], atMost: number): Promise<number> {
    if (!entries.length) return 0
    return Number(await this.link.command('EVAL', PUSH, 1, this.key, atMost, UNTAKEN_TTL_MS, ...entries))
  }

  /** Takes up to `atMost` of the oldest entries; refused (NotLeadingError) unless this instance holds the lease. */
  async take(atMost: number): Promise<string[]> {
    const fence = this.fence()
    if (!fence) throw new NotLeadingError()
    const answer = await this.link.command<string[] | number>(
      'EVAL',
      TAKE,
      2,
      this.key,
      fence.key,
      fence.holder,
      atMost,
    )
    if (!Array.isArray(answer)) throw new NotLeadingError()
    return answer
  }

  /** The node was removed: what waits is forgotten. */
  async forget(): Promise<void> {
    await this.link.command('DEL', this.key)
  }
}
