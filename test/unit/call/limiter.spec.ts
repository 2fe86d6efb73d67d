import assert from 'node:assert/strict'
import { CallLimiter, QueueFullError } from '../../../src/call/limiter'

describe('call limiter', () => {
  it('runs at most N at once, queues the rest in order, and refuses beyond the queue', async () => {
    const limiter = new CallLimiter(2, 1)
    const gates: Array<() => void> = []
    const started: number[] = []
    const task = (i: number) => () => new Promise<number>((resolve) => (started.push(i), gates.push(() => resolve(i))))
    const results = [limiter.run(task(1)), limiter.run(task(2)), limiter.run(task(3))]
    await assert.rejects(limiter.run(task(4)), QueueFullError)
    assert.deepEqual(started, [1, 2])
    assert.equal(limiter.queued, 1)
    gates[0]()
    await results[0]
    await new Promise((r) => setImmediate(r))
    assert.deepEqual(started, [1, 2, 3])
    gates[1]()
    gates[2]()
    assert.deepEqual(await Promise.all(results), [1, 2, 3])
  })

  it('refuses what waits when cleared', async () => {
    const limiter = new CallLimiter(1, 5)
    const first = limiter.run(() => new Promise<void>(() => {}))
    const second = limiter.run(async () => 2)
    limiter.clear(new Error('closing'))
    await assert.rejects(second, /closing/)
    void first
  })
})
