import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  deadBeyondLimits,
  Outbox,
  type OutboxEntry,
  type OutboxLimits,
  type OutboxStorage,
} from '../../../src/outbox/outbox'
import { StateOutboxStorage } from '../../../src/outbox/state-storage'
import { FileStateStore } from '../../../src/state/file-state-store'
import { FakeClock } from '../../support/fake-clock'

/** Storage in memory that says what it held when each request went out. */
class MemoryStorage implements OutboxStorage {
  entries = new Map<string, string>()
  async load(): Promise<OutboxEntry[]> {
    return [...this.entries.values()].map((json) => JSON.parse(json) as OutboxEntry)
  }
  async save(entry: OutboxEntry): Promise<void> {
    this.entries.set(entry.id, JSON.stringify(entry))
  }
  async remove(id: string): Promise<void> {
    this.entries.delete(id)
  }
  get(id: string): OutboxEntry | undefined {
    const json = this.entries.get(id)
    return json === undefined ? undefined : (JSON.parse(json) as OutboxEntry)
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve))
const REQUEST = { url: 'https://hooks.example/x', method: 'POST', payload: { text: 'VM web-01 created' } }
const LIMITS: Partial<OutboxLimits> = { maxAttempts: 3, baseMs: 1000, maxMs: 60_000, answerTimeoutMs: 30_000 }

function outbox(storage: OutboxStorage, clock: FakeClock, limits: Partial<OutboxLimits> = LIMITS) {
  const sent: Array<{ id: string; attempts: number; stored: boolean }> = []
  const warnings: string[] = []
  const box = new Outbox({
    storage,
    clock,
    limits,
    random: () => 1,
    warn: (m) => warnings.push(m),
    send: (entry) =>
      sent.push({
        id: entry.id,
        attempts: entry.attempts,
        stored: storage instanceof MemoryStorage ? storage.entries.has(entry.id) : true,
      }),
  })
  return { box, sent, warnings }
}

