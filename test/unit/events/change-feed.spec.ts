import assert from 'node:assert/strict'
import type { ObjectChange } from '../../../src/events/change'
import { ChangeFeed } from '../../../src/events/change-feed'
import { storeOn, vm } from '../../support/fake-xo-connection'
import { waitForEvent } from '../../support/node-red'

describe('change feed', () => {
  it('gives a change to every node even when one of them throws, and says so', async () => {
    const { connection, store } = storeOn(['VM'])
    const warnings: string[] = []
    const feed = new ChangeFeed(store, (w) => warnings.push(w))
    connection.loads[0].answer([vm('a')])
    await waitForEvent(store, 'loaded')
    const got: ObjectChange[] = []
    feed.on('change', () => {
      throw new Error('node one is broken')
    })
    feed.on('change', (change) => got.push(change))
    connection.notify('enter', { a: vm('a', { name_label: 'renamed' }) })
    assert.equal(got.length, 1)
    assert.match(warnings[0], /node one is broken/)
    feed.stop()
  })
})
