import assert from 'node:assert/strict'
import { MemoryStateStore } from '../../../src/state/state-store'
import { ThrottledWriter } from '../../../src/state/throttled-writer'

describe('throttled writer', () => {
  it('writes the newest value at most once per interval, and flushes what is pending', async () => {
    const store = new MemoryStateStore()
    let value = 0
    const writes: number[] = []
    const original = store.write.bind(store)
    store.write = async <T>(key: string, v: T) => {
      writes.push(v as number)
      return original(key, v)
    }
    const writer = new ThrottledWriter(
      store,
      'k',
      () => value,
      60_000,
      (e) => assert.fail(e),
    )
    for (value = 1; value <= 5; value++) writer.changed()
    value = 5
    // the first change writes at once (nothing written for an interval yet)
    await new Promise((resolve) => setImmediate(resolve))
    await writer.flush()
    value = 6
    writer.changed()
    writer.changed()
    await writer.flush()
    assert.deepEqual(writes, [5, 6])
    assert.equal((await store.read('k'))!.value, 6)
  })
})
