import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { FileStateStore } from '../../../src/state/file-state-store'
import { behavesAsAStateStore } from '../../support/state-store-behaviour'

describe('state store', () => {
  describe('in files', () => {
    behavesAsAStateStore(() => {
      const dir = mkdtempSync(path.join(tmpdir(), 'xo-state-'))
      return {
        store: new FileStateStore(path.join(dir, 'xo-state')),
        dispose: () => rmSync(dir, { recursive: true, force: true }),
      }
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
      assert.deepEqual(
        readdirSync(store.dir).filter((f) => f.endsWith('.tmp')),
        [],
      )
      assert.equal(statSync(store.fileOf('xo-hook/n1')).mode & 0o777, 0o600)
      assert.equal(statSync(store.dir).mode & 0o777, 0o700)
    })

    it('writes again after its folder was removed, and goes on from the version it wrote last', async () => {
      assert.equal(await store.write('k', 1), 1)
      rmSync(store.dir, { recursive: true, force: true })
      assert.equal(await store.write('k', 2), 2)
      assert.deepEqual(await new FileStateStore(store.dir).read('k'), { value: 2, version: 2 })
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
      writeFileSync(
        file,
        JSON.stringify({ format: 'node-red-xen-orchestra/state@1', key: 'another key', version: 3, value: 1 }),
      )
      assert.equal(await store.read('k'), undefined, 'a file copied from another key')
      assert.equal(await store.write('k', 'fresh'), 1)
      assert.equal(JSON.parse(readFileSync(file, 'utf8')).value, 'fresh')
    })
  })
})
