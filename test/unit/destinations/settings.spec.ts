import assert from 'node:assert/strict'
import { parseSubnets, secretOf } from '../../../src/destinations/settings'

describe('destination settings', () => {
  it("reads Kea's subnets as JSON or as name=id pairs, ignoring pairs without an id", () => {
    assert.deepEqual(parseSubnets('{"DMZ": 2, "net-1": 1}'), { DMZ: 2, 'net-1': 1 })
    assert.deepEqual(parseSubnets(' DMZ=2, Pool-wide network = 1 , broken, x=y'), { DMZ: 2, 'Pool-wide network': 1 })
    assert.deepEqual(parseSubnets({ DMZ: 3 }), { DMZ: 3 })
    assert.deepEqual(parseSubnets(''), {})
    assert.deepEqual(parseSubnets(undefined), {})
    assert.throws(() => parseSubnets('{"DMZ": '))
  })

  it('takes the credential, else the environment variable the node names (trimmed), else nothing', () => {
    process.env.XO_TEST_SECRET = 'from-env'
    try {
      assert.equal(secretOf('own', 'XO_TEST_SECRET'), 'own')
      assert.equal(secretOf(undefined, ' XO_TEST_SECRET '), 'from-env')
      assert.equal(secretOf(undefined, 'XO_TEST_UNSET'), undefined)
      assert.equal(secretOf('', '  '), undefined)
    } finally {
      delete process.env.XO_TEST_SECRET
    }
  })
})
