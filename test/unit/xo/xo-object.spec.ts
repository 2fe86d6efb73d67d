import assert from 'node:assert/strict'
import { objectProblem, type XoObject } from '../../../src/xo/xo-object'

const vm = (id: string, extra: Record<string, unknown> = {}): XoObject => ({
  id,
  type: 'VM',
  name_label: id,
  power_state: 'Halted',
  ...extra,
})

describe('objectProblem', () => {
  it('takes an object nested 32 levels deep and leaves out one nested 33 levels deep', () => {
    const nested = (levels: number) => {
      const root: Record<string, unknown> = vm('v')
      let at = root
      for (let level = 1; level < levels; level++) at = at.child = {}
      return root
    }
    assert.equal(objectProblem(nested(32)), undefined)
    assert.equal(objectProblem(nested(33)), 'object "v" nested deeper than 32 levels')
  })
})

describe('objectProblem: what the package reads of an object', () => {
  it('takes an object with an id and a type, and any other field as XO gives it', () => {
    assert.equal(objectProblem(vm('v', { tags: ['a'], VIFs: [], blob: { any: [1, null] } })), undefined)
  })

  it('names what is missing or of the wrong kind', () => {
    assert.equal(objectProblem(null), 'null instead of an object')
    assert.match(objectProblem({ type: 'VM' })!, /^an object whose id is /)
    assert.match(objectProblem({ id: 'v' })!, /^object "v" whose type is /)
    assert.match(objectProblem(vm('v', { name_label: 3 }))!, /^object "v" whose name_label is /)
    assert.equal(objectProblem(vm('v', { tags: ['a', 1] })), 'object "v" whose tags is not a list of strings')
    assert.equal(
      objectProblem(JSON.parse('{"id":"v","type":"VM","__proto__":{}}')),
      'object "v" with a field named __proto__',
    )
  })
})
