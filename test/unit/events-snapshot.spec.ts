import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { ObjectChange } from '../../src/events/change'
import { deriveEvents, EVENT_NAMES } from '../../src/events/derive'
import { diffFields } from '../../src/events/diff'
import { compileObjectFilter } from '../../src/events/filter'
import { RememberedObjects, RememberedObjectsOptions } from '../../src/events/remembered-objects'
import { compileSelection, DEFAULT_IGNORE, EventSelection, XoEventsConfig } from '../../src/events/selection'
import {
  changesSince, FoundChange, isSnapshot, KEPT_FIELDS, mismatch, ObjectsSnapshot, projectionFor, selectionDigest, takeSnapshot,
} from '../../src/events/snapshot'
import { MemoryStateStore, StateStore } from '../../src/state/state-store'
import type { XoObject } from '../../src/xo/object-store'
import { capture } from '../support/captures'
import { waitFor } from '../support/node-red'

// Full objects as a real xo-server sends them, with every field XO has.
const captured = Object.values(capture<{ response: { result: Record<string, XoObject> } }>('xo.getAllObjects.fake-xapi.json').response.result)
// (XO adds memory.usage once a VM has run: the capture's VM has not.)
const capturedVm = captured.find((o) => o.type === 'VM')!
const VM: XoObject = { ...capturedVm, memory: { ...(capturedVm.memory as object), usage: 536870912 } }
const HOST = captured.find((o) => o.type === 'host')!
const h1: XoObject = { ...HOST, id: 'h1', name_label: 'host one' }
const h2: XoObject = { ...HOST, id: 'h2', name_label: 'host two' }
const pool: XoObject = { id: 'p1', type: 'pool', name_label: 'prod pool' }
const related = new Map([h1, h2, pool].map((o) => [o.id, o]))
const lookup = (id: string) => related.get(id)
const vm = (patch: Record<string, unknown>): XoObject => ({ ...VM, id: 'vm1', $pool: 'p1', ...patch }) as XoObject
const host = (patch: Record<string, unknown>): XoObject => ({ ...HOST, id: 'h1', $pool: 'p1', ...patch }) as XoObject

/** For every event derive can name: a version before (none: created) and after, from full objects. */
const CASES: Array<{ event: string; before?: XoObject; after: XoObject }> = [
  { event: 'started', before: vm({ power_state: 'Halted', $container: 'p1' }), after: vm({ power_state: 'Running', $container: 'h1' }) },
  { event: 'stopped', before: vm({ power_state: 'Running', $container: 'h1' }), after: vm({ power_state: 'Halted', $container: 'p1' }) },
  { event: 'suspended', before: vm({ power_state: 'Running' }), after: vm({ power_state: 'Suspended' }) },
  { event: 'paused', before: vm({ power_state: 'Running' }), after: vm({ power_state: 'Paused' }) },
  { event: 'resumed', before: vm({ power_state: 'Suspended' }), after: vm({ power_state: 'Running' }) },
  { event: 'migrated', before: vm({ power_state: 'Running', $container: 'h1' }), after: vm({ power_state: 'Running', $container: 'h2', startTime: 99 }) },
  { event: 'down', before: host({ power_state: 'Running' }), after: host({ power_state: 'Halted' }) },
  { event: 'up', before: host({ power_state: 'Halted' }), after: host({ power_state: 'Running' }) },
  { event: 'disabled', before: host({ enabled: true }), after: host({ enabled: false }) },
  { event: 'enabled', before: host({ enabled: false }), after: host({ enabled: true }) },
  { event: 'tagged', before: vm({ tags: ['a'] }), after: vm({ tags: ['a', 'b'] }) },
  { event: 'untagged', before: vm({ tags: ['a', 'b'] }), after: vm({ tags: ['a'] }) },
  { event: 'alarm', after: { id: 'm1', type: 'message', name: 'ALARM', body: 'value: 0.95', $object: 'h1', time: 1 } },
]

/** A state store whose writes go through `write`. */
function wrap(state: StateStore, write: (key: string, value: unknown) => Promise<number>): StateStore {
  return {
    read: (key) => state.read(key),
    write,
    compareAndSet: (key, expected, value) => state.compareAndSet(key, expected, value),
    delete: (key) => state.delete(key),
  }
}

