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
})
