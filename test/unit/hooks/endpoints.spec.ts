import assert from 'node:assert/strict'
import { Endpoints } from '../../../src/hooks/endpoints'

describe('hook endpoints during a redeploy', () => {
  it('hands a delivery for a redeployed node to its successor, and none for a removed or unknown one', async () => {
    const endpoints = new Endpoints<string>(2000)
    endpoints.set('a', 'first')
    endpoints.delete('a', true)
    const waiting = endpoints.get('a')
    endpoints.set('a', 'second')
    assert.equal(await waiting, 'second')
    endpoints.delete('a', false)
    assert.equal(await endpoints.get('a'), undefined)
    assert.equal(await endpoints.get('nobody'), undefined)
  })

  it('gives up after the grace period when the node does not come back', async () => {
    let now = 0
    const endpoints = new Endpoints<string>(50, () => now)
    endpoints.delete('a', true)
    const started = Date.now()
    assert.equal(await endpoints.get('a'), undefined)
    assert.ok(Date.now() - started >= 40)
    now = 100
    assert.equal(await endpoints.get('a'), undefined)
  })
})