/** The object, recording every field read from it. */
function spy<T extends object>(target: T, reads: Set<string>): T {
  return new Proxy(target, {
    get(object, field, receiver) {
      if (typeof field === 'string') reads.add(field)
      return Reflect.get(object, field, receiver)
    },
  })
}

describe('objects remembered across restarts', () => {
  describe('the fields kept', () => {
    const derivable = new Set(Object.entries(EVENT_NAMES).flatMap(([, names]) => names as readonly string[]))
    for (const generic of ['created', 'removed', 'updated', 'initial']) derivable.delete(generic)

    it('has a case for every event derive names', () => {
      assert.deepEqual(CASES.map((c) => c.event).sort(), [...derivable].sort())
    })

    it('holds every field derive reads of an object and of its changes', () => {
      const reads = new Set<string>()
      for (const { before, after } of CASES) {
        const changes = before ? diffFields(before, after) : {}
        deriveEvents(spy(after, reads), before && spy(before, reads), spy(changes, reads), lookup)
      }
      assert.deepEqual([...reads].filter((field) => !KEPT_FIELDS.includes(field)), [])
    })

    it('derives the same events from objects reduced to them as from full objects', () => {
      const reduce = projectionFor({ types: ['VM', 'host', 'message'], events: ['started'] })
      for (const { event, before, after } of CASES) {
        const full = deriveEvents(after, before, before ? diffFields(before, after) : {}, lookup)
        const small = before ? reduce(before) : undefined
        const reduced = deriveEvents(reduce(after), small, small ? diffFields(small, reduce(after)) : {}, lookup)
        assert.deepEqual(reduced.map(({ event, detail }) => ({ event, detail })), full.map(({ event, detail }) => ({ event, detail })), event)
        assert.ok(full.some((e) => e.event === event), `the case for ${event} yields it`)
      }
    })

    it('holds every field the filters read', () => {
      const filter = compileObjectFilter({ name: { value: 'x' }, tag: { value: 'y' }, pool: { value: 'prod pool' }, id: { value: 'vm1' } })
      assert.ok(typeof filter === 'function')
      const reads = new Set<string>()
      filter(spy(vm({ name_label: 'x', tags: ['y'] }), reads), lookup)
      filter(spy({ id: 'vm1', type: 'message', name: 'x', tags: ['y'], $pool: 'p1' }, reads), lookup)
      assert.deepEqual([...reads].filter((field) => !KEPT_FIELDS.includes(field)), [])
    })
  })

  describe('projection', () => {
    it('keeps only what events and filters read when updated is not selected', () => {
      const reduced = projectionFor({ types: ['VM'], events: ['started', 'tagged'] })(VM)
      assert.deepEqual(Object.keys(reduced).sort(), Object.keys(VM).filter((f) => KEPT_FIELDS.includes(f)).sort())
      assert.equal(reduced.tags, VM.tags, 'values are shared, not copied')
    })

    it('keeps every field but the ignored ones with updated, sub-fields dropped, kept fields never', () => {
      const project = projectionFor({ types: ['VM'], events: ['updated'], ignore: [...DEFAULT_IGNORE, 'tags', 'name_description'] })
      const reduced = project(VM)
      const memory = VM.memory as Record<string, unknown>
      assert.deepEqual(Object.keys(reduced).sort(), Object.keys(VM).filter((f) => !['current_operations', 'startTime', 'name_description'].includes(f)).sort())
      assert.deepEqual(reduced.memory, Object.fromEntries(Object.entries(memory).filter(([k]) => k !== 'usage')))
      assert.ok('usage' in memory, 'the object itself is untouched')
      assert.equal(reduced.tags, VM.tags, 'tags are read by tag events and filters: kept even when ignored')
    })
  })

  describe('what a snapshot was taken for', () => {
    const base: XoEventsConfig = { types: ['VM', 'host'], events: ['started', 'created'], nameFilter: { mode: 'glob', value: 'web-*' }, ignore: 'a, b' }

    it('digests the selection, whatever its order or spelling', () => {
      const same = selectionDigest({ ...base, types: ['host', 'VM'], events: ['created', 'started'], ignore: ['b', 'a'], tagFilter: { mode: 'regex', value: ' ' } })
      assert.equal(same, selectionDigest(base))
      for (const other of [{ types: ['VM'] }, { events: ['started'] }, { nameFilter: { mode: 'regex' as const, value: 'web-*' } }, { idFilter: { value: 'x' } }, { ignore: 'a' }]) {
        assert.notEqual(selectionDigest({ ...base, ...other }), selectionDigest(base), JSON.stringify(other))
      }
    })

    it('refuses what is not a snapshot, and one for another selection or XO', () => {
      const snapshot: ObjectsSnapshot = { server: 'ws://xo/api/', selection: 'abc', takenAt: '2024-01-01T00:00:00.000Z', objects: [{ id: 'a', type: 'VM' }] }
      assert.ok(isSnapshot(snapshot))
      for (const bad of [null, 'text', [], { ...snapshot, objects: {} }, { ...snapshot, objects: [{ id: 1 }] }, { ...snapshot, server: undefined }]) assert.ok(!isSnapshot(bad))
      assert.equal(mismatch(snapshot, { selection: 'abc' }), undefined)
      assert.equal(mismatch(snapshot, { selection: 'abc', server: 'ws://xo/api/' }), undefined)
      assert.match(mismatch(snapshot, { selection: 'abd' })!, /another selection/)
      assert.match(mismatch(snapshot, { selection: 'abc', server: 'ws://other/api/' })!, /another XO \(ws:\/\/xo\/api\/\)/)
    })
  })

  describe('comparing with XO now', () => {
    const config: XoEventsConfig = { types: ['VM'], events: ['created', 'removed', 'started', 'migrated', 'tagged', 'updated'], ignore: DEFAULT_IGNORE }
    const selection = compileSelection(config) as EventSelection
    const project = projectionFor(config)
    const objects = (...list: XoObject[]) => new Map([...related, ...list.map((o) => [o.id, o] as const)])
    /** topic:id of what the node would send, as the xo-events node does */
    const compare = (remembered: XoObject[], now: Map<string, XoObject>, cfg = config, sel = selection) => {
      const get = (id: string) => now.get(id)
      const found = changesSince(JSON.parse(JSON.stringify(remembered)), now, (o) => sel.matches(o, get), projectionFor(cfg), get)
      return found.flatMap(({ change }: FoundChange) => sel.select(change, get).map((e) => `${e.event}:${change.object.id}`))
    }
    const remember = (...list: XoObject[]) => takeSnapshot(list, (o) => selection.matches(o, lookup), project, { server: 's', selection: 'd' }).objects

    it('finds nothing when nothing changed, whatever changed in fields not kept', () => {
      const web = vm({ id: 'web', power_state: 'Running', $container: 'h1' })
      const busy = { ...web, current_operations: { x: 'start' }, memory: { ...(web.memory as object), usage: 1 }, startTime: 5 }
      assert.deepEqual(compare(remember(web), objects(busy)), [])
      const slim: XoEventsConfig = { types: ['VM'], events: ['started'] }
      const renamedDescription = { ...web, name_description: 'new', VBDs: ['x'] }
      const slimSelection = compileSelection(slim) as EventSelection
      const slimRemembered = takeSnapshot([web], () => true, projectionFor(slim), { server: 's', selection: 'd' }).objects
      assert.deepEqual(compare(slimRemembered, objects(renamedDescription), slim, slimSelection), [])
    })

    it('finds each change once: created, removed, started, migrated, tagged, updated', () => {
      const a = vm({ id: 'a', power_state: 'Halted', $container: 'p1' })
      const b = vm({ id: 'b', power_state: 'Running', $container: 'h1' })
      const c = vm({ id: 'c', tags: [] })
      const d = vm({ id: 'd', name_label: 'old' })
      const gone = vm({ id: 'gone' })
      const now = objects(
        { ...a, power_state: 'Running', $container: 'h1' },
        { ...b, $container: 'h2' },
        { ...c, tags: ['new'] },
        { ...d, name_label: 'new' },
        vm({ id: 'fresh' }),
      )
      assert.deepEqual(compare(remember(a, b, c, d, gone), now).sort(), ['created:fresh', 'migrated:b', 'removed:gone', 'started:a', 'tagged:c', 'updated:d'])
    })

    it('compares a template turned VM, and objects out of the node types, as live changes are', () => {
      const templates: XoEventsConfig = { types: ['VM-template'], events: ['created', 'removed'] }
      const sel = compileSelection(templates) as EventSelection
      const template = vm({ id: 't', type: 'VM-template' })
      const remembered = takeSnapshot([template], () => true, projectionFor(templates), { server: 's', selection: 'd' }).objects
      // The store keeps VMs for another node: the template became a VM.
      assert.deepEqual(compare(remembered, objects({ ...template, type: 'VM' }), templates, sel), ['removed:t'])
      assert.deepEqual(compare([], objects(vm({ id: 'other' })), templates, sel), [])
    })
  })

  describe('a node\'s memory', () => {
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
        state, key: 'xo-events/n1', objects, needs: ['VM', 'host', 'pool'], selection, config, server: () => 'ws://xo/api/',
        found: (changes) => found.push(changes), fresh: (held) => fresh.push(held),
        log: (m) => logs.push(m), warn: (m) => warnings.push(m), writeIntervalMs: 60_000,
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
      await state.write('xo-events/n1', takeSnapshot([web, db], () => true, projectionFor(config), { server: 'ws://xo/api/', selection: selectionDigest(config) }))
      const m = memory()
      await m.start()
      assert.equal(found.length, 0, 'waits for XO')
      objects.load({ ...web, power_state: 'Running', $container: 'h1' }, db)
      assert.equal(found.length, 1)
      assert.deepEqual(found[0].map((f) => f.change.object.id), ['web'])
      assert.equal(found[0][0].object.uuid, VM.uuid, 'the message shows the full object')
      assert.deepEqual(fresh, [])
      assert.match(logs.join('\n'), /compared 2 objects remembered at .* with XO: 1 changed meanwhile/)
      assert.equal(m.accept(objects.set({ ...db, power_state: 'Running' })), true)
      await m.close(false)
      assert.deepEqual(found.length, 1, 'once')
    })

    it('holds a live change that arrives before the snapshot is read, and drops it once compared', async () => {
      await state.write('xo-events/n1', takeSnapshot([web], () => true, projectionFor(config), { server: 'ws://xo/api/', selection: selectionDigest(config) }))
      objects.load(web)
      const m = memory()
      const started = m.start()
      assert.equal(m.accept(objects.set({ ...web, power_state: 'Running', $container: 'h1' })), false)
      await started
      assert.deepEqual(found.map((list) => list.map((f) => selection.select(f.change, objects.get).map((e) => e.event))), [[['started']]])
      assert.deepEqual(fresh, [])
      await m.close(false)
    })

    it('discards a snapshot of another XO or selection with one log line, and starts afresh', async () => {
      const about = { server: 'ws://elsewhere/api/', selection: selectionDigest(config) }
      await state.write('xo-events/n1', takeSnapshot([web], () => true, projectionFor(config), about))
      objects.load(db)
      await memory().start()
      assert.deepEqual([found, fresh], [[], [[]]])
      assert.deepEqual(logs, ['the remembered objects were taken for another XO (ws://elsewhere/api/): starting afresh'])
      await state.write('xo-events/n1', takeSnapshot([web], () => true, projectionFor(config), { ...about, selection: 'other' }))
      logs = []
      await memory().start()
      assert.match(logs.join(), /another selection/)
      await state.write('xo-events/n1', { not: 'a snapshot' })
      await memory().start()
      assert.deepEqual(warnings, ['the remembered objects are not a snapshot of this node (ignored; the next save replaces them)'])
      assert.equal(found.length, 0)
    })

    it('waits until the store keeps the node\'s types before comparing', async () => {
      await state.write('xo-events/n1', takeSnapshot([web], () => true, projectionFor(config), { server: 'ws://xo/api/', selection: selectionDigest(config) }))
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
      const snapshot = takeSnapshot([web], () => true, projectionFor(config), { server: 'ws://xo/api/', selection: selectionDigest(config) })
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
      const flaky = wrap(state, (key, value) => (failing ? Promise.reject(new Error('EACCES: permission denied')) : state.write(key, value)))
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
