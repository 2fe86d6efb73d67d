import assert from 'node:assert/strict'
import {
  compileServerSettings,
  deriveSecret,
  hookAddresses,
  leaseMs,
  nodeRoot,
  ownUrl,
  sharedLock,
} from '../../../src/node-red/server-parts'
import type { Coordinator } from '../../../src/coordination/coordinator'
import type { XoConnection } from '../../../src/xo/connection'

describe('xo-server parts', () => {
  describe('compileServerSettings', () => {
    it('gives the connection, listener and shared store of a complete configuration', () => {
      const s = compileServerSettings(
        { url: 'https://xo.lan', receiveOn: 'listener', listenPort: 1890, redisUrl: 'redis://redis.lan' },
        { token: 'tok' },
      )
      assert.equal(s.configError, undefined)
      assert.equal(s.options?.url, 'https://xo.lan')
      assert.equal(s.listening?.port, 1890)
      assert.ok(s.sharing)
      assert.equal(s.simulated, false)
    })

    it('gives nothing to connect with when any part is wrong, and the first thing wrong', () => {
      const noToken = compileServerSettings({ url: 'https://xo.lan' }, {})
      assert.deepEqual([noToken.configError, noToken.options], ['no authentication token', undefined])
      const badPort = compileServerSettings(
        { url: 'https://xo.lan', receiveOn: 'listener', listenPort: 'x' },
        { token: 'tok' },
      )
      assert.deepEqual(
        [badPort.configError, badPort.options, badPort.listening],
        ['listener port must be a number from 1 to 65535', undefined, undefined],
      )
      const badRedis = compileServerSettings({ url: 'https://xo.lan', redisUrl: 'http://redis.lan' }, { token: 'tok' })
      assert.ok(badRedis.configError)
      assert.deepEqual([badRedis.options, badRedis.sharing], [undefined, undefined])
    })

    it('knows the simulated XO, even when another part is wrong', () => {
      assert.equal(compileServerSettings({ source: 'simulated' }, undefined).simulated, true)
      assert.equal(
        compileServerSettings({ source: 'simulated', receiveOn: 'listener', listenPort: 0 }, undefined).simulated,
        true,
      )
    })
  })

  it('says where Node-RED is for a client on the same machine', () => {
    assert.equal(ownUrl({}), 'http://127.0.0.1:1880')
    assert.equal(ownUrl({ uiHost: '0.0.0.0', uiPort: 1999, https: {} }), 'https://127.0.0.1:1999')
    assert.equal(ownUrl({ uiHost: '::1', uiPort: 1880 }), 'http://[::1]:1880')
    assert.equal(ownUrl({ uiHost: 'nr.lan' }), 'http://nr.lan:1880')
    assert.equal(nodeRoot({}), '/')
    assert.equal(nodeRoot({ httpNodeRoot: '/api/' }), '/api/')
    assert.equal(nodeRoot({ httpNodeRoot: 'api' }), '/api/')
  })

  it('tells where XO sends its deliveries: as configured, the listener, Node-RED beside the simulated XO, or nowhere', () => {
    const settings = { httpNodeRoot: '/red', uiPort: 1881 }
    assert.deepEqual(hookAddresses({ configured: ' http://nr.lan:1880// ', simulated: false, settings }), {
      hookBaseUrl: 'http://nr.lan:1880',
      hookPrefix: 'http://nr.lan:1880/red/xo-hook/',
    })
    assert.deepEqual(hookAddresses({ listenerUrl: 'http://127.0.0.1:1890', simulated: true, settings }), {
      hookBaseUrl: 'http://127.0.0.1:1890',
      hookPrefix: 'http://127.0.0.1:1890/xo-hook/',
    })
    assert.deepEqual(hookAddresses({ configured: '', simulated: true, settings }), {
      hookBaseUrl: 'http://127.0.0.1:1881',
      hookPrefix: 'http://127.0.0.1:1881/red/xo-hook/',
    })
    assert.deepEqual(hookAddresses({ simulated: false, settings }), { hookBaseUrl: undefined, hookPrefix: undefined })
  })

  it('reads the lease time, at least 2 s', () => {
    assert.equal(leaseMs({}), 10_000)
    assert.equal(leaseMs({ xoLeaseSeconds: 4 }), 4000)
    assert.equal(leaseMs({ xoLeaseSeconds: 1 }), 10_000)
    assert.equal(leaseMs({ xoLeaseSeconds: 'x' }), 10_000)
  })

  it('derives a stable secret from the token or the password, none without', () => {
    const a = deriveSecret({ token: 'tok' }, 'hooks')
    assert.equal(a, deriveSecret({ token: 'tok' }, 'hooks'))
    assert.notEqual(a, deriveSecret({ token: 'tok' }, 'other'))
    assert.notEqual(a, deriveSecret({ token: 'tok2' }, 'hooks'))
    assert.ok(!a!.includes('tok'))
    assert.ok(deriveSecret({ email: 'a@b', password: 'pw' }, 'hooks'))
    assert.notEqual(
      deriveSecret({ email: 'a@b', password: 'pw' }, 'hooks'),
      deriveSecret({ email: 'c@d', password: 'pw' }, 'hooks'),
    )
    assert.equal(deriveSecret({ email: 'a@b' }, 'hooks'), undefined)
    assert.equal(deriveSecret(undefined, 'hooks'), undefined)
  })

  it('takes the web-hooks lock of the XO when a Redis is shared', async () => {
    const locked: string[] = []
    const coordinator = {
      withWebHooksLock: async <T>(xo: string, work: () => Promise<T>) => (locked.push(xo), work()),
    } as unknown as Coordinator
    const connection = { endpoint: { wsUrl: 'wss://xo.lan/api/' } } as unknown as XoConnection
    assert.deepEqual(sharedLock(undefined, connection), {})
    assert.equal(await sharedLock(coordinator, connection).lock!(async () => 42), 42)
    assert.deepEqual(locked, ['wss://xo.lan/api/'])
  })
})
