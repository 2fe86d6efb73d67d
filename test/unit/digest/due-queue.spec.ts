import assert from 'node:assert/strict'
import { DueQueue } from '../../../src/digest/due-queue'
import { FakeClock } from '../../support/digest-messages'

describe('DueQueue: groups due, behind one timer', () => {
  it('calls each entry at its time, earliest first, with one timer set at a time', () => {
    const clock = new FakeClock()
    const start = clock.now()
    const fired: Array<[string, number, number]> = []
    const queue = new DueQueue(clock, (key, at) => fired.push([key, at, clock.now()]))
    // A fixed shuffle of 200 due times, some equal.
    const dues = Array.from({ length: 200 }, (_, i) => ((i * 7919) % 101) * 1000)
    dues.forEach((due, i) => {
      queue.schedule(`g${i}`, start + due)
      assert.equal(clock.pending, 1)
    })
    clock.advance(50_000)
    assert.equal(fired.length, dues.filter((d) => d <= 50_000).length)
    clock.advance(60_000)
    assert.equal(fired.length, 200)
    assert.ok(fired.every(([, at, now], i) => now === at && (i === 0 || fired[i - 1][1] <= at)))
    assert.equal(clock.pending, 0)
  })

  it('fires nothing while held, everything overdue once released', () => {
    const clock = new FakeClock()
    const fired: string[] = []
    const queue = new DueQueue(clock, (key) => fired.push(key))
    queue.schedule('a', clock.now() + 1000)
    queue.hold()
    queue.schedule('b', clock.now() + 500)
    assert.equal(clock.pending, 0)
    clock.advance(5000)
    assert.deepEqual(fired, [])
    queue.release()
    clock.advance(0)
    assert.deepEqual(fired, ['b', 'a'])
  })

  it('re-arms for an entry earlier than the one armed', () => {
    const clock = new FakeClock()
    const fired: string[] = []
    const queue = new DueQueue(clock, (key) => fired.push(key))
    queue.schedule('late', clock.now() + 10_000)
    queue.schedule('early', clock.now() + 1000)
    assert.equal(clock.pending, 1)
    clock.advance(1000)
    assert.deepEqual(fired, ['early'])
  })
})
