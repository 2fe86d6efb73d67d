import assert from 'node:assert/strict'
import { haproxyServerState } from '../../../src/destinations/haproxy'

describe('destinations: HAProxy', () => {
  it('HAProxy Data Plane API: runtime admin state of a server', () => {
    const r = haproxyServerState({
      baseUrl: 'http://lb.example:5555',
      backend: 'web be',
      server: 'web-01',
      state: 'drain',
      user: 'admin',
      password: 'p:w',
    })
    assert.deepEqual(r, {
      url: 'http://lb.example:5555/v3/services/haproxy/runtime/backends/web%20be/servers/web-01',
      method: 'PUT',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Basic ${Buffer.from('admin:p:w').toString('base64')}`,
      },
      payload: '{"admin_state":"drain"}',
    })
    assert.equal(
      haproxyServerState({
        baseUrl: 'http://lb:5555/v3/',
        backend: 'b',
        server: 's',
        state: 'ready',
        user: 'u',
        password: 'p',
      }).url,
      'http://lb:5555/v3/services/haproxy/runtime/backends/b/servers/s',
    )
  })
})
