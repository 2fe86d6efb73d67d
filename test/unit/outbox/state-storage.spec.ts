import assert from 'node:assert/strict'
import type { OutboxEntry } from '../../../src/outbox/outbox'
import { StateOutboxStorage } from '../../../src/outbox/state-storage'
import { MemoryStateStore } from '../../../src/state/state-store'

const entry = (id: string): OutboxEntry => ({
  id,
  node: 'n',
  request: { url: 'http://127.0.0.1/hook', method: 'POST' },
  createdAt: 0,
  attempts: 1,
  nextAt: 300_000,
  inFlight: true,
})

describe('StateOutboxStorage', () => {
  const kept = async (store: MemoryStateStore) =>
    ((await store.read<OutboxEntry[]>('outbox'))?.value ?? []).map((e) => [e.id, e.inFlight === true])

  it('writes each entry as it was saved, not as the outbox changed it since', async () => {
    const store = new MemoryStateStore()
    const storage = new StateOutboxStorage(store, 'outbox')
    const answered = entry('answered')
    await storage.save(answered)
    // An answer came: the outbox clears inFlight at once, and records the delivery (a removal) only after the
    // writes before it; another entry's write meanwhile must keep the answered one in flight, as last saved.
    delete answered.inFlight
    await storage.save(entry('other'))
    assert.deepEqual(await kept(store), [
      ['answered', true],
      ['other', true],
    ])
  })

  it('hands out copies of what it loads', async () => {
    const store = new MemoryStateStore()
    await new StateOutboxStorage(store, 'outbox').save(entry('loaded'))
    const storage = new StateOutboxStorage(store, 'outbox')
    const [loaded] = await storage.load()
    delete loaded.inFlight
    await storage.save(entry('other'))
    assert.deepEqual(await kept(store), [
      ['loaded', true],
      ['other', true],
    ])
  })

  it('writes the changes made during a write together in the next one, each resolved once written', async () => {
    // A slow disk: each write waits for the test to let it through.
    const store = new MemoryStateStore()
    const writes: Array<{ ids: string[]; done: () => void }> = []
    const write = store.write.bind(store)
    store.write = <T>(key: string, value: T) =>
      new Promise<void>((done) => writes.push({ ids: (value as OutboxEntry[]).map((e) => e.id), done })).then(() =>
        write(key, value),
      )
    const storage = new StateOutboxStorage(store, 'outbox')
    const resolved: string[] = []
    const change = (id: string, promise: Promise<void>) => promise.then(() => void resolved.push(id))
    const first = change('a', storage.save(entry('a')))
    while (writes.length < 1) await new Promise(setImmediate)
    const burst = ['b', 'c', 'd'].map((id) => change(id, storage.save(entry(id))))
    const gone = change('-a', storage.remove('a'))
    await new Promise(setImmediate)
    assert.equal(writes.length, 1, 'one write at a time')
    assert.deepEqual(resolved, [])
    writes[0].done()
    await first
    assert.deepEqual(resolved, ['a'], 'the burst waits for the write that holds it')
    while (writes.length < 2) await new Promise(setImmediate)
    assert.deepEqual(writes[1].ids, ['b', 'c', 'd'], 'the whole burst in one write, the removal too')
    writes[1].done()
    for (let i = 0; i < 100 && resolved.length < 5 && (writes.length as number) === 2; i++)
      await new Promise(setImmediate)
    assert.equal(writes.length, 2, 'no write left for the burst')
    await Promise.all([...burst, gone])
    assert.deepEqual(
      (await kept(store)).map(([id]) => id),
      ['b', 'c', 'd'],
    )
  })
})
