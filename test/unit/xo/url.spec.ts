import assert from 'node:assert/strict'
import { parseXoUrl } from '../../../src/xo/url'

describe('parseXoUrl', () => {
  const cases: Array<[string, string, string]> = [
    ['https://xo.example.net', 'wss://xo.example.net/api/', 'https://xo.example.net'],
    ['https://xo.example.net/', 'wss://xo.example.net/api/', 'https://xo.example.net'],
    ['http://127.0.0.1:8080', 'ws://127.0.0.1:8080/api/', 'http://127.0.0.1:8080'],
    ['ws://127.0.0.1:8080/api/', 'ws://127.0.0.1:8080/api/', 'http://127.0.0.1:8080'],
    ['wss://xo.example.net/api', 'wss://xo.example.net/api/', 'https://xo.example.net'],
    ['xo.example.net', 'wss://xo.example.net/api/', 'https://xo.example.net'],
    ['https://proxy.example.net/xo/', 'wss://proxy.example.net/xo/api/', 'https://proxy.example.net/xo'],
    ['  HTTPS://XO.example.net:8443/api/  ', 'wss://xo.example.net:8443/api/', 'https://xo.example.net:8443'],
  ]
  for (const [input, wsUrl, httpBase] of cases) {
    it(`maps ${JSON.stringify(input)} to ${wsUrl}`, () => {
      const endpoint = parseXoUrl(input)
      assert.equal(endpoint.wsUrl, wsUrl)
      assert.equal(endpoint.httpBase, httpBase)
      assert.equal(endpoint.secure, wsUrl.startsWith('wss'))
    })
  }

  it('refuses what is not an XO address', () => {
    assert.throws(() => parseXoUrl(''), /empty/)
    assert.throws(() => parseXoUrl('ftp://xo'), /http, https, ws or wss/)
    assert.throws(() => parseXoUrl('https://admin:pw@xo'), /credentials/)
    assert.throws(() => parseXoUrl('https://'), /not a valid URL/)
  })
})
