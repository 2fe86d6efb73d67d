import type { StateStore, Stored } from '../state/state-store'
import type { RedisLink } from './redis-link'

/** Who may write: the lease's key and what it holds while this instance leads (undefined: not leading now). */
export type Fence = () => { key: string; holder: string } | undefined

// KEYS[1]: the state's hash (v: version, j: JSON); KEYS[2]: the lease. ARGV[1]: expected version ('' absent,
// '*' any); ARGV[2]: the JSON; ARGV[3]: the lease's holder ('' unfenced). Answers the new version, 0 when the
// version was not the one expected, -1 when the lease is no longer the writer's.
const PUT = `
if ARGV[3] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[3] then return -1 end
local version = redis.call('HGET', KEYS[1], 'v')
if ARGV[1] ~= '*' and (version or '') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'j', ARGV[2])
return redis.call('HINCRBY', KEYS[1], 'v', 1)`

const REMOVE = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
return redis.call('DEL', KEYS[1])`

export class NotLeadingError extends Error {
  constructor() {
    super('this instance no longer holds the lease: write refused')
  }
}

/**
 * The state interface of the catch-up and of remembered objects (cursor, snapshot) on Redis, shared by the instances
 * running the same flows. Writes can be fenced: Redis itself refuses them once the writer's lease is gone, so a
 * paused former leader never overwrites what its successor wrote.
 */
export class RedisStateStore implements StateStore {
  constructor(
    private readonly link: Pick<RedisLink, 'command'>,
    private readonly prefix: string,
    private readonly fence?: Fence,
  ) {}

  async read<T>(key: string): Promise<Stored<T> | undefined> {
    const [version, json] = await this.link.command<[string | null, string | null]>('HMGET', this.#key(key), 'v', 'j')
    if (version === null || json === null) return undefined
    try {
      return { value: JSON.parse(json) as T, version: Number(version) }
    } catch {
      return undefined
    }
  }

  async write<T>(key: string, value: T): Promise<number> {
    return (await this.#put(key, '*', value))!
  }

  compareAndSet<T>(key: string, expected: number | undefined, value: T): Promise<number | undefined> {
    return this.#put(key, expected === undefined ? '' : String(expected), value)
  }

  async delete(key: string): Promise<void> {
    const fenced = this.#fenced()
    const answer = await this.link.command('EVAL', REMOVE, 2, this.#key(key), fenced.key, fenced.holder)
    if (Number(answer) === -1) throw new NotLeadingError()
  }

  async #put(key: string, expected: string, value: unknown): Promise<number | undefined> {
    const fenced = this.#fenced()
    const answer = Number(
      await this.link.command(
        'EVAL',
        PUT,
        2,
        this.#key(key),
        fenced.key,
        expected,
        JSON.stringify(value),
        fenced.holder,
      ),
    )
    if (answer === -1) throw new NotLeadingError()
    return answer === 0 ? undefined : answer
  }

  #fenced(): { key: string; holder: string } {
    if (!this.fence) return { key: `${this.prefix}none`, holder: '' }
    const fence = this.fence()
    if (!fence) throw new NotLeadingError()
    return fence
  }

  #key(key: string): string {
    return `${this.prefix}state:${key}`
  }
}
