import assert from 'node:assert/strict'
import { deriveEvents, EVENT_NAMES } from '../../../src/events/derive'
import { diffFields } from '../../../src/events/diff'
import { compileObjectFilter } from '../../../src/events/filter'
import {
  compileSelection,
  DEFAULT_IGNORE,
  type EventSelection,
  type XoEventsConfig,
} from '../../../src/events/selection'
import {
  changesSince,
  type FoundChange,
  isSnapshot,
  KEPT_FIELDS,
  mismatch,
  type ObjectsSnapshot,
  projectionFor,
  selectionDigest,
  takeSnapshot,
} from '../../../src/events/snapshot'
import type { XoObject } from '../../../src/xo/object-store'
import { CASES, lookup, related, spy, VM, vm } from '../../support/remembered-objects'

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
      assert.deepEqual(
        [...reads].filter((field) => !KEPT_FIELDS.includes(field)),
        [],
      )
    })

    it('derives the same events from objects reduced to them as from full objects', () => {
      const reduce = projectionFor({ types: ['VM', 'host', 'message'], events: ['started'] })
      for (const { event, before, after } of CASES) {
        const full = deriveEvents(after, before, before ? diffFields(before, after) : {}, lookup)
        const small = before ? reduce(before) : undefined
        const reduced = deriveEvents(reduce(after), small, small ? diffFields(small, reduce(after)) : {}, lookup)
        assert.deepEqual(
          reduced.map(({ event, detail }) => ({ event, detail })),
          full.map(({ event, detail }) => ({ event, detail })),
          event,
        )
        assert.ok(
          full.some((e) => e.event === event),
          `the case for ${event} yields it`,
        )
      }
    })

    it('holds every field the filters read', () => {
      const filter = compileObjectFilter({
        name: { value: 'x' },
        tag: { value: 'y' },
        pool: { value: 'prod pool' },
        id: { value: 'vm1' },
      })
      assert.ok(typeof filter === 'function')
      const reads = new Set<string>()
      filter(spy(vm({ name_label: 'x', tags: ['y'] }), reads), lookup)
      filter(spy({ id: 'vm1', type: 'message', name: 'x', tags: ['y'], $pool: 'p1' }, reads), lookup)
      assert.deepEqual(
        [...reads].filter((field) => !KEPT_FIELDS.includes(field)),
        [],
      )
    })
  })

  describe('projection', () => {
    it('keeps only what events and filters read when updated is not selected', () => {
      const reduced = projectionFor({ types: ['VM'], events: ['started', 'tagged'] })(VM)
      assert.deepEqual(
        Object.keys(reduced).sort(),
        Object.keys(VM)
          .filter((f) => KEPT_FIELDS.includes(f))
          .sort(),
      )
      assert.equal(reduced.tags, VM.tags, 'values are shared, not copied')
    })

    it('keeps every field but the ignored ones with updated, sub-fields dropped, kept fields never', () => {
      const project = projectionFor({
        types: ['VM'],
        events: ['updated'],
        ignore: [...DEFAULT_IGNORE, 'tags', 'name_description'],
      })
      const reduced = project(VM)
      const memory = VM.memory as Record<string, unknown>
      assert.deepEqual(
        Object.keys(reduced).sort(),
        Object.keys(VM)
          .filter((f) => !['current_operations', 'startTime', 'name_description'].includes(f))
          .sort(),
      )
      assert.deepEqual(reduced.memory, Object.fromEntries(Object.entries(memory).filter(([k]) => k !== 'usage')))
      assert.ok('usage' in memory, 'the object itself is untouched')
      assert.equal(reduced.tags, VM.tags, 'tags are read by tag events and filters: kept even when ignored')
    })
  })

  describe('what a snapshot was taken for', () => {
    const base: XoEventsConfig = {
      types: ['VM', 'host'],
      events: ['started', 'created'],
      nameFilter: { mode: 'glob', value: 'web-*' },
      ignore: 'a, b',
    }

    it('digests the selection, whatever its order or spelling', () => {
      const same = selectionDigest({
        ...base,
        types: ['host', 'VM'],
        events: ['created', 'started'],
        ignore: ['b', 'a'],
        tagFilter: { mode: 'regex', value: ' ' },
      })
      assert.equal(same, selectionDigest(base))
      for (const other of [
        { types: ['VM'] },
        { events: ['started'] },
        { nameFilter: { mode: 'regex' as const, value: 'web-*' } },
        { idFilter: { value: 'x' } },
        { ignore: 'a' },
      ]) {
        assert.notEqual(selectionDigest({ ...base, ...other }), selectionDigest(base), JSON.stringify(other))
      }
    })

    it('refuses what is not a snapshot, and one for another selection or XO', () => {
      const snapshot: ObjectsSnapshot = {
        server: 'ws://xo/api/',
        selection: 'abc',
        takenAt: '2024-01-01T00:00:00.000Z',
        objects: [{ id: 'a', type: 'VM' }],
      }
      assert.ok(isSnapshot(snapshot))
      for (const bad of [
        null,
        'text',
        [],
        { ...snapshot, objects: {} },
        { ...snapshot, objects: [{ id: 1 }] },
        { ...snapshot, server: undefined },
      ])
        assert.ok(!isSnapshot(bad))
      assert.equal(mismatch(snapshot, { selection: 'abc' }), undefined)
      assert.equal(mismatch(snapshot, { selection: 'abc', server: 'ws://xo/api/' }), undefined)
      assert.match(mismatch(snapshot, { selection: 'abd' })!, /another selection/)
      assert.match(
        mismatch(snapshot, { selection: 'abc', server: 'ws://other/api/' })!,
        /another XO \(ws:\/\/xo\/api\/\)/,
      )
    })
  })

  describe('comparing with XO now', () => {
    const config: XoEventsConfig = {
      types: ['VM'],
      events: ['created', 'removed', 'started', 'migrated', 'tagged', 'updated'],
      ignore: DEFAULT_IGNORE,
    }
    const selection = compileSelection(config) as EventSelection
    const project = projectionFor(config)
    const objects = (...list: XoObject[]) => new Map([...related, ...list.map((o) => [o.id, o] as const)])
    /** topic:id of what the node would send, as the xo-events node does */
    const compare = (remembered: XoObject[], now: Map<string, XoObject>, cfg = config, sel = selection) => {
      const get = (id: string) => now.get(id)
      const found = changesSince(
        JSON.parse(JSON.stringify(remembered)),
        now,
        (o) => sel.matches(o, get),
        projectionFor(cfg),
        get,
      )
      return found.flatMap(({ change }: FoundChange) =>
        sel.select(change, get).map((e) => `${e.event}:${change.object.id}`),
      )
    }
    const remember = (...list: XoObject[]) =>
      takeSnapshot(list, (o) => selection.matches(o, lookup), project, { server: 's', selection: 'd' }).objects

    it('finds nothing when nothing changed, whatever changed in fields not kept', () => {
      const web = vm({ id: 'web', power_state: 'Running', $container: 'h1' })
      const busy = {
        ...web,
        current_operations: { x: 'start' },
        memory: { ...(web.memory as object), usage: 1 },
        startTime: 5,
      }
      assert.deepEqual(compare(remember(web), objects(busy)), [])
      const slim: XoEventsConfig = { types: ['VM'], events: ['started'] }
      const renamedDescription = { ...web, name_description: 'new', VBDs: ['x'] }
      const slimSelection = compileSelection(slim) as EventSelection
      const slimRemembered = takeSnapshot([web], () => true, projectionFor(slim), {
        server: 's',
        selection: 'd',
      }).objects
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
      assert.deepEqual(compare(remember(a, b, c, d, gone), now).sort(), [
        'created:fresh',
        'migrated:b',
        'removed:gone',
        'started:a',
        'tagged:c',
        'updated:d',
      ])
    })

    it('compares a template turned VM, and objects out of the node types, as live changes are', () => {
      const templates: XoEventsConfig = { types: ['VM-template'], events: ['created', 'removed'] }
      const sel = compileSelection(templates) as EventSelection
      const template = vm({ id: 't', type: 'VM-template' })
      const remembered = takeSnapshot([template], () => true, projectionFor(templates), {
        server: 's',
        selection: 'd',
      }).objects
      // The store keeps VMs for another node: the template became a VM.
      assert.deepEqual(compare(remembered, objects({ ...template, type: 'VM' }), templates, sel), ['removed:t'])
      assert.deepEqual(compare([], objects(vm({ id: 'other' })), templates, sel), [])
    })
  })
})
