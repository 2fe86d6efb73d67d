import assert from 'node:assert/strict'
import type { ObjectStore } from '../../../src/xo/object-store'
import { storeOn, vm } from '../../support/fake-xo-connection'
import { waitFor, waitForEvent } from '../../support/node-red'

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('object store', () => {
  it('drops a load that was on its way when it was stopped', async () => {
    const { connection, store } = storeOn(['VM'])
    assert.equal(connection.loads.length, 1)
    let loaded = false
    store.on('loaded', () => (loaded = true))
    store.stop()
    connection.loads[0].answer([vm('a')])
    await tick()
    assert.equal(store.size, 0)
    assert.equal(store.loaded, false)
    assert.equal(loaded, false)
  })

  it('loads again for types asked for while a load was on its way', async () => {
    const { connection, store } = storeOn(['VM'])
    store.addTypes(['host'])
    connection.loads[0].answer([vm('a'), { id: 'h', type: 'host' }])
    await waitForEvent(store, 'loaded')
    assert.equal(store.get('h'), undefined, 'the first snapshot was asked without hosts')
    assert.equal(connection.loads.length, 2, 'a second snapshot is asked for')
    connection.loads[1].answer([vm('a'), { id: 'h', type: 'host' }])
    await waitForEvent(store, 'loaded')
    assert.equal(store.get('h')?.type, 'host')
    assert.ok(store.keeps('host'))
  })

  it('downloads nothing while nobody wants any object', async () => {
    const { connection, store } = storeOn([])
    await tick()
    assert.equal(connection.loads.length, 0)
    assert.equal(store.loaded, true)
  })

  it('keeps going when a listener throws during a load: notifications that came meanwhile are applied, loaded comes', async () => {
    const { connection, store, warnings } = storeOn(['VM'])
    connection.loads[0].answer([vm('a')])
    await waitForEvent(store, 'loaded')
    // XO goes away and comes back: a second load, with changes during it
    connection.emit('connected', { resumed: true })
    store.on('enter', () => {
      throw new Error('a broken listener')
    })
    const seen: string[] = []
    store.on('enter', (o) => seen.push(o.id))
    connection.notify('enter', { b: vm('b') })
    connection.loads[1].answer([vm('a', { power_state: 'Running' })])
    await waitForEvent(store, 'loaded')
    assert.equal(store.get('a')?.power_state, 'Running')
    assert.equal(store.get('b')?.type, 'VM', 'the notification buffered during the load was applied')
    assert.deepEqual(seen, ['a', 'b'], 'the other listener heard every change')
    assert.ok(warnings.length >= 2 && warnings.every((w) => /a broken listener/.test(w)), JSON.stringify(warnings))
  })

  it('waits until an object shows what a call did, or for its next change, or gives what it has', async () => {
    const { connection, store } = storeOn(['VM'])
    connection.loads[0].answer([vm('a')])
    await waitForEvent(store, 'loaded')
    const running = store.until('a', (o) => o?.power_state === 'Running', 1000)
    connection.notify('enter', { a: vm('a', { power_state: 'Running' }) })
    assert.equal((await running)?.power_state, 'Running')
    const gone = store.until('a', (o) => o === undefined, 1000)
    connection.notify('exit', { a: 0 })
    assert.equal(await gone, undefined)
    const next = store.nextChange('b', 1000)
    connection.notify('enter', { b: vm('b') })
    assert.equal((await next)?.id, 'b')
    assert.equal((await store.nextChange('b', 20))?.id, 'b', 'no change: what it has, after the bound')
  })
})

describe('object store against an XO that answers badly', () => {
  const stores: ObjectStore[] = []
  afterEach(() => stores.splice(0).forEach((store) => store.stop()))
  const open = (types: string[]) => {
    const opened = storeOn(types, { retry: { initialMs: 20, maxMs: 40 } })
    stores.push(opened.store)
    const errors: string[] = []
    opened.store.on('error', (error) => errors.push(error.message))
    return { ...opened, errors }
  }
  const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length

  it('loads again after a load that failed, and leaves no retry behind once stopped', async () => {
    const { connection, store, errors } = open(['VM'])
    connection.loads[0].fail(new Error('XO is busy'))
    await waitFor(() => connection.loads.length === 2, { timeoutMs: 2000, what: 'a second load' })
    assert.match(errors[0], /^XO is busy \(trying again in 1 s\)$/)
    assert.deepEqual(connection.badFrames, [], 'a failed call is no bad frame')
    connection.loads[1].answer([vm('a')])
    await waitForEvent(store, 'loaded')
    assert.equal(store.get('a')?.type, 'VM')
    // Failing again: the retry is armed, and stopping the store disarms it.
    connection.emit('connected', { resumed: true })
    const failed = waitForEvent(store, 'error')
    connection.loads[2].fail(new Error('XO is busy'))
    // Heard as it is said, before any timer can run: the retry is armed and has not fired.
    await failed
    assert.equal(connection.loads.length, 3)
    const armed = timeouts()
    store.stop()
    assert.equal(timeouts(), armed - 1, 'the retry timer is cleared')
  })

  it('says an answer that is no inventory as a bad frame of XO, and loads the next one', async () => {
    const { connection, store, errors } = open(['VM'])
    connection.loads[0].reply(null)
    await waitFor(() => connection.loads.length === 2, { timeoutMs: 2000, what: 'a second load' })
    assert.deepEqual(connection.badFrames, ['an answer to xo.getAllObjects that is null, not objects'])
    assert.match(errors[0], /that is null, not objects \(trying again in 1 s\)/)
    connection.loads[1].reply({ $getFrom: 'http://elsewhere.invalid/objects' })
    await waitFor(() => connection.loads.length === 3, { timeoutMs: 2000, what: 'a third load' })
    assert.match(
      connection.badFrames[1],
      /whose \$getFrom is a string \("http:\/\/elsewhere\.invalid\/objects"\), not a path/,
    )
    connection.loads[2].answer([vm('a')])
    await waitForEvent(store, 'loaded')
    assert.equal(store.size, 1)
  })

  it('keeps the objects of an inventory and says the malformed ones once, as one bad frame', async () => {
    const { connection, store } = open(['VM'])
    connection.loads[0].reply({
      a: vm('a'),
      b: null,
      c: { id: 'c' },
      d: vm('d', { power_state: 5 }),
      e: { type: 'VM' },
    })
    await waitForEvent(store, 'loaded')
    assert.deepEqual(
      [...store.values()].map((o) => o.id),
      ['a'],
    )
    assert.deepEqual(connection.badFrames, [
      '4 malformed object(s) in its inventory, left out: null instead of an object',
    ])
  })
})
