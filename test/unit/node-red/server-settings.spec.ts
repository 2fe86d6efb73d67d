import assert from 'node:assert/strict'
import { connectionOptions, coordinationSettings } from '../../../src/node-red/server-settings'

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
    const options = connectionOptions(
      { url: 'xo', authMethod: 'password', allowSelfSigned: true, ca: PEM },
      { email: 'a@b', password: 'p', token: 'ignored' },
    )
    assert.deepEqual(options, {
      url: 'xo',
      credentials: { email: 'a@b', password: 'p' },
      allowSelfSigned: true,
      ca: PEM,
    })
  })

  it('says what is missing', () => {
    assert.deepEqual(connectionOptions({}, {}), { error: 'no XO URL' })
    assert.deepEqual(connectionOptions({ url: 'https://xo' }, undefined), { error: 'no authentication token' })
    assert.deepEqual(connectionOptions({ url: 'https://xo', authMethod: 'password' }, { email: 'a@b' }), {
      error: 'no e-mail or password',
    })
    assert.deepEqual(connectionOptions({ url: 'ftp://xo' }, { token: 'T' }), {
      error: 'XO URL must use http, https, ws or wss, not ftp',
    })
    assert.deepEqual(connectionOptions({ url: 'https://xo', ca: 'not a pem' }, { token: 'T' }), {
      error: 'trusted CA is not a PEM certificate',
    })
  })
})

describe('coordinationSettings', () => {
  it('is none without a Redis URL, and takes the password from its credential only', () => {
    assert.equal(coordinationSettings({}, undefined), undefined)
    assert.deepEqual(coordinationSettings({ redisUrl: ' redis://redis.lan:6379/2 ' }, { redisPassword: 's3cret' }), {
      url: 'redis://redis.lan:6379/2',
      password: 's3cret',
    })
    assert.deepEqual(coordinationSettings({ redisUrl: 'redis://redis.lan' }, {}), { url: 'redis://redis.lan' })
  })

  it('takes a CA for rediss:// only, as PEM', () => {
    const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'
    assert.deepEqual(coordinationSettings({ redisUrl: 'rediss://redis.lan:6380', redisCa: ca }, undefined), {
      url: 'rediss://redis.lan:6380',
      ca,
    })
    assert.match(
      (coordinationSettings({ redisUrl: 'redis://redis.lan', redisCa: ca }, undefined) as { error: string }).error,
      /rediss:\/\//,
    )
    assert.match(
      (coordinationSettings({ redisUrl: 'rediss://redis.lan', redisCa: 'not a pem' }, undefined) as { error: string })
        .error,
      /PEM/,
    )
  })

  it('refuses what is not a Redis URL, and a password written in the URL (it would land in the flow file)', () => {
    assert.match(
      (coordinationSettings({ redisUrl: 'http://redis.lan' }, undefined) as { error: string }).error,
      /redis:\/\/ or rediss:\/\//,
    )
    const broken = (coordinationSettings({ redisUrl: 'redis ://user:hunter2@lan' }, undefined) as { error: string })
      .error
    assert.match(broken, /not a URL/)
    assert.doesNotMatch(broken, /hunter2/)
    assert.match(
      (coordinationSettings({ redisUrl: 'redis://:hunter2@redis.lan' }, undefined) as { error: string }).error,
      /password in its own field/,
    )
  })
})

describe('coordinationSettings with Redis Sentinel', () => {
  const sentinel = {
    redisMode: 'sentinel' as const,
    redisSentinels: '10.0.0.1:26379, 10.0.0.2:26380 redis-s3',
    redisMasterName: ' mymaster ',
  }
  const error = (settings: unknown) => (settings as { error: string }).error

  it('takes the sentinels, the master name and both passwords from their credentials, and waits for one replica by default', () => {
    assert.deepEqual(
      coordinationSettings(sentinel, { redisPassword: 'master-secret', redisSentinelPassword: 'sentinel-secret' }),
      {
        sentinel: {
          nodes: [
            { host: '10.0.0.1', port: 26379 },
            { host: '10.0.0.2', port: 26380 },
            { host: 'redis-s3', port: 26379 },
          ],
          masterName: 'mymaster',
          tls: false,
          password: 'sentinel-secret',
        },
        password: 'master-secret',
        replicas: 1,
      },
    )
    assert.deepEqual(
      coordinationSettings(
        { ...sentinel, redisSentinels: '[fd00::1]:26379,[fd00::1]:26379', redisReplicas: '0' },
        undefined,
      ),
      {
        sentinel: { nodes: [{ host: 'fd00::1', port: 26379 }], masterName: 'mymaster', tls: false },
        replicas: 0,
      },
    )
  })

  it('takes TLS, with a CA only when TLS is on', () => {
    assert.deepEqual(coordinationSettings({ ...sentinel, redisTls: true, redisCa: PEM, redisReplicas: 2 }, undefined), {
      sentinel: {
        nodes: [
          { host: '10.0.0.1', port: 26379 },
          { host: '10.0.0.2', port: 26380 },
          { host: 'redis-s3', port: 26379 },
        ],
        masterName: 'mymaster',
        tls: true,
      },
      ca: PEM,
      replicas: 2,
    })
    assert.equal(error(coordinationSettings({ ...sentinel, redisCa: PEM }, undefined)), 'a CA for Redis needs TLS')
    assert.match(error(coordinationSettings({ ...sentinel, redisTls: true, redisCa: 'not a pem' }, undefined)), /PEM/)
  })

  it('says what is missing or wrong in the Sentinel setup', () => {
    assert.match(error(coordinationSettings({ ...sentinel, redisSentinels: ' , ' }, undefined)), /no sentinel address/)
    assert.match(
      error(coordinationSettings({ ...sentinel, redisSentinels: '10.0.0.1:26379, 10.0.0.2:99999' }, undefined)),
      /10\.0\.0\.2:99999 is not host:port/,
    )
    assert.match(
      error(coordinationSettings({ ...sentinel, redisSentinels: 'redis://10.0.0.1:26379' }, undefined)),
      /is not host:port/,
    )
    assert.match(error(coordinationSettings({ ...sentinel, redisMasterName: '' }, undefined)), /no master name/)
    assert.match(error(coordinationSettings({ ...sentinel, redisMasterName: 'my master' }, undefined)), /no spaces/)
    assert.match(error(coordinationSettings({ ...sentinel, redisReplicas: '-1' }, undefined)), /from 0 to 5/)
    assert.match(error(coordinationSettings({ ...sentinel, redisReplicas: 'one' }, undefined)), /from 0 to 5/)
  })

  it('follows the kind chosen: none ignores a URL left in its field; a node saved before the choice existed keeps its URL', () => {
    assert.equal(coordinationSettings({ redisMode: 'none', redisUrl: 'redis://redis.lan' }, undefined), undefined)
    assert.deepEqual(
      coordinationSettings({ redisMode: 'url', redisUrl: 'redis://redis.lan', redisSentinels: 'ignored:1' }, undefined),
      { url: 'redis://redis.lan' },
    )
    assert.deepEqual(coordinationSettings({ redisUrl: 'redis://redis.lan', redisReplicas: '1' }, undefined), {
      url: 'redis://redis.lan',
      replicas: 1,
    })
    assert.match(
      error(coordinationSettings({ redisMode: 'cluster' as 'url', redisUrl: 'redis://redis.lan' }, undefined)),
      /unknown shared store kind/,
    )
  })
})
