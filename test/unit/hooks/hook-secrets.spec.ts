import assert from 'node:assert/strict'
import { FORMER_SECRET_GRACE_MS, receivingOptions, RetiredSecrets } from '../../../src/hooks/hook-secrets'
import { secretDigest } from '../../../src/hooks/receiver'

describe('the secrets an xo-hook node accepts', () => {
  it("accepts its predecessor's secret for a while after a redeploy, not after a deletion", () => {
    let now = 1000
    const retired = new RetiredSecrets(FORMER_SECRET_GRACE_MS, () => now)
    const old = secretDigest('old')
    assert.equal(retired.former('n1', secretDigest('new')), undefined)
    retired.closed('n1', old, false)
    assert.deepEqual(retired.former('n1', secretDigest('new')), { secret: old, until: 1000 + FORMER_SECRET_GRACE_MS })
    // The same secret again: nothing more to accept.
    assert.equal(retired.former('n1', old), undefined)
    now = 2000
    retired.closed('n1', old, true)
    assert.equal(retired.former('n1', secretDigest('new')), undefined)
  })

  it("needs both the node's allow-list and its listener's, and takes the former secret", () => {
    const retired = new RetiredSecrets()
    retired.closed('n1', secretDigest('old'), false)
    const only = (allowed: string) => (address: string) => address === allowed || address === 'both'
    const receiving = receivingOptions('new', {
      maxBytes: 5,
      allowFrom: only('a'),
      listenerAllows: only('b'),
      retired,
      nodeId: 'n1',
    })
    assert.ok(receiving.secret.equals(secretDigest('new')))
    assert.equal(receiving.maxBytes, 5)
    assert.ok(receiving.former?.secret.equals(secretDigest('old')))
    assert.deepEqual(
      ['a', 'b', 'both'].map((address) => receiving.allowFrom?.(address)),
      [false, false, true],
    )
    const one = receivingOptions('new', {
      maxBytes: 5,
      allowFrom: undefined,
      listenerAllows: only('b'),
      retired,
      nodeId: 'n2',
    })
    assert.deepEqual(
      ['a', 'b'].map((address) => one.allowFrom?.(address)),
      [false, true],
    )
    assert.equal(one.former, undefined)
    assert.equal(
      receivingOptions('new', { maxBytes: 5, allowFrom: undefined, listenerAllows: undefined, retired, nodeId: 'n2' })
        .allowFrom,
      undefined,
    )
  })
})
