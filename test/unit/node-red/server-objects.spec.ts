import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { CleanupScope } from '../../../src/common/cleanup-scope'
import { methodCatalogue, ServerObjects } from '../../../src/node-red/server-objects'
import type { XoConnection } from '../../../src/xo/connection'

/** A connection answering `system.getMethodsInfo` with what `answer` gives, counting the calls. */
function fakeConnection(answer: () => Promise<unknown>) {
  const emitter = new EventEmitter()
  const calls: string[] = []
  const connection = Object.assign(emitter, {
    call: (method: string) => {
      calls.push(method)
      return answer()
    },
  }) as unknown as XoConnection
  return { connection, emitter, calls }
}

describe('xo-server method catalogue', () => {
  it('is fetched once per sign-in', async () => {
    const fake = fakeConnection(async () => ({ 'vm.start': {} }))
    const scope = new CleanupScope()
    const methods = methodCatalogue(fake.connection, scope, { open: () => true, configError: undefined })
    assert.deepEqual(await methods(), { 'vm.start': {} })
    await methods()
    assert.equal(fake.calls.length, 1)
    fake.emitter.emit('connected', { resumed: true })
    await methods()
    assert.equal(fake.calls.length, 2, 'XO may have been upgraded meanwhile')
    await scope.close()
    assert.equal(fake.emitter.listenerCount('connected'), 0, 'its listener goes with the scope')
  })

  it('is fetched again after a failure', async () => {
    let fail = true
    const fake = fakeConnection(async () => {
      if (fail) throw new Error('not signed in')
      return {}
    })
    const methods = methodCatalogue(fake.connection, new CleanupScope(), { open: () => true, configError: undefined })
    await assert.rejects(methods(), /not signed in/)
    await new Promise((resolve) => setImmediate(resolve))
    fail = false
    assert.deepEqual(await methods(), {})
    assert.equal(fake.calls.length, 2)
  })

  it('fails with the configuration’s problem without a connection, and once the node closed', async () => {
    await assert.rejects(
      methodCatalogue(undefined, new CleanupScope(), { open: () => true, configError: 'no XO URL' })(),
      /^Error: no XO URL$/,
    )
    const fake = fakeConnection(async () => ({}))
    await assert.rejects(
      methodCatalogue(fake.connection, new CleanupScope(), { open: () => false, configError: undefined })(),
      (error: Error) => error.message === '',
    )
    assert.equal(fake.calls.length, 0)
  })
})

describe('xo-server objects', () => {
  it('starts nothing without a connection, nor once the node closed', () => {
    const objects = new ServerObjects(() => undefined, { failed: () => {}, warning: () => {} })
    assert.equal(objects.openStore(['VM']), undefined)
    assert.equal(objects.objectStore(), undefined)
    assert.equal(objects.changeFeed(), undefined)
    objects.stop()
  })

  it('starts one store on first use, widened by the next nodes, with one change feed; stopped with the node', () => {
    const fake = fakeConnection(async () => ({}))
    Object.assign(fake.connection, { isConnected: false })
    const objects = new ServerObjects(() => fake.connection, { failed: () => {}, warning: () => {} })
    assert.equal(objects.changeFeed(), undefined, 'no feed before a store')
    const store = objects.openStore(['VM'])!
    assert.equal(objects.openStore(['host']), store)
    assert.equal(objects.objectStore(), store)
    assert.equal(objects.changeFeed(), objects.changeFeed())
    assert.ok(fake.emitter.listenerCount('notification') > 0)
    objects.stop()
    assert.equal(fake.emitter.listenerCount('notification'), 0)
    assert.equal(fake.emitter.listenerCount('connected'), 0)
  })
})
