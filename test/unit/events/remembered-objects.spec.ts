import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { ObjectChange } from '../../../src/events/change'
import { RememberedObjects, type RememberedObjectsOptions } from '../../../src/events/remembered-objects'
import { compileSelection, type EventSelection, type XoEventsConfig } from '../../../src/events/selection'
import {
  type FoundChange,
  type ObjectsSnapshot,
  projectionFor,
  selectionDigest,
  takeSnapshot,
} from '../../../src/events/snapshot'
import { MemoryStateStore } from '../../../src/state/state-store'
import type { XoObject } from '../../../src/xo/object-store'
import { waitFor } from '../../support/node-red'
import { related, VM, vm, wrap } from '../../support/remembered-objects'

describe('objects remembered across restarts', () => {
  describe("a node's memory", () => {
    /** The object store as a node sees it: loaded or not, the types it keeps. */
    class FakeObjects extends EventEmitter {
      loaded = false
      map = new Map<string, XoObject>()
      kept = new Set(['VM', 'host', 'pool'])
      keeps = (type: string) => this.kept.has(type)
      get = (id: string) => this.map.get(id)
      values = () => this.map.values()
      load(...list: XoObject[]) {
        this.map = new Map([...related, ...list.map((o) => [o.id, o] as const)])
        this.loaded = true
        this.emit('loaded')
      }
      /** an object changes, as the change feed says it */
      set(object: XoObject): ObjectChange {
        const previous = this.map.get(object.id)
        this.map.set(object.id, object)
        return new ObjectChange('enter', object, previous, this.get)
      }
      stop() {
        this.map.clear()
        this.loaded = false
      }
    }

    const config: XoEventsConfig = { types: ['VM'], events: ['created', 'removed', 'started', 'stopped'] }
    const selection = compileSelection(config) as EventSelection
    let state: MemoryStateStore
    let objects: FakeObjects
    let found: FoundChange[][]
    let fresh: ObjectChange[][]
    let logs: string[]
    let warnings: string[]
    const memory = (overrides: Partial<RememberedObjectsOptions> = {}) =>
      new RememberedObjects({
        state,
        key: 'xo-events/n1',
        objects,
        needs: ['VM', 'host', 'pool'],
        selection,
        config,
        server: () => 'ws://xo/api/',
        found: (changes) => found.push(changes),
        fresh: (held) => fresh.push(held),
        log: (m) => logs.push(m),
        warn: (m) => warnings.push(m),
        writeIntervalMs: 60_000,
        ...overrides,
      })
    const stored = async () => (await state.read<ObjectsSnapshot>('xo-events/n1'))?.value
    const ids = (snapshot: ObjectsSnapshot | undefined) => snapshot?.objects.map((o) => o.id).sort()
    const web = vm({ id: 'web', power_state: 'Halted', $container: 'p1' })
    const db = vm({ id: 'db', power_state: 'Halted', $container: 'p1' })

    beforeEach(() => {
      state = new MemoryStateStore()
      objects = new FakeObjects()
      found = []
      fresh = []
      logs = []
      warnings = []
    })

    it('on a first start, hands back the live changes held while reading, then saves what XO has', async () => {
      objects.load(web)
      const m = memory()
      const started = m.start()
      const change = objects.set({ ...web, power_state: 'Running' })
      assert.equal(m.accept(change), false, 'held while reading')
      await started
      assert.deepEqual(fresh, [[change]])
      assert.deepEqual(found, [])
      assert.deepEqual(ids(await waitFor(stored, { what: 'the first snapshot' })), ['web'])
      assert.equal(m.accept(objects.set({ ...web, power_state: 'Halted' })), true, 'live afterwards')
      await m.close(false)
    })

    it('after a restart, compares once the store is loaded and drops the live changes the comparison covers', async () => {
      await state.write(
        'xo-events/n1',
        takeSnapshot([web, db], () => true, projectionFor(config), {
          server: 'ws://xo/api/',
          selection: selectionDigest(config),
        }),
      )
      const m = memory()
      await m.start()
      assert.equal(found.length, 0, 'waits for XO')
      objects.load({ ...web, power_state: 'Running', $container: 'h1' }, db)
      assert.equal(found.length, 1)
      assert.deepEqual(
        found[0].map((f) => f.change.object.id),
        ['web'],
      )
      assert.equal(found[0][0].object.uuid, VM.uuid, 'the message shows the full object')
      assert.deepEqual(fresh, [])
      assert.match(logs.join('\n'), /compared 2 objects remembered at .* with XO: 1 changed meanwhile/)
      assert.equal(m.accept(objects.set({ ...db, power_state: 'Running' })), true)
      await m.close(false)
      assert.deepEqual(found.length, 1, 'once')
    })

    it('holds a live change that arrives before the snapshot is read, and drops it once compared', async () => {
      await state.write(
        'xo-events/n1',
        takeSnapshot([web], () => true, projectionFor(config), {
          server: 'ws://xo/api/',
          selection: selectionDigest(config),
        }),
      )
      objects.load(web)
      const m = memory()
      const started = m.start()
      assert.equal(m.accept(objects.set({ ...web, power_state: 'Running', $container: 'h1' })), false)
      await started
      assert.deepEqual(
        found.map((list) => list.map((f) => selection.select(f.change, objects.get).map((e) => e.event))),
        [[['started']]],
      )
      assert.deepEqual(fresh, [])
      await m.close(false)
    })

    it('discards a snapshot of another XO or selection with one log line, and starts afresh', async () => {
      const about = { server: 'ws://elsewhere/api/', selection: selectionDigest(config) }
      await state.write(
        'xo-events/n1',
        takeSnapshot([web], () => true, projectionFor(config), about),
      )
      objects.load(db)
      await memory().start()
      assert.deepEqual([found, fresh], [[], [[]]])
      assert.deepEqual(logs, [
        'the remembered objects were taken for another XO (ws://elsewhere/api/): starting afresh',
      ])
      await state.write(
        'xo-events/n1',
        takeSnapshot([web], () => true, projectionFor(config), { ...about, selection: 'other' }),
      )
      logs = []
      await memory().start()
      assert.match(logs.join(), /another selection/)
      await state.write('xo-events/n1', { not: 'a snapshot' })
      await memory().start()
      assert.deepEqual(warnings, [
        'the remembered objects are not a snapshot of this node (ignored; the next save replaces them)',
      ])
      assert.equal(found.length, 0)
    })

    it("waits until the store keeps the node's types before comparing", async () => {
      await state.write(
        'xo-events/n1',
        takeSnapshot([web], () => true, projectionFor(config), {
          server: 'ws://xo/api/',
          selection: selectionDigest(config),
        }),
      )
      objects.kept.delete('VM')
      objects.load()
      const m = memory()
      await m.start()
      assert.deepEqual(found, [], 'a store loaded for other nodes only would make every VM look removed')
      objects.kept.add('VM')
      objects.load(web)
      assert.deepEqual(found, [[]])
      await m.close(false)
    })

    it('on close, takes the snapshot at once, before the config node clears the store', async () => {
      objects.load(web)
      const m = memory()
      await m.start()
      await waitFor(stored, { what: 'the first snapshot' })
      m.accept(objects.set(db))
      const closed = m.close(false)
      objects.stop() // the xo-server node closes right after, in the same tick
      await closed
      assert.deepEqual(ids(await stored()), ['db', 'web'])
    })

    it('leaves out of its snapshots a VM whose creation is not sent yet: a restart then finds it created', async () => {
      objects.load(web)
      const held = new Set(['db'])
      const m = memory({ unsent: (id) => held.has(id) })
      await m.start()
      await waitFor(stored, { what: 'the first snapshot' })
      m.accept(objects.set(db))
      await m.close(false)
      assert.deepEqual(ids(await stored()), ['web'])
    })

    it('on close after the store was cleared, writes nothing (never a snapshot of an empty store)', async () => {
      objects.load(web)
      const m = memory()
      await m.start()
      await waitFor(stored, { what: 'the first snapshot' })
      m.accept(objects.set(db))
      objects.stop()
      await m.close(false)
      assert.deepEqual(ids(await stored()), ['web'])
    })

    it('never writes before comparing: what is stored stays to be compared next time', async () => {
      const snapshot = takeSnapshot([web], () => true, projectionFor(config), {
        server: 'ws://xo/api/',
        selection: selectionDigest(config),
      })
      await state.write('xo-events/n1', snapshot)
      const m = memory()
      await m.start()
      await m.close(false) // XO never answered
      assert.deepEqual(await stored(), snapshot)
    })

    it('deletes its snapshot when the node is removed', async () => {
      objects.load(web)
      const m = memory()
      await m.start()
      await waitFor(stored, { what: 'the first snapshot' })
      m.accept(objects.set(db))
      await m.close(true)
      assert.equal(await stored(), undefined)
    })

    it('saves at most once per interval, only for changes of selected objects', async () => {
      let writes = 0
      const counting = wrap(state, (key, value) => {
        writes++
        return state.write(key, value)
      })
      objects.load(web, { id: 'n1', type: 'network', name_label: 'net' })
      const m = memory({ state: counting })
      await m.start()
      await waitFor(() => writes === 1, { what: 'the first write' })
      for (let i = 0; i < 100; i++) m.accept(objects.set({ ...web, power_state: i % 2 ? 'Halted' : 'Running' }))
      assert.equal(writes, 1, 'the next write waits for the interval')
      await m.close(false)
      assert.equal(writes, 2, 'a last write on close')

      const other = memory({ state: counting })
      await other.start()
      await waitFor(() => writes === 3, { what: 'the write after comparing' })
      other.accept(objects.set({ id: 'n1', type: 'network', name_label: 'renamed' }))
      await other.close(false)
      assert.equal(writes, 3, 'a change of an object the node does not select changes nothing')
    })

    it('says when it cannot save, once, in its problem, until a save works', async () => {
      let failing = true
      let problems = 0
      const flaky = wrap(state, (key, value) =>
        failing ? Promise.reject(new Error('EACCES: permission denied')) : state.write(key, value),
      )
      objects.load(web)
      const m = memory({ state: flaky, writeIntervalMs: 1, onProblem: () => problems++ })
      await m.start()
      await waitFor(() => m.problem, { what: 'the problem' })
      assert.equal(m.problem, 'EACCES: permission denied')
      m.accept(objects.set({ ...web, power_state: 'Running' }))
      await waitFor(() => warnings.length >= 1 && problems === 1)
      failing = false
      m.accept(objects.set({ ...web, power_state: 'Halted' }))
      await waitFor(() => m.problem === undefined, { what: 'the problem cleared' })
      assert.deepEqual(warnings, ['cannot save the remembered objects: EACCES: permission denied'])
      assert.equal(problems, 2)
      await m.close(false)
    })
  })
})
