import assert from 'node:assert/strict'
import { ObjectChange } from '../../../src/events/change'
import { deriveEvents, EVENT_NAMES, FIELDS_DERIVE_COMPARES, FIELDS_DERIVE_READS } from '../../../src/events/derive'
import { diffFields, diffOnly } from '../../../src/events/diff'
import {
  compileIgnore,
  compileSelection,
  DEFAULT_IGNORE,
  type EventSelection,
  type XoEventsConfig,
} from '../../../src/events/selection'
import { deepEqual } from '../../../src/xo/deep-equal'
import type { XoObject } from '../../../src/xo/object-store'
import { capture } from '../../support/captures'

// Full objects as a real xo-server sends them, with every field XO has.
const captured = Object.values(
  capture<{ response: { result: Record<string, XoObject> } }>('xo.getAllObjects.fake-xapi.json').response.result,
)
const VM = captured.find((o) => o.type === 'VM')!
const HOST = captured.find((o) => o.type === 'host')!
const related = new Map<string, XoObject>([
  ['h1', { ...HOST, id: 'h1', name_label: 'host one' }],
  ['h2', { ...HOST, id: 'h2', name_label: 'host two' }],
  ['p1', { id: 'p1', type: 'pool', name_label: 'prod pool' }],
])
const lookup = (id: string) => related.get(id)
const vm = (patch: Record<string, unknown>): XoObject => ({ ...VM, id: 'vm1', $pool: 'p1', ...patch }) as XoObject
const host = (patch: Record<string, unknown>): XoObject => ({ ...HOST, id: 'h1', $pool: 'p1', ...patch }) as XoObject

/** Every event derive names, and changes that name none or several: a version before (none: created) and after. */
const CASES: Array<{ name: string; before?: XoObject; after: XoObject }> = [
  {
    name: 'started',
    before: vm({ power_state: 'Halted', $container: 'p1' }),
    after: vm({ power_state: 'Running', $container: 'h1' }),
  },
  {
    name: 'stopped',
    before: vm({ power_state: 'Running', $container: 'h1' }),
    after: vm({ power_state: 'Halted', $container: 'p1' }),
  },
  { name: 'suspended', before: vm({ power_state: 'Running' }), after: vm({ power_state: 'Suspended' }) },
  { name: 'paused', before: vm({ power_state: 'Running' }), after: vm({ power_state: 'Paused' }) },
  { name: 'resumed', before: vm({ power_state: 'Suspended' }), after: vm({ power_state: 'Running' }) },
  {
    name: 'migrated',
    before: vm({ power_state: 'Running', $container: 'h1' }),
    after: vm({ power_state: 'Running', $container: 'h2', startTime: 99 }),
  },
  { name: 'down', before: host({ power_state: 'Running' }), after: host({ power_state: 'Halted' }) },
  { name: 'up', before: host({ power_state: 'Halted' }), after: host({ power_state: 'Running' }) },
  { name: 'disabled', before: host({ enabled: true }), after: host({ enabled: false }) },
  { name: 'enabled', before: host({ enabled: false }), after: host({ enabled: true }) },
  { name: 'tagged', before: vm({ tags: ['a'] }), after: vm({ tags: ['a', 'b'] }) },
  { name: 'untagged', before: vm({ tags: ['a', 'b'] }), after: vm({ tags: ['a'] }) },
  { name: 'alarm', after: { id: 'm1', type: 'message', name: 'ALARM', body: 'value: 0.95', $object: 'h1', time: 1 } },
  { name: 'tagged and untagged at once', before: vm({ tags: ['a'] }), after: vm({ tags: ['b'] }) },
  { name: 'tags gone', before: vm({ tags: ['a'] }), after: (({ tags, ...rest }) => rest)(vm({})) as XoObject },
  {
    name: 'started elsewhere (no migration)',
    before: vm({ power_state: 'Halted', $container: 'p1' }),
    after: vm({ power_state: 'Running', $container: 'h2' }),
  },
  {
    name: 'halted VM moved (no migration)',
    before: vm({ power_state: 'Halted', $container: 'p1' }),
    after: vm({ power_state: 'Halted', $container: 'h1' }),
  },
  { name: 'host enabled becomes unknown', before: host({ enabled: true }), after: host({ enabled: undefined }) },
  {
    name: 'running operations only',
    before: vm({ current_operations: {} }),
    after: vm({ current_operations: { x: 'snapshot' } }),
  },
  {
    name: 'host memory only',
    before: host({ memory: { size: 8, usage: 1 } }),
    after: host({ memory: { size: 8, usage: 2 } }),
  },
  { name: 'nothing changed', before: vm({}), after: vm({}) },
  { name: 'created VM', after: vm({}) },
  {
    name: 'template turned VM',
    before: vm({ type: 'VM-template', power_state: 'Halted' }),
    after: vm({ power_state: 'Halted' }),
  },
]

