import assert from 'node:assert/strict'
import { ObjectChange } from '../../../src/events/change'
import { diffFields } from '../../../src/events/diff'
import { compileIgnore, compileSelection, DEFAULT_IGNORE, type EventSelection } from '../../../src/events/selection'
import type { XoObject } from '../../../src/xo/object-store'
import { capture } from '../../support/captures'

type Notification = { params: { type: 'enter' | 'exit'; items: Record<string, XoObject | 0> } }
type Phase = { name: string; notifications: Notification[] }

/** Replays captured notifications on a map of objects, as the object store does, and collects the events. */
function replay(selection: EventSelection, phases: Phase[], objects = new Map<string, XoObject>()): string[] {
  const lookup = (id: string) => objects.get(id)
  const topics: string[] = []
  for (const phase of phases) {
    for (const { params } of phase.notifications) {
      for (const [id, item] of Object.entries(params.items)) {
        const previous = objects.get(id)
        let change: ObjectChange
        if (params.type === 'exit') {
          if (!previous) continue
          objects.delete(id)
          change = new ObjectChange('exit', previous, undefined, lookup)
        } else {
          objects.set(id, item as XoObject)
          change = new ObjectChange('enter', item as XoObject, previous, lookup)
        }
        for (const e of selection.select(change, lookup)) topics.push(`${change.object.type}.${e.event}`)
      }
    }
  }
  return topics
}

describe('object events from captured notifications', () => {
  const phases = capture<{ phases: Phase[] }>('notifications.fake-xapi.json').phases
  const byName = (prefix: string) => phases.find((p) => p.name.startsWith(prefix))!
  const initial = () => {
    const objects = new Map<string, XoObject>()
    for (const { params } of byName('server.add').notifications) {
      for (const [id, item] of Object.entries(params.items))
        if (params.type === 'enter') objects.set(id, item as XoObject)
    }
    return objects
  }
  const selection = (events: string[], ignore: string[] = DEFAULT_IGNORE) =>
    compileSelection({ types: ['VM', 'host'], events, ignore }) as EventSelection

  it('vm.start yields exactly VM.started, and vm.stop exactly VM.stopped', () => {
    const objects = initial()
    const power = selection(['started', 'stopped', 'updated'])
    assert.deepEqual(replay(power, [byName('vm.start fake')], objects), ['VM.started'])
    assert.deepEqual(replay(power, [byName('vm.stop')], objects), ['VM.stopped'])
  })

  it('reports what else changed as updated, with the fields that changed', () => {
    const objects = initial()
    const everything = selection(['started', 'updated'], [])
    const topics = replay(everything, [byName('vm.start fake')], objects)
    assert.ok(topics.includes('VM.started'))
    assert.ok(topics.includes('VM.updated')) // current_operations, startTime… when nothing is ignored
  })

  it('renaming is an update of name_label', () => {
    const objects = initial()
    const vm = [...objects.values()].find((o) => o.type === 'VM' && o.name_label === 'fake-vm-1')!
    const lookup = (id: string) => objects.get(id)
    const renamed = { ...vm, name_label: 'fake-vm-1-renamed' }
    const [event] = selection(['updated']).select(new ObjectChange('enter', renamed, vm, lookup), lookup)
    assert.deepEqual(event, {
      event: 'updated',
      changes: { name_label: { before: 'fake-vm-1', after: 'fake-vm-1-renamed' } },
    })
  })

  it('server disconnect and reconnect are removals and creations', () => {
    const objects = initial()
    const lifecycle = compileSelection({
      types: ['VM', 'host', 'pool'],
      events: ['created', 'removed'],
    }) as EventSelection
    const removed = replay(lifecycle, [byName('server.disable')], objects)
    assert.ok(removed.includes('VM.removed') && removed.includes('host.removed'))
    const created = replay(lifecycle, [byName('server.enable')], objects)
    assert.ok(created.includes('VM.created') && created.includes('pool.created'))
  })
})

describe('event filters', () => {
  it('ignores whole fields and sub-fields', () => {
    const ignore = compileIgnore('current_operations, memory.usage')
    const changes = diffFields(
      { current_operations: {}, memory: { size: 1, usage: 1 }, name_label: 'a' },
      { current_operations: { t: 'start' }, memory: { size: 1, usage: 2 }, name_label: 'b' },
    )
    assert.deepEqual(Object.keys(ignore(changes)), ['name_label'])
    const resized = diffFields({ memory: { size: 1, usage: 1 } }, { memory: { size: 2, usage: 2 } })
    assert.deepEqual(Object.keys(ignore(resized)), ['memory'])
  })

  it('refuses selections that cannot work', () => {
    assert.deepEqual(compileSelection({ types: [], events: ['created'] }), { error: 'no object type selected' })
    assert.deepEqual(compileSelection({ types: ['VM'], events: [] }), { error: 'no event selected' })
    assert.deepEqual(compileSelection({ types: ['VM'], events: ['exploded'] }), { error: 'unknown events: exploded' })
  })

  it('a new VM is created for a VM node even when the store keeps templates for another node, and a template turned VM is removed for a template node', () => {
    const lookup = () => undefined
    const template: XoObject = { id: 'v1', type: 'VM-template', name_label: 'web-09', power_state: 'Halted' }
    const vm: XoObject = { ...template, type: 'VM' }
    const provisioned = new ObjectChange('enter', vm, template, lookup)
    const vms = compileSelection({ types: ['VM'], events: ['created', 'removed', 'updated'] }) as EventSelection
    assert.deepEqual(vms.select(provisioned, lookup), [{ event: 'created', changes: {} }])
    const templates = compileSelection({
      types: ['VM-template'],
      events: ['created', 'removed', 'updated'],
    }) as EventSelection
    assert.deepEqual(templates.select(provisioned, lookup), [{ event: 'removed', changes: {}, object: template }])
    const both = compileSelection({ types: ['VM', 'VM-template'], events: ['updated'] }) as EventSelection
    assert.deepEqual(
      both.select(provisioned, lookup).map((e) => e.event),
      ['updated'],
    )
  })
})
