import type { XoObject } from '../xo/object-store'
import type { RedisLink } from './redis-link'
import { type Fence, NotLeadingError } from './redis-state-store'

/** An object as the leader last sent it (reduced to what the node compares), and when (ms since the epoch). */
export interface SentObject {
  object: XoObject
  at: number
}

/** A hash field's value: the object as sent and when ('' for an object gone or no longer selected: `null`). */
export function sentField(json: string, at: number): string {
  return `{"t":${at},"o":${json || 'null'}}`
}

/** What the last leader recorded: see `SharedSnapshot.load`. */
export interface StoredSnapshot {
  about: SnapshotAbout
  objects: SentObject[]
  gone: Map<string, number>
  until?: number
}

/** What a snapshot was taken for: another XO or another selection makes it meaningless. */
export interface SnapshotAbout {
  server: string
  selection: string
}

// KEYS[1]: the hash of objects; KEYS[2]: the lease; KEYS[3]: when the leader had recorded everything it sent.
// ARGV[1]: holder; ARGV[2]: that time ('' leaves it); then pairs of id and JSON ('' removes).
const APPLY = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
for i = 3, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
if ARGV[2] ~= '' then redis.call('SET', KEYS[3], ARGV[2]) end
return 1`

// KEYS[1]: the hash; KEYS[2]: its description; KEYS[3]: its time; KEYS[4]: the lease. ARGV[1]: holder. Empties
// them: until the description is written again, last, nothing half-written can be taken for a snapshot.
const CLEAR = `
if redis.call('GET', KEYS[4]) ~= ARGV[1] then return -1 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return 1`

// KEYS[1]: the description; KEYS[2]: the lease. ARGV[1]: holder; ARGV[2]: the description.
const DESCRIBE = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
redis.call('SET', KEYS[1], ARGV[2])
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

  /**
   * What was sent (each object with when it was sent), and what for; `until`: when the last leader had recorded
   * everything it sent (it says so every few seconds, even when nothing changes); undefined when nothing was ever
   * written.
   */
  async load(): Promise<StoredSnapshot | undefined> {
    const about = await this.link.command<string | null>('GET', `${this.key}:about`)
    if (about === null) return undefined
    const until = Number(await this.link.command<string | null>('GET', `${this.key}:until`))
    const flat = await this.link.command<string[]>('HGETALL', this.key)
    const objects: SentObject[] = []
    const gone = new Map<string, number>()
    // RESP2 and RESP3 clients answer HGETALL as a flat list or as an object: both are handled.
    const pairs: Array<[string, string]> = Array.isArray(flat)
      ? flat.flatMap((value, i) => (i % 2 === 0 ? [[value, flat[i + 1]] as [string, string]] : []))
      : Object.entries(flat as Record<string, string>)
    for (const [id, json] of pairs) {
      try {
        const { o: object, t: at } = JSON.parse(json) as { o: XoObject | null; t: number }
        if (typeof at !== 'number') continue
        if (object === null) gone.set(id, at)
        else if (object && typeof object.id === 'string' && typeof object.type === 'string')
          objects.push({ object, at })
      } catch {
        // a field written by something else: not compared
      }
    }
    try {
      return { about: JSON.parse(about) as SnapshotAbout, objects, gone, ...(until > 0 ? { until } : {}) }
    } catch {
      return undefined
    }
  }

  /** Replaces the whole snapshot (a first leader, another selection); what it is about is written last. */
  async reset(about: SnapshotAbout, objects: Iterable<[string, string]>): Promise<void> {
    await this.#fenced(CLEAR, [this.key, `${this.key}:about`, `${this.key}:until`])
    let batch: string[] = []
    for (const [id, json] of objects) {
      batch.push(id, json)
      if (batch.length >= CHUNK * 2) {
        await this.apply(batch)
        batch = []
      }
    }
    if (batch.length) await this.apply(batch)
    await this.#fenced(DESCRIBE, [`${this.key}:about`], JSON.stringify(about))
  }

  async #fenced(script: string, keys: string[], ...args: string[]): Promise<void> {
    const fence = this.#fence()
    if (
      Number(await this.link.command('EVAL', script, keys.length + 1, ...keys, fence.key, fence.holder, ...args)) === -1
    )
      throw new NotLeadingError()
  }

  /**
   * Writes objects as sent: pairs of id and `sentField`, '' for an object gone. Ordered after earlier writes.
   * `until`: everything sent up to then is recorded with this write (ms since the epoch).
   */
  async apply(pairs: string[], until?: number): Promise<void> {
    const fence = this.#fence()
    const answer = await this.link.command(
      'EVAL',
      APPLY,
      3,
      this.key,
      fence.key,
      `${this.key}:until`,
      fence.holder,
      until === undefined ? '' : String(until),
      ...pairs,
    )
    if (Number(answer) === -1) throw new NotLeadingError()
  }

  /** The node was removed: what it sent is forgotten (enabled again, it starts afresh). */
  async forget(): Promise<void> {
    await this.link.command('DEL', this.key, `${this.key}:about`, `${this.key}:until`)
  }

  #fence(): { key: string; holder: string } {
    const fence = this.fence()
    if (!fence) throw new NotLeadingError()
    return fence
  }
}
