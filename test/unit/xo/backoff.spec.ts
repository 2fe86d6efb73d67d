import assert from 'node:assert/strict'
import { backoffDelay } from '../../../src/xo/backoff'

describe('backoffDelay', () => {
  const policy = { initialMs: 1000, maxMs: 60_000 }

  it('doubles from the initial delay and stops at the cap', () => {
    const nominal = (attempt: number) => backoffDelay(attempt, policy, () => 1)
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 7, 50].map(nominal),
      [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000],
    )
  })

  it('jitters between half and all of the nominal delay', () => {
    assert.equal(
      backoffDelay(3, policy, () => 0),
      4000,
    )
    assert.equal(
      backoffDelay(3, policy, () => 0.5),
      6000,
    )
    for (let i = 0; i < 1000; i++) {
      const d = backoffDelay(2, policy)
      assert.ok(d >= 2000 && d <= 4000, `${d}`)
    }
  })

  it('spreads the retries of many clients', () => {
    const delays = new Set(Array.from({ length: 100 }, () => backoffDelay(5, policy)))
    assert.ok(delays.size > 50)
  })
})