describe('Outbox: a request is kept until it is delivered, across restarts', () => {
  it('records a request before sending it, and forgets it once delivered', async () => {
    const storage = new MemoryStorage()
    const clock = new FakeClock(1_000_000)
    const { box, sent } = outbox(storage, clock)
    await box.start()
    assert.equal(await box.add('slack', 'evt-1', REQUEST), true)
    assert.deepEqual(sent, [{ id: 'evt-1', attempts: 1, stored: true }])
    assert.equal(await box.add('slack', 'evt-1', REQUEST), false, 'the same event handed over again is not kept twice')
    await box.answered('evt-1', { outcome: 'ok', statusCode: 200 })
    assert.equal(storage.entries.size, 0)
    assert.deepEqual(box.list(), { pending: [], dead: [] })
    box.stop()
  })

  it("retries after the destination's Retry-After, or an exponential backoff, with the same id", async () => {
    const storage = new MemoryStorage()
    const clock = new FakeClock(1_000_000)
    const { box, sent } = outbox(storage, clock, { ...LIMITS, maxAttempts: 5 })
    await box.start()
    await box.add('slack', 'evt-1', REQUEST)
    await box.answered('evt-1', { outcome: 'retry', reason: 'HTTP 429', statusCode: 429, afterMs: 7000 })
    await clock.advanceSettling(6999)
    assert.equal(sent.length, 1, 'sent again before Retry-After')
    await clock.advanceSettling(1)
    assert.deepEqual(
      sent.map((s) => `${s.id}#${s.attempts}`),
      ['evt-1#1', 'evt-1#2'],
    )
    // Backoff (full jitter at its top here): 1 s after the first retry, 2 s after the second.
    await box.answered('evt-1', { outcome: 'retry', reason: 'HTTP 503', statusCode: 503 })
    await clock.advanceSettling(1999)
    assert.equal(sent.length, 2)
    await clock.advanceSettling(1)
    assert.equal(sent.length, 3)
    assert.equal(storage.get('evt-1')?.lastAnswer?.reason, 'HTTP 503')
    box.stop()
  })

  it('keeps a dead letter with the last answer when the destination refuses for good or attempts run out', async () => {
    const storage = new MemoryStorage()
    const clock = new FakeClock(1_000_000)
    const { box, sent } = outbox(storage, clock)
    await box.start()
    await box.add('pagerduty', 'bad', REQUEST)
    await box.answered('bad', { outcome: 'failed', reason: 'HTTP 400: invalid routing key', statusCode: 400 })
    await box.add('kea', 'flaky', REQUEST)
    for (let i = 0; i < 3; i++) {
      await box.answered('flaky', { outcome: 'retry', reason: 'HTTP 503', statusCode: 503, afterMs: 10 })
      await clock.advanceSettling(60_000)
    }
    assert.equal(sent.filter((s) => s.id === 'flaky').length, 3, 'sent no more than its attempts')
    const dead = box.list().dead
    assert.deepEqual(dead.map((e) => [e.id, e.dead?.reason, e.lastAnswer?.statusCode]).sort(), [
      ['bad', 'HTTP 400: invalid routing key', 400],
      ['flaky', 'out of attempts: HTTP 503', 503],
    ])
    assert.ok(storage.get('flaky')?.dead, 'the dead letter is kept in the storage')
    await clock.advanceSettling(3_600_000)
    assert.equal(sent.length, 4, 'a dead letter is never sent on its own')
    box.stop()
  })

  it('sends again a request whose answer never came, with the same id', async () => {
    const storage = new MemoryStorage()
    const clock = new FakeClock(1_000_000)
    const { box, sent } = outbox(storage, clock)
    await box.start()
    await box.add('slack', 'lost', REQUEST)
    await clock.advanceSettling(29_999)
    assert.equal(sent.length, 1)
    await clock.advanceSettling(1)
    assert.deepEqual(
      sent.map((s) => `${s.id}#${s.attempts}`),
      ['lost#1', 'lost#2'],
    )
    box.stop()
  })

  it('after a restart, sends what is due at once and the rest when it is due; dead letters wait', async () => {
    const storage = new MemoryStorage()
    const clock = new FakeClock(1_000_000)
    const first = outbox(storage, clock)
    await first.box.start()
    await first.box.add('slack', 'due-later', REQUEST)
    await first.box.answered('due-later', { outcome: 'retry', reason: 'HTTP 429', afterMs: 60_000 })
    await first.box.add('slack', 'in-flight', REQUEST)
    await first.box.add('slack', 'dead', REQUEST)
    await first.box.answered('dead', { outcome: 'failed', reason: 'HTTP 404' })
    first.box.stop()
    // Node-RED killed; started again 10 s later: the request in flight will never get its answer.
    await clock.advanceSettling(10_000)
    const second = outbox(storage, clock)
    await second.box.start()
    assert.deepEqual(
      second.sent.map((s) => s.id),
      ['in-flight'],
    )
    await second.box.answered('in-flight', { outcome: 'ok', statusCode: 200 })
    await clock.advanceSettling(49_999)
    assert.equal(second.sent.length, 1)
    await clock.advanceSettling(1)
    assert.deepEqual(
      second.sent.map((s) => s.id),
      ['in-flight', 'due-later'],
    )
    assert.deepEqual(
      second.box.list().dead.map((e) => e.id),
      ['dead'],
    )
    second.box.stop()
  })

  it('an operator retries a dead letter (its attempts given back) or drops it', async () => {
    const storage = new MemoryStorage()
    const clock = new FakeClock(1_000_000)
    const { box, sent } = outbox(storage, clock)
    await box.start()
    await box.add('kea', 'a', REQUEST)
    await box.answered('a', { outcome: 'failed', reason: 'HTTP 500' })
    await box.add('kea', 'b', REQUEST)
    await box.answered('b', { outcome: 'failed', reason: 'HTTP 500' })
    assert.equal(await box.retryNow('a'), 1)
    assert.deepEqual(
      sent.map((s) => `${s.id}#${s.attempts}`),
      ['a#1', 'b#1', 'a#1'],
    )
    assert.equal(box.list().dead.length, 1)
    assert.equal(await box.drop(undefined, { deadOnly: true }), 1)
    assert.equal(storage.entries.has('b'), false)
    assert.deepEqual(
      box.list().pending.map((e) => e.id),
      ['a'],
    )
    box.stop()
  })

  it('keeps a bounded number of dead letters, dropping the oldest and saying so', async () => {
    const storage = new MemoryStorage()
    const clock = new FakeClock(1_000_000)
    const { box, warnings } = outbox(storage, clock, { ...LIMITS, maxDead: 2 })
    await box.start()
    for (const id of ['1', '2', '3']) {
      await box.add('slack', id, REQUEST)
      await clock.advanceSettling(10)
      await box.answered(id, { outcome: 'failed', reason: 'HTTP 410' })
    }
    assert.deepEqual(
      box.list().dead.map((e) => e.id),
      ['3', '2'],
    )
    assert.equal(storage.entries.has('1'), false)
    assert.deepEqual(warnings, ['1 oldest dead letters dropped (more than 2 kept)'])
    box.stop()
  })

  it('stops once every change is written, so that the node taking over reads what it last knew', async () => {
    // A slow disk: each write waits for the test to let it through.
    const storage = new MemoryStorage()
    const gates: Array<() => void> = []
    const save = storage.save.bind(storage)
    storage.save = (entry) => new Promise<void>((resolve) => gates.push(resolve)).then(() => save(entry))
    const { box } = outbox(storage, new FakeClock(1_000_000))
    await box.start()
    const added = box.add('slack', 'a', REQUEST)
    while (!gates.length) await settle()
    let stopped = false
    const stopping = box.stop().then(() => (stopped = true))
    while (!stopped) {
      await settle()
      gates.shift()?.()
    }
    assert.equal(storage.get('a')?.id, 'a', 'written before the stop resolved')
    await stopping
    for (const open of gates.splice(0)) open()
    await added
  })

  it('says what each answer made of its request; nothing for one settled already', async () => {
    const { box } = outbox(new MemoryStorage(), new FakeClock(1_000_000))
    await box.start()
    for (const id of ['a', 'b', 'c']) await box.add('slack', id, REQUEST)
    assert.equal(await box.answered('a', { outcome: 'ok', statusCode: 200 }), 'delivered')
    assert.equal(await box.answered('a', { outcome: 'ok', statusCode: 200 }), undefined, 'answered twice')
    assert.equal(await box.answered('b', { outcome: 'retry', reason: 'HTTP 503' }), 'retry')
    assert.equal(await box.answered('c', { outcome: 'failed', reason: 'HTTP 404' }), 'dead')
    assert.equal(await box.answered('c', { outcome: 'ok' }), undefined, 'a dead letter stays one')
    await box.stop()
  })

  it('keeps the dead letters within their bytes too: a big one pushes the oldest out', () => {
    const letter = (id: string, size: number): OutboxEntry => ({
      id,
      node: 'n',
      request: { url: 'https://x', method: 'POST', payload: 'x'.repeat(size) },
      createdAt: 0,
      attempts: 1,
      nextAt: 0,
      dead: { reason: 'HTTP 410', at: 0 },
    })
    const newestFirst = [letter('c', 100), letter('b', 5000), letter('a', 100)]
    const bytes = (entries: OutboxEntry[]) => entries.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)), 0)
    const within = (maxDeadBytes: number) => deadBeyondLimits(newestFirst, { maxDead: 10, maxDeadBytes })
    assert.deepEqual(within(bytes(newestFirst)), { drop: [] })
    const over = within(bytes(newestFirst) - 1)
    assert.deepEqual(
      over.drop.map((e) => e.id),
      ['a'],
    )
    assert.equal(over.warning, `1 oldest dead letters dropped (over ${bytes(newestFirst) - 1} bytes)`)
    assert.deepEqual(
      within(bytes(newestFirst.slice(0, 2)) - 1).drop.map((e) => e.id),
      ['b', 'a'],
    )
    assert.deepEqual(
      deadBeyondLimits(newestFirst, { maxDead: 1, maxDeadBytes: 1e9 }).drop.map((e) => e.id),
      ['b', 'a'],
    )
  })

  it("keeps its entries in the package's state store, read back by the next start", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'xo-outbox-'))
    try {
      const clock = new FakeClock(1_000_000)
      const store = new FileStateStore(dir)
      const first = outbox(new StateOutboxStorage(store, 'outbox/slack'), clock)
      await first.box.start()
      await first.box.add('slack', 'kept', REQUEST)
      await first.box.answered('kept', { outcome: 'retry', reason: 'HTTP 503', afterMs: 5000 })
      first.box.stop()
      const second = outbox(new StateOutboxStorage(new FileStateStore(dir), 'outbox/slack'), clock)
      await second.box.start()
      assert.deepEqual(
        second.box.list().pending.map((e) => [e.id, e.attempts, e.lastAnswer?.reason]),
        [['kept', 1, 'HTTP 503']],
      )
      await clock.advanceSettling(5000)
      assert.deepEqual(
        second.sent.map((s) => `${s.id}#${s.attempts}`),
        ['kept#2'],
      )
      second.box.stop()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('takes requests that come while it still loads what was kept, and loses neither', async () => {
    const storage = new MemoryStorage()
    const clock = new FakeClock(1_000_000)
    await storage.save({
      id: 'kept',
      node: 'n',
      request: REQUEST,
      createdAt: 0,
      attempts: 1,
      nextAt: clock.at + 60_000,
    })
    let loaded: () => void = () => {}
    const slow = Object.assign(Object.create(storage) as MemoryStorage, {
      load: () => new Promise<OutboxEntry[]>((resolve) => (loaded = () => resolve(storage.load()))),
    })
    const { box, sent } = outbox(slow, clock)
    const starting = box.start()
    const adding = Promise.all(['a', 'b'].map((id) => box.add('slack', id, REQUEST)))
    await settle()
    assert.deepEqual(sent, [], 'sent before what was kept is loaded')
    loaded()
    await Promise.all([starting, adding])
    assert.deepEqual([...storage.entries.keys()].sort(), ['a', 'b', 'kept'])
    assert.deepEqual(
      box
        .list()
        .pending.map((e) => e.id)
        .sort(),
      ['a', 'b', 'kept'],
    )
    box.stop()
  })

  it('never sends a new request before it is recorded, even when a retry falls due meanwhile', async () => {
    const storage = new MemoryStorage()
    const clock = new FakeClock(1_000_000)
    let recorded: () => void = () => {}
    const slow = Object.assign(Object.create(storage) as MemoryStorage, {
      save: (entry: OutboxEntry) =>
        entry.id === 'new' && !storage.entries.has('new')
          ? new Promise<void>((resolve) => (recorded = () => resolve(storage.save(entry))))
          : storage.save(entry),
    })
    const { box, sent } = outbox(slow, clock)
    await box.start()
    await box.add('slack', 'old', REQUEST)
    await box.answered('old', { outcome: 'retry', reason: 'HTTP 503', afterMs: 1000 })
    const adding = box.add('slack', 'new', REQUEST)
    await settle()
    // The retry's timer runs the schedule while the new request is still being written.
    await clock.advanceSettling(1000)
    assert.deepEqual(
      sent.map((s) => s.id),
      ['old', 'old'],
      'the new request went out before it was recorded',
    )
    recorded()
    await adding
    assert.deepEqual(
      sent.map((s) => `${s.id}:${s.stored}`),
      ['old:true', 'old:true', 'new:true'],
    )
    box.stop()
  })
})
