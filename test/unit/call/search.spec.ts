import assert from 'node:assert/strict'
import { objectTypeOf, searchObjects } from '../../../src/call/search'
import type { XoObject } from '../../../src/xo/object-store'

describe('call search', () => {
  it('finds objects by name for the pickers', () => {
    const objects: XoObject[] = [
      { id: 'p', type: 'pool', name_label: 'prod' },
      { id: 'v2', type: 'VM', name_label: 'web-02', $pool: 'p', power_state: 'Halted' },
      { id: 'v1', type: 'VM', name_label: 'web-01', $pool: 'p', power_state: 'Running' },
      { id: 'v3', type: 'VM', name_label: 'db-01', $pool: 'p' },
    ]
    const lookup = (id: string) => objects.find((o) => o.id === id)
    assert.deepEqual(searchObjects(objects, 'VM', 'WEB', 10, lookup), [
      { id: 'v1', name: 'web-01', type: 'VM', pool: 'prod', powerState: 'Running' },
      { id: 'v2', name: 'web-02', type: 'VM', pool: 'prod', powerState: 'Halted' },
    ])
    assert.equal(searchObjects(objects, 'VM', '', 1, lookup).length, 1)
    assert.equal(objectTypeOf('vm.migrate', 'targetHost'), 'host')
    assert.equal(objectTypeOf('vm.start', 'id'), 'VM')
    assert.equal(objectTypeOf('vm.create', 'template'), 'VM-template')
  })
})
