import assert from 'node:assert/strict'
import { connectionOptions } from '../../src/node-red/server-settings'

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