/** What deriveEvents gave before changes compared only some fields: from the full diff. */
const fromFullDiff = (after: XoObject, before: XoObject | undefined) =>
  deriveEvents(after, before, before ? diffFields(before, after) : {}, lookup)

/** The object, counting how often its fields are listed (`for...in`, Object.keys): a full diff lists them, a partial one never. */
function counted<T extends object>(target: T, listed: { count: number }): T {
  return new Proxy(target, {
    ownKeys(object) {
      listed.count++
      return Reflect.ownKeys(object)
    },
  })
}

describe('derived events from the fields they read', () => {
  it('reads the changes of FIELDS_DERIVE_COMPARES only, all of them among FIELDS_DERIVE_READS', () => {
    const reads = new Set<string>()
    for (const { before, after } of CASES) {
      const changes = new Proxy(before ? diffFields(before, after) : {}, {
        get(object, field, receiver) {
          if (typeof field === 'string') reads.add(field)
          return Reflect.get(object, field, receiver)
        },
      })
      deriveEvents(after, before, changes, lookup)
    }
    assert.deepEqual(
      [...reads].filter((field) => !(FIELDS_DERIVE_COMPARES as readonly string[]).includes(field)),
      [],
    )
    assert.deepEqual(
      FIELDS_DERIVE_COMPARES.filter((field) => !(FIELDS_DERIVE_READS as readonly string[]).includes(field)),
      [],
    )
  })

  it('has a case for every event derive names', () => {
    const named = new Set(Object.values(EVENT_NAMES).flat() as string[])
    for (const generic of ['created', 'removed', 'updated', 'initial']) named.delete(generic)
    const yielded = new Set(CASES.flatMap(({ before, after }) => fromFullDiff(after, before).map((e) => e.event)))
    assert.deepEqual(
      [...named].filter((event) => !yielded.has(event)),
      [],
    )
  })

  it('a change derives exactly what the full diff derived, for every case', () => {
    for (const { name, before, after } of CASES) {
      const change = new ObjectChange('enter', after, before, lookup)
      assert.deepEqual(change.derived, fromFullDiff(after, before), name)
    }
    assert.deepEqual(new ObjectChange('exit', vm({}), undefined, lookup).derived, [])
  })

  it('diffOnly gives the entries diffFields gives for the fields asked, values shared', () => {
    for (const { name, before, after } of CASES) {
      if (!before) continue
      const full = diffFields(before, after)
      const only = diffOnly(before, after, FIELDS_DERIVE_COMPARES)
      assert.deepEqual(
        only,
        Object.fromEntries(
          Object.entries(full).filter(([field]) => (FIELDS_DERIVE_COMPARES as readonly string[]).includes(field)),
        ),
        name,
      )
      for (const field in only)
        assert.equal(only[field].after, full[field].after, `${name}: ${field} is the object's own value`)
    }
  })

  it('a change derives the same events as the full diff over every update XO sent in the capture', () => {
    type Notification = { params: { type: 'enter' | 'exit'; items: Record<string, XoObject | 0> } }
    const phases = capture<{ phases: Array<{ notifications: Notification[] }> }>('notifications.fake-xapi.json').phases
    const objects = new Map<string, XoObject>()
    let compared = 0
    for (const { notifications } of phases) {
      for (const { params } of notifications) {
        for (const [id, item] of Object.entries(params.items)) {
          if (params.type === 'exit') {
            objects.delete(id)
            continue
          }
          const object = item as XoObject
          const previous = objects.get(id)
          objects.set(id, object)
          const live = (key: string) => objects.get(key)
          assert.deepEqual(
            new ObjectChange('enter', object, previous, live).derived,
            deriveEvents(object, previous, previous ? diffFields(previous, object) : {}, live),
            `${object.type} ${id}`,
          )
          compared++
        }
      }
    }
    assert.ok(compared > 10, `${compared} updates compared`)
  })
})

