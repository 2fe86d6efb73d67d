import assert from 'node:assert/strict'
import { SeenEvents } from '../../../src/digest/seen-events'

describe('SeenEvents: ids refused again', () => {
  it('refuses an id for a while after it came, forgetting the oldest past its bound', () => {
    const seen = new SeenEvents(1000, 3)
    seen.add('a', 0)
    seen.add('b', 0)
    assert.ok(seen.has('a', 999))
    assert.ok(!seen.has('a', 1000))
    seen.add('c', 500)
    seen.add('d', 500)
    assert.ok(!seen.has('a', 600), 'the oldest forgotten beyond three kept')
    assert.ok(seen.has('b', 600) && seen.has('c', 600) && seen.has('d', 600))
    assert.deepEqual(
      seen.list(1200).map(([id]) => id),
      ['c', 'd'],
    )
  })

  it('takes back what a snapshot kept, leaving aside what expired or is of another shape', () => {
    const seen = new SeenEvents(1000, 3)
    seen.restore([['a', 2000], ['b', 500], 'c' as never, [1, 3000] as never], 1000)
    assert.deepEqual(seen.list(1000), [['a', 2000]])
  })
})
