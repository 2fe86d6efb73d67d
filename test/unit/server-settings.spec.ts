import assert from 'node:assert/strict'
import { connectionOptions, coordinationSettings } from '../../src/node-red/server-settings'

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'

describe('connectionOptions', () => {
  it('uses the token by default', () => {
    assert.deepEqual(connectionOptions({ url: 'https://xo' }, { token: 'T' }), {
      url: 'https://xo',
      credentials: { token: 'T' },
      allowSelfSigned: false,
    })
  })

  it('uses e-mail and password when asked to', () => {
    const options = connectionOptions({ url: 'xo', authMethod: 'password', allowSelfSigned: true, ca: PEM }, { email: 'a@b', password: 'p', token: 'ignored' })
    assert.deepEqual(options, { url: 'xo', credentials: { email: 'a@b', password: 'p' }, allowSelfSigned: true, ca: PEM })
  })

  it('says what is missing', () => {
    assert.deepEqual(connectionOptions({}, {}), { error: 'no XO URL' })
    assert.deepEqual(connectionOptions({ url: 'https://xo' }, undefined), { error: 'no authentication token' })
    assert.deepEqual(connectionOptions({ url: 'https://xo', authMethod: 'password' }, { email: 'a@b' }), { error: 'no e-mail or password' })
    assert.deepEqual(connectionOptions({ url: 'ftp://xo' }, { token: 'T' }), { error: 'XO URL must use http, https, ws or wss, not ftp' })
    assert.deepEqual(connectionOptions({ url: 'https://xo', ca: 'not a pem' }, { token: 'T' }), { error: 'trusted CA is not a PEM certificate' })
  })
})

describe('coordinationSettings', () => {
  it('is none without a Redis URL, and takes the password from its credential only', () => {
    assert.equal(coordinationSettings({}, undefined), undefined)
    assert.deepEqual(coordinationSettings({ redisUrl: ' redis://redis.lan:6379/2 ' }, { redisPassword: 's3cret' }), { url: 'redis://redis.lan:6379/2', password: 's3cret' })
    assert.deepEqual(coordinationSettings({ redisUrl: 'redis://redis.lan' }, {}), { url: 'redis://redis.lan' })
  })

  it('takes a CA for rediss:// only, as PEM', () => {
    const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'
    assert.deepEqual(coordinationSettings({ redisUrl: 'rediss://redis.lan:6380', redisCa: ca }, undefined), { url: 'rediss://redis.lan:6380', ca })
    assert.match((coordinationSettings({ redisUrl: 'redis://redis.lan', redisCa: ca }, undefined) as { error: string }).error, /rediss:\/\//)
    assert.match((coordinationSettings({ redisUrl: 'rediss://redis.lan', redisCa: 'not a pem' }, undefined) as { error: string }).error, /PEM/)
  })

  it('refuses what is not a Redis URL, and a password written in the URL (it would land in the flow file)', () => {
    assert.match((coordinationSettings({ redisUrl: 'http://redis.lan' }, undefined) as { error: string }).error, /redis:\/\/ or rediss:\/\//)
    const broken = (coordinationSettings({ redisUrl: 'redis ://user:hunter2@lan' }, undefined) as { error: string }).error
    assert.match(broken, /not a URL/)
    assert.doesNotMatch(broken, /hunter2/)
    assert.match((coordinationSettings({ redisUrl: 'redis://:hunter2@redis.lan' }, undefined) as { error: string }).error, /password in its own field/)
  })
})