describe('the full diff, only when a node needs it', () => {
  // The bench's three nodes: VM power and migrations, host state, and web/db VMs updated.
  const power = compileSelection({
    types: ['VM'],
    events: ['started', 'stopped', 'suspended', 'paused', 'resumed', 'migrated'],
    ignore: DEFAULT_IGNORE,
  }) as EventSelection
  const hosts = compileSelection({
    types: ['host'],
    events: ['up', 'down', 'enabled', 'disabled'],
    ignore: DEFAULT_IGNORE,
  }) as EventSelection
  const updatedConfig: XoEventsConfig = {
    types: ['VM'],
    events: ['updated'],
    nameFilter: { mode: 'glob', value: 'web-*' },
    ignore: DEFAULT_IGNORE,
  }
  const updated = compileSelection(updatedConfig) as EventSelection

  /** Every node looks at the change, as the change feed hands it to each; answers how often the objects' fields were listed. */
  function listings(before: XoObject, after: XoObject, selections: EventSelection[]) {
    const listed = { count: 0 }
    const change = new ObjectChange('enter', counted(after, listed), counted(before, listed), lookup)
    const events = selections.flatMap((selection) => selection.select(change, lookup).map((e) => e.event))
    return { listed: listed.count, events }
  }

  it('is not computed for a change no node sends anything for', () => {
    for (const { name, before, after } of CASES) {
      if (!before || before.type !== after.type) continue
      const { listed, events } = listings(before, after, [power, hosts])
      if (events.length === 0) assert.equal(listed, 0, `${name}: no event, yet the objects were diffed`)
    }
    const busy = listings(vm({ current_operations: {} }), vm({ current_operations: { x: 'export' } }), [
      power,
      hosts,
      updated,
    ])
    assert.deepEqual(
      busy,
      { listed: 0, events: [] },
      "a VM outside the updated node's name filter is never diffed in full",
    )
  })

  it('is computed once, shared, when some node sends it', () => {
    const web = { name_label: 'web-01' }
    const renamed = listings(vm({ ...web, name_description: 'a' }), vm({ ...web, name_description: 'b' }), [
      power,
      hosts,
      updated,
      updated,
    ])
    assert.deepEqual(renamed.events, ['updated', 'updated'])
    assert.equal(renamed.listed, 2, 'one diffFields: the fields of each version listed once')
    const started = listings(
      vm({ ...web, power_state: 'Halted', $container: 'p1' }),
      vm({ ...web, power_state: 'Running', $container: 'h1' }),
      [power, hosts, updated],
    )
    // (The updated node does not select started: to it, the power change is an update.)
    assert.deepEqual(started.events, ['started', 'updated'])
    assert.equal(started.listed, 2, 'both messages carry the changes: one diffFields')
    const otherVm = listings(
      vm({ power_state: 'Halted', $container: 'p1' }),
      vm({ power_state: 'Running', $container: 'h1' }),
      [power, hosts, updated],
    )
    assert.deepEqual(otherVm, { listed: 2, events: ['started'] }, 'the started message alone carries the changes')
  })

  it('a node that selects no derived event does not ask for them', () => {
    const asked = (selection: EventSelection) => {
      const change = new ObjectChange(
        'enter',
        vm({ name_label: 'web-01', tags: ['b'] }),
        vm({ name_label: 'web-01', tags: ['a'] }),
        lookup,
      )
      const derived = Object.getOwnPropertyDescriptor(ObjectChange.prototype, 'derived')!.get!
      let count = 0
      Object.defineProperty(change, 'derived', { get: () => (count++, derived.call(change)) })
      const events = selection.select(change, lookup).map((e) => e.event)
      return { events, asked: count }
    }
    assert.deepEqual(asked(updated), { events: ['updated'], asked: 0 })
    const tagging = compileSelection({ ...updatedConfig, events: ['updated', 'tagged'] }) as EventSelection
    assert.deepEqual(asked(tagging), { events: ['tagged'], asked: 1 })
  })

  it('ignoring a sub-field compares the rest as it did, without copying', () => {
    const ignore = compileIgnore('memory.usage')
    const reference = (before: unknown, after: unknown) => {
      // What the ignore list did before: compare shallow copies without the sub-field.
      const without = (v: unknown) => {
        if (!v || typeof v !== 'object' || Array.isArray(v)) return v
        const copy = { ...(v as Record<string, unknown>) }
        delete copy.usage
        return copy
      }
      return deepEqual(without(before), without(after))
    }
    const values: unknown[] = [
      undefined,
      null,
      1,
      [1],
      { size: 1 },
      { size: 1, usage: 2 },
      { size: 1, usage: 3 },
      { size: 2, usage: 2 },
      { usage: 1 },
      {},
    ]
    for (const before of values) {
      for (const after of values) {
        const kept = 'memory' in ignore({ memory: { before, after } })
        assert.equal(kept, !reference(before, after), `${JSON.stringify(before)} -> ${JSON.stringify(after)}`)
      }
    }
  })
})

