/** What every StateStore does, as mocha tests to run inside a describe of each implementation. */
import assert from 'node:assert/strict'
import type { StateStore } from '../../src/state/state-store'

export function behavesAsAStateStore(make: () => { store: StateStore; dispose?: () => void }) {
  let store: StateStore
  let dispose: (() => void) | undefined
  beforeEach(() => ({ store, dispose } = make()))
  afterEach(() => dispose?.())

  it('reads what was written, with a version that grows by one', async () => {
    assert.equal(await store.read('xo-hook/a'), undefined)
    assert.equal(await store.write('xo-hook/a', { cursor: 'r1' }), 1)
    assert.equal(await store.write('xo-hook/a', { cursor: 'r2' }), 2)
    assert.deepEqual(await store.read('xo-hook/a'), { value: { cursor: 'r2' }, version: 2 })
    assert.equal(await store.read('xo-hook/b'), undefined)
  })

  it('compare-and-set writes only over the version expected, absent included', async () => {
    assert.equal(await store.compareAndSet('k', undefined, 1), 1)
    assert.equal(await store.compareAndSet('k', undefined, 2), undefined, 'no longer absent')
    assert.equal(await store.compareAndSet('k', 1, 3), 2)
    assert.equal(await store.compareAndSet('k', 1, 4), undefined, 'another writer came first')
    assert.deepEqual(await store.read('k'), { value: 3, version: 2 })
  })

  it('lets one of many concurrent compare-and-sets win', async () => {
    await store.write('k', 0)
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.compareAndSet('k', 1, i + 1)))
    assert.equal(results.filter((r) => r === 2).length, 1)
    assert.equal(results.filter((r) => r === undefined).length, 9)
  })

  it('gives a copy: changing what was read changes nothing stored', async () => {
    await store.write('k', { list: [1] })
    const read = await store.read<{ list: number[] }>('k')
    read!.value.list.push(2)
    assert.deepEqual((await store.read('k'))!.value, { list: [1] })
  })

  it('deletes', async () => {
    await store.write('k', 1)
    await store.delete('k')
    assert.equal(await store.read('k'), undefined)
    assert.equal(await store.compareAndSet('k', undefined, 5), 1)
  })
}
