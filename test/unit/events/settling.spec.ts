import assert from 'node:assert/strict'
import { SettlingCreations } from '../../../src/events/settling'
import { waitFor } from '../../support/node-red'

describe('creations held until XO has finished making the object', () => {
  let settling: SettlingCreations
  afterEach(() => settling.releaseAll())

  it('goes out once the object is quiet, as it then is', async () => {
    settling = new SettlingCreations({ quietMs: 30, maxMs: 10_000 })
    const sent: string[] = []
    let state = "with its template's VIF"
    settling.hold('vm', () => sent.push(state))
    state = 'with its own VIFs'
    settling.changed('vm')
    await waitFor(() => sent.length === 1, { timeoutMs: 2000 })
    assert.deepEqual(sent, ['with its own VIFs'])
    assert.equal(settling.size, 0)
  })

  it("goes out at once before any other event of the object, so that the order stays XO's", () => {
    settling = new SettlingCreations({ quietMs: 60_000, maxMs: 60_000 })
    const sent: string[] = []
    settling.hold('vm', () => sent.push('created'))
    settling.release('vm')
    sent.push('started')
    settling.release('vm')
    assert.deepEqual(sent, ['created', 'started'])
  })

  it('never goes out for an object removed while it was held', () => {
    settling = new SettlingCreations({ quietMs: 60_000, maxMs: 60_000 })
    const sent: string[] = []
    settling.hold('vm', () => sent.push('created'))
    assert.equal(settling.drop('vm'), true)
    assert.equal(settling.drop('vm'), false, "its removal is the object's own after that")
    settling.releaseAll()
    assert.deepEqual(sent, [])
  })

  it('waits at most maxMs after the object appeared, however busy it is', () => {
    let now = 0
    settling = new SettlingCreations({ quietMs: 1000, maxMs: 5000, now: () => now })
    const sent: string[] = []
    settling.hold('vm', () => sent.push('created'))
    now = 5000
    settling.changed('vm') // no quiet time left: the creation goes out on the next turn
    return waitFor(() => sent.length === 1, { timeoutMs: 500 })
  })
})
