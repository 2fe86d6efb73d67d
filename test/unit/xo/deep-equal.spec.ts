import assert from 'node:assert/strict'
import { deepEqual } from '../../../src/xo/deep-equal'

describe('deepEqual', () => {
  it('compares primitives by value, NaN equal to NaN, nothing equal across types', () => {
    assert.equal(deepEqual(1, 1), true)
    assert.equal(deepEqual('a', 'a'), true)
    assert.equal(deepEqual(NaN, NaN), true)
    assert.equal(deepEqual(1, '1'), false)
    assert.equal(deepEqual(0, null), false)
    assert.equal(deepEqual(null, undefined), false)
    assert.equal(deepEqual(null, {}), false)
  })

  it('compares arrays item by item, and never an array with an object of the same keys', () => {
    assert.equal(deepEqual([1, [2, { a: 3 }]], [1, [2, { a: 3 }]]), true)
    assert.equal(deepEqual([1, 2], [2, 1]), false)
    assert.equal(deepEqual([1], [1, undefined]), false)
    assert.equal(deepEqual(['a'], { 0: 'a' }), false)
    assert.equal(deepEqual({ 0: 'a' }, ['a']), false)
  })

  it('compares objects by their own keys, in any order, a key set to undefined not equal to a key missing', () => {
    assert.equal(deepEqual({ a: 1, b: { c: [1] } }, { b: { c: [1] }, a: 1 }), true)
    assert.equal(deepEqual({ a: 1, b: undefined }, { a: 1, c: undefined }), false)
    assert.equal(deepEqual({ a: undefined }, {}), false)
    assert.equal(deepEqual({ a: 1 }, Object.assign(Object.create({ a: 1 }), { b: 1 })), false)
    assert.equal(deepEqual({ a: { b: 1 } }, { a: { b: 2 } }), false)
  })
})