describe('derived events', () => {
  const hosts: Record<string, XoObject> = {
    h1: { id: 'h1', type: 'host', name_label: 'xcp-host-1' },
    h2: { id: 'h2', type: 'host', name_label: 'xcp-host-2' },
    p: { id: 'p', type: 'pool', name_label: 'pool' },
  }
  const lookup = (id: string) => hosts[id]
  const vm = (power: string, container: string, extra: Partial<XoObject> = {}): XoObject => ({
    id: 'v',
    type: 'VM',
    power_state: power,
    $container: container,
    ...extra,
  })
  const events = (before: XoObject, after: XoObject) =>
    deriveEvents(after, before, diffFields(before, after), lookup).map((e) => e.event)

  it('names power transitions', () => {
    assert.deepEqual(events(vm('Halted', 'p'), vm('Running', 'h1')), ['started'])
    assert.deepEqual(events(vm('Running', 'h1'), vm('Halted', 'p')), ['stopped'])
    assert.deepEqual(events(vm('Running', 'h1'), vm('Suspended', 'p')), ['suspended'])
    assert.deepEqual(events(vm('Suspended', 'p'), vm('Running', 'h2')), ['resumed'])
    assert.deepEqual(events(vm('Running', 'h1'), vm('Paused', 'h1')), ['paused'])
    assert.deepEqual(events(vm('Paused', 'h1'), vm('Running', 'h1')), ['resumed'])
  })

  it('names a migration with its source and target hosts', () => {
    const [migrated] = deriveEvents(
      vm('Running', 'h2'),
      vm('Running', 'h1'),
      diffFields(vm('Running', 'h1'), vm('Running', 'h2')),
      lookup,
    )
    assert.deepEqual(migrated.detail, { from: { id: 'h1', name: 'xcp-host-1' }, to: { id: 'h2', name: 'xcp-host-2' } })
    assert.deepEqual(events(vm('Halted', 'p'), vm('Halted', 'h1')), []) // a halted VM's disk placement is not a migration
  })

  it('names host state, tags and alarms', () => {
    const host = (power: string, enabled: boolean): XoObject => ({
      id: 'h1',
      type: 'host',
      power_state: power,
      enabled,
    })
    assert.deepEqual(events(host('Running', true), host('Halted', true)), ['down'])
    assert.deepEqual(events(host('Halted', false), host('Running', false)), ['up'])
    assert.deepEqual(events(host('Running', true), host('Running', false)), ['disabled'])
    assert.deepEqual(events(host('Running', false), host('Running', true)), ['enabled'])
    assert.deepEqual(events(vm('Halted', 'p', { tags: ['a'] }), vm('Halted', 'p', { tags: ['b'] })), [
      'tagged',
      'untagged',
    ])
    const alarm: XoObject = { id: 'm', type: 'message', name: 'ALARM', body: 'value: 0.95' }
    assert.deepEqual(
      deriveEvents(alarm, undefined, {}, lookup).map((e) => e.event),
      ['alarm'],
    )
  })
})
