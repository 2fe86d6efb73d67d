import assert from 'node:assert/strict'
import { SeenEvents } from '../../../src/digest/seen-events'

describe('SeenEvents: ids refused again', () => {
  it('refuses ids of open groups, then of closed ones for a while, forgetting the oldest past its bound', () => {
    const seen = new SeenEvents(1000, 3)
    for (const id of ['a', 'b', 'c', 'd']) seen.open(id)
    assert.ok(seen.has('a', 0))
    seen.close(['a', 'b'], 0)
    assert.ok(seen.has('a', 999))
    assert.ok(!seen.has('a', 1000))
    seen.close(['c', 'd'], 500)
    assert.ok(!seen.has('a', 600), 'the oldest forgotten beyond three kept')
    assert.ok(seen.has('b', 600) && seen.has('c', 600) && seen.has('d', 600))
    assert.deepEqual(
      seen.closed(1200).map(([id]) => id),
      ['c', 'd'],
    )
  })
})
