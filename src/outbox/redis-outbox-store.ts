import type { RedisLink } from '../coordination/redis-link'
import type { OutboxEntry } from './outbox'
import type { SharedOutboxStore } from './shared-outbox'

// KEYS[1]: the entries (hash id -> JSON), KEYS[2]: when the leader looks at each (sorted set), KEYS[3]: the entry's
// claim. ARGV[1]: id, ARGV[2]: JSON, ARGV[3]: due at, ARGV[4]: claimer, ARGV[5]: claim ms. Answers 1 when recorded
// under the claimer's new claim, 0 when the id is kept already or claimed by another.
const CREATE = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
local held = redis.call('GET', KEYS[3])
if held and held ~= ARGV[4] then return 0 end
redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[5])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1`

// KEYS as CREATE. ARGV[1]: id, ARGV[2]: JSON, ARGV[3]: due at ('' never: a dead letter), ARGV[4]: claimer,
// ARGV[5]: '1' to give the claimer's claim back. Answers 1 when written, -1 when another holds the claim, 0 when gone
// (dropped meanwhile: a late answer does not bring it back).
const UPDATE = `
local held = redis.call('GET', KEYS[3])
if held and held ~= ARGV[4] then return -1 end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] == '' then redis.call('ZREM', KEYS[2], ARGV[1]) else redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1]) end
if held and ARGV[5] == '1' then redis.call('DEL', KEYS[3]) end
return 1`

// KEYS as CREATE. ARGV[1]: id, ARGV[2]: claimer ('' whoever holds the claim: the operator drops it). Answers 1 when
// removed, 0 when gone already, -1 when another holds the claim.
const REMOVE = `
local held = redis.call('GET', KEYS[3])
if ARGV[2] ~= '' and held and held ~= ARGV[2] then return -1 end
if held and held == ARGV[2] then redis.call('DEL', KEYS[3]) end
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('HDEL', KEYS[1], ARGV[1])`

// KEYS[1], KEYS[2] as CREATE. ARGV[1]: now, ARGV[2]: claimer, ARGV[3]: claim ms, ARGV[4]: at most, ARGV[5]: the
// claims' prefix. Claims the entries due that nobody holds; answers their JSON. Every due id is looked at (those
// held by a live sender first in line must not hide the rest).
const CLAIM_DUE = `
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])) do
  if #out >= tonumber(ARGV[4]) then break end
  local json = redis.call('HGET', KEYS[1], id)
  if not json then
    redis.call('ZREM', KEYS[2], id)
  elseif redis.call('SET', ARGV[5] .. id, ARGV[2], 'NX', 'PX', ARGV[3]) then
    table.insert(out, json)
  end
end
return out`

// KEYS: claims. ARGV[1]: claimer, ARGV[2]: claim ms. Prolongs those the claimer holds; answers their indexes (1-based).
const RENEW = `
local out = {}
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    redis.call('PEXPIRE', key, ARGV[2])
    table.insert(out, i)
  end
end
return out`

/**
 * The entries of one xo outbox node in the Redis its instances share: `<prefix>outbox:<node>` (id -> JSON),
 * `<prefix>outbox-due:<node>` (when the leader looks at each entry: a retry's time, the send's time while in
 * flight, none for a dead letter), and one claim per entry being sent, `<prefix>outbox-claim:<node>:<id>`, holding
 * its claimer while it lasts. Each step checks and writes in one script, so claims and writes never interleave.
 */
export class RedisOutboxStore implements SharedOutboxStore {
  readonly #entries: string
  readonly #due: string
  readonly #claims: string

  constructor(
    private readonly link: Pick<RedisLink, 'command'>,
    prefix: string,
    nodeId: string,
    /** who claims: one instance, and one run of the node in it (a redeploy's node does not take the last one's) */
    private readonly claimer: string,
  ) {
    this.#entries = `${prefix}outbox:${nodeId}`
    this.#due = `${prefix}outbox-due:${nodeId}`
    this.#claims = `${prefix}outbox-claim:${nodeId}:`
  }

  async all(): Promise<OutboxEntry[]> {
    // HVALS: one flat list whatever the client makes of a hash's reply.
    const values = await this.link.command<string[]>('HVALS', this.#entries)
    return values.map(parse).filter((entry) => entry !== undefined)
  }

  async create(entry: OutboxEntry, dueAt: number, claimMs: number): Promise<boolean> {
    const answer = await this.#eval(CREATE, entry.id, [
      entry.id,
      JSON.stringify(entry),
      dueAt,
      this.claimer,
      Math.ceil(claimMs),
    ])
    return answer === 1
  }

  async update(entry: OutboxEntry, dueAt: number | undefined, release: boolean): Promise<boolean> {
    const answer = await this.#eval(UPDATE, entry.id, [
      entry.id,
      JSON.stringify(entry),
      dueAt ?? '',
      this.claimer,
      release ? '1' : '',
    ])
    return answer === 1
  }

  async remove(id: string, claimed: boolean): Promise<boolean> {
    return (await this.#eval(REMOVE, id, [id, claimed ? this.claimer : ''])) === 1
  }

  async claimDue(now: number, claimMs: number, max: number): Promise<OutboxEntry[]> {
    const found = await this.link.command<string[]>(
      'EVAL',
      CLAIM_DUE,
      2,
      this.#entries,
      this.#due,
      now,
      this.claimer,
      Math.ceil(claimMs),
      max,
      this.#claims,
    )
    return found.map(parse).filter((entry) => entry !== undefined)
  }

  async renew(ids: string[], claimMs: number): Promise<string[]> {
    const keys = ids.map((id) => this.#claims + id)
    const held = await this.link.command<number[]>(
      'EVAL',
      RENEW,
      keys.length,
      ...keys,
      this.claimer,
      Math.ceil(claimMs),
    )
    return held.map((index) => ids[Number(index) - 1])
  }

  async #eval(script: string, id: string, args: Array<string | number>): Promise<number> {
    return Number(await this.link.command('EVAL', script, 3, this.#entries, this.#due, this.#claims + id, ...args))
  }
}

function parse(json: string): OutboxEntry | undefined {
  try {
    const entry = JSON.parse(json) as OutboxEntry
    return entry && typeof entry.id === 'string' && typeof entry.request?.url === 'string' ? entry : undefined
  } catch {
    return undefined
  }
}
