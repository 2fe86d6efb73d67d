import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { CleanupScope } from '../../../src/common/cleanup-scope'

describe('CleanupScope: what a node set up is undone when it closes', () => {
  it('removes its listeners, and only its own, from the emitters it shares', async () => {
    const shared = new EventEmitter()
    const other = () => {}
    shared.on('state', other)
    const scope = new CleanupScope()
    const seen: string[] = []
    scope.on(shared, 'state', (state: string) => seen.push(state))
    scope.on(shared, 'role', () => seen.push('role'))
    shared.emit('state', 'up')
    await scope.close()
    shared.emit('state', 'down')
    shared.emit('role')
    assert.deepEqual(seen, ['up'])
    assert.deepEqual(shared.listeners('state'), [other])
    assert.equal(shared.listenerCount('role'), 0)
  })

  it('clears its timers: a timeout that ran is forgotten, one pending never runs, an interval stops', async () => {
    const scope = new CleanupScope()
    const ran: string[] = []
    await new Promise<void>((resolve) => scope.timeout(() => (ran.push('early'), resolve()), 1))
    scope.timeout(() => ran.push('late'), 20)
    let ticks = 0
    scope.interval(() => ticks++, 5)
    await scope.close()
    const after = ticks
    await new Promise((resolve) => setTimeout(resolve, 40))
    assert.deepEqual(ran, ['early'])
    assert.equal(ticks, after, 'the interval went on')
  })

  it('undoes last first, awaits each, tells whether the node was removed, and runs them all when one fails', async () => {
    const scope = new CleanupScope()
    const order: string[] = []
    scope.defer(async (removed) => {
      await new Promise((resolve) => setImmediate(resolve))
      order.push(`first ${removed}`)
    })
    scope.defer(() => {
      throw new Error('broken')
    })
    scope.defer(() => order.push('last'))
    await assert.rejects(scope.close(true), /broken/)
    assert.deepEqual(order, ['last', 'first true'])
    // Closed: nothing is run twice, nothing more can be added.
    await scope.close()
    assert.deepEqual(order, ['last', 'first true'])
    assert.throws(() => scope.defer(() => {}), /closed/)
    assert.throws(() => scope.on(new EventEmitter(), 'x', () => {}), /closed/)
  })
})
