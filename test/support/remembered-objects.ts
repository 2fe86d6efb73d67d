/**
 * Objects for the specs of what events remember across restarts (the snapshot, a node's memory): full objects as a
 * real xo-server sends them, and a version before and after for every event derive can name.
 */
import type { StateStore } from '../../src/state/state-store'
import type { XoObject } from '../../src/xo/object-store'
import { capture } from './captures'

// Full objects as a real xo-server sends them, with every field XO has.
const captured = Object.values(
  capture<{ response: { result: Record<string, XoObject> } }>('xo.getAllObjects.fake-xapi.json').response.result,
)
// (XO adds memory.usage once a VM has run: the capture's VM has not.)
const capturedVm = captured.find((o) => o.type === 'VM')!
export const VM: XoObject = { ...capturedVm, memory: { ...(capturedVm.memory as object), usage: 536870912 } }
export const HOST = captured.find((o) => o.type === 'host')!
export const h1: XoObject = { ...HOST, id: 'h1', name_label: 'host one' }
export const h2: XoObject = { ...HOST, id: 'h2', name_label: 'host two' }
export const pool: XoObject = { id: 'p1', type: 'pool', name_label: 'prod pool' }
export const related = new Map([h1, h2, pool].map((o) => [o.id, o]))
export const lookup = (id: string) => related.get(id)
export const vm = (patch: Record<string, unknown>): XoObject =>
  ({ ...VM, id: 'vm1', $pool: 'p1', ...patch }) as XoObject
export const host = (patch: Record<string, unknown>): XoObject =>
  ({ ...HOST, id: 'h1', $pool: 'p1', ...patch }) as XoObject

/** For every event derive can name: a version before (none: created) and after, from full objects. */
export const CASES: Array<{ event: string; before?: XoObject; after: XoObject }> = [
  {
    event: 'started',
    before: vm({ power_state: 'Halted', $container: 'p1' }),
    after: vm({ power_state: 'Running', $container: 'h1' }),
  },
  {
    event: 'stopped',
    before: vm({ power_state: 'Running', $container: 'h1' }),
    after: vm({ power_state: 'Halted', $container: 'p1' }),
  },
  { event: 'suspended', before: vm({ power_state: 'Running' }), after: vm({ power_state: 'Suspended' }) },
  { event: 'paused', before: vm({ power_state: 'Running' }), after: vm({ power_state: 'Paused' }) },
  { event: 'resumed', before: vm({ power_state: 'Suspended' }), after: vm({ power_state: 'Running' }) },
  {
    event: 'migrated',
    before: vm({ power_state: 'Running', $container: 'h1' }),
    after: vm({ power_state: 'Running', $container: 'h2', startTime: 99 }),
  },
  { event: 'down', before: host({ power_state: 'Running' }), after: host({ power_state: 'Halted' }) },
  { event: 'up', before: host({ power_state: 'Halted' }), after: host({ power_state: 'Running' }) },
  { event: 'disabled', before: host({ enabled: true }), after: host({ enabled: false }) },
  { event: 'enabled', before: host({ enabled: false }), after: host({ enabled: true }) },
  { event: 'tagged', before: vm({ tags: ['a'] }), after: vm({ tags: ['a', 'b'] }) },
  { event: 'untagged', before: vm({ tags: ['a', 'b'] }), after: vm({ tags: ['a'] }) },
  { event: 'alarm', after: { id: 'm1', type: 'message', name: 'ALARM', body: 'value: 0.95', $object: 'h1', time: 1 } },
]

/** A state store whose writes go through `write`. */
export function wrap(state: StateStore, write: (key: string, value: unknown) => Promise<number>): StateStore {
  return {
    read: (key) => state.read(key),
    write,
    compareAndSet: (key, expected, value) => state.compareAndSet(key, expected, value),
    delete: (key) => state.delete(key),
  }
}

/** The object, recording every field read from it. */
export function spy<T extends object>(target: T, reads: Set<string>): T {
  return new Proxy(target, {
    get(object, field, receiver) {
      if (typeof field === 'string') reads.add(field)
      return Reflect.get(object, field, receiver)
    },
  })
}
