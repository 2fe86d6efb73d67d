import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { FileStateStore } from '../../src/state/file-state-store'
import { MemoryStateStore, StateStore } from '../../src/state/state-store'
import { ThrottledWriter } from '../../src/state/throttled-writer'

function behavesAsAStateStore(make: () => { store: StateStore; dispose?: () => void }) {
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

describe('state store', () => {
  describe('in memory', () => behavesAsAStateStore(() => ({ store: new MemoryStateStore() })))

  describe('in files', () => {
    behavesAsAStateStore(() => {
      const dir = mkdtempSync(path.join(tmpdir(), 'xo-state-'))
      return { store: new FileStateStore(path.join(dir, 'xo-state')), dispose: () => rmSync(dir, { recursive: true, force: true }) }
    })

    let dir: string
    let warnings: string[]
    let store: FileStateStore
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'xo-state-'))
      warnings = []
      store = new FileStateStore(path.join(dir, 'xo-state'), (w) => warnings.push(w))
    })
    afterEach(() => rmSync(dir, { recursive: true, force: true }))

    it('survives a new store on the same folder (a restart), owner-only, no temporary file left', async () => {
      await store.write('xo-hook/n1', { cursor: 'abc' })
      const again = new FileStateStore(store.dir)
      assert.deepEqual(await again.read('xo-hook/n1'), { value: { cursor: 'abc' }, version: 1 })
      assert.deepEqual(readdirSync(store.dir).filter((f) => f.endsWith('.tmp')), [])
      assert.equal(statSync(store.fileOf('xo-hook/n1')).mode & 0o777, 0o600)
      assert.equal(statSync(store.dir).mode & 0o777, 0o700)
    })

    it('keeps keys apart that read the same in a file name', async () => {
      await store.write('a/b', 1)
      await store.write('a_b', 2)
      assert.notEqual(store.fileOf('a/b'), store.fileOf('a_b'))
      assert.equal((await store.read('a/b'))!.value, 1)
    })

    it('ignores a corrupt or foreign file with one warning, and replaces it at the next write', async () => {
      await store.write('k', 1)
      const file = store.fileOf('k')
      writeFileSync(file, '{"format": "node-red-xen-orchestra/state@1", "key": "k", "vers')
      assert.equal(await store.read('k'), undefined)
      assert.equal(await store.read('k'), undefined)
      assert.equal(warnings.length, 1)
      assert.match(warnings[0], /not valid JSON/)
      writeFileSync(file, JSON.stringify({ some: 'other tool' }))
      assert.equal(await store.read('k'), undefined)
      assert.match(warnings.at(-1)!, /not this package's state/)
      writeFileSync(file, JSON.stringify({ format: 'node-red-xen-orchestra/state@1', key: 'another key', version: 3, value: 1 }))
      assert.equal(await store.read('k'), undefined, 'a file copied from another key')
      assert.equal(await store.write('k', 'fresh'), 1)
      assert.equal(JSON.parse(readFileSync(file, 'utf8')).value, 'fresh')
    })
  })

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
      const writer = new ThrottledWriter(store, 'k', () => value, 60_000, (e) => assert.fail(e))
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
})
