import type { XoObject } from '../xo/object-store'
import type { RedisLink } from './redis-link'
import { Fence, NotLeadingError } from './redis-state-store'

/** An object as the leader last sent it (reduced to what the node compares), and when (ms since the epoch). */
export interface SentObject {
  object: XoObject
  at: number
}

/** A hash field's value: the object as sent and when. */
export function sentField(json: string, at: number): string {
  return `{"t":${at},"o":${json}}`
}

/** What a snapshot was taken for: another XO or another selection makes it meaningless. */
export interface SnapshotAbout {
  server: string
  selection: string
}

// KEYS[1]: the hash of objects; KEYS[2]: the lease. ARGV[1]: holder; then pairs of id and JSON ('' removes).
const APPLY = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
for i = 2, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 1`

// KEYS[1]: the hash; KEYS[2]: its description; KEYS[3]: the lease. ARGV[1]: holder; ARGV[2]: the description.
const RESET = `
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return -1 end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[2])
return 1`

const CHUNK = 500

/**
 * The objects an xo-events node has told its flow about, as the leader last sent them (reduced to what the node
 * compares), one hash field per object: each change the leader sends is written right after it, so the instance
 * that takes over compares XO's objects with exactly what was sent, and sends each difference once.
 */
export class SharedSnapshot {
  constructor(
    private readonly link: Pick<RedisLink, 'command'>,
    private readonly key: string,
    private readonly fence: Fence,
  ) {}

  /** What was sent (each object with when it was sent), and what for; undefined when nothing was ever written. */
  async load(): Promise<{ about: SnapshotAbout; objects: SentObject[] } | undefined> {
    const about = await this.link.command<string | null>('GET', `${this.key}:about`)
    if (about === null) return undefined
    const flat = await this.link.command<string[]>('HGETALL', this.key)
    const objects: SentObject[] = []
    // RESP2 and RESP3 clients answer HGETALL as a flat list or as an object: both are handled.
    const values = Array.isArray(flat) ? flat.filter((_, i) => i % 2 === 1) : Object.values(flat as Record<string, string>)
    for (const json of values) {
      try {
        const { o: object, t: at } = JSON.parse(json) as { o: XoObject; t: number }
        if (object && typeof object.id === 'string' && typeof object.type === 'string' && typeof at === 'number') objects.push({ object, at })
      } catch {
        // a field written by something else: not compared
      }
    }
    try {
      return { about: JSON.parse(about) as SnapshotAbout, objects }
    } catch {
      return undefined
    }
  }

  /** Replaces the whole snapshot (a first leader, another selection). */
  async reset(about: SnapshotAbout, objects: Iterable<[string, string]>): Promise<void> {
    const fence = this.#fence()
    if (Number(await this.link.command('EVAL', RESET, 3, this.key, `${this.key}:about`, fence.key, fence.holder, JSON.stringify(about))) === -1) {
      throw new NotLeadingError()
    }
    let batch: string[] = []
    for (const [id, json] of objects) {
      batch.push(id, json)
      if (batch.length >= CHUNK * 2) {
        await this.apply(batch)
        batch = []
      }
    }
    if (batch.length) await this.apply(batch)
  }

  /** Writes objects as sent: pairs of id and `sentField`, '' for an object gone. Ordered after earlier writes. */
  async apply(pairs: string[]): Promise<void> {
    const fence = this.#fence()
    if (Number(await this.link.command('EVAL', APPLY, 2, this.key, fence.key, fence.holder, ...pairs)) === -1) throw new NotLeadingError()
  }

  /** The node was removed: what it sent is forgotten (enabled again, it starts afresh). */
  async forget(): Promise<void> {
    await this.link.command('DEL', this.key, `${this.key}:about`)
  }

  #fence(): { key: string; holder: string } {
    const fence = this.fence()
    if (!fence) throw new NotLeadingError()
    return fence
  }
}
