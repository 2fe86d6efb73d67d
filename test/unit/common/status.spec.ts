import assert from 'node:assert/strict'
import { coalesced, connectionStatus } from '../../../src/common/status'
import type { XoConnectionState } from '../../../src/xo/connection'

const t = (key: string, subs?: Record<string, string | number>) => `${key}${subs ? JSON.stringify(subs) : ''}`
const user = { id: 'u1', email: 'admin@admin.net', groups: [], permission: 'admin', preferences: {} }

describe('connectionStatus', () => {
  const cases: Array<[XoConnectionState, string, string, string]> = [
    [{ status: 'idle' }, 'grey', 'ring', 'status.idle'],
    [{ status: 'connecting', attempt: 0 }, 'yellow', 'ring', 'status.connecting'],
    [{ status: 'connecting', attempt: 3 }, 'yellow', 'ring', 'status.reconnecting{"attempt":3}'],
    [
      { status: 'connected', user, serverVersion: '5.207.2' },
      'green',
      'dot',
      'status.connected{"user":"admin@admin.net","version":"5.207.2"}',
    ],
    [{ status: 'auth-failed', reason: 'invalid credentials', retryInMs: 1 }, 'red', 'ring', 'status.authFailed'],
    [
      { status: 'unreachable', reason: 'connection refused', retryInMs: 1 },
      'red',
      'ring',
      'status.unreachable{"reason":"connection refused"}',
    ],
    [{ status: 'closed' }, 'grey', 'ring', 'status.closed'],
  ]
  for (const [state, fill, shape, text] of cases) {
    it(`shows ${state.status}`, () => assert.deepEqual(connectionStatus(state, t), { fill, shape, text }))
  }
})

describe('coalesced', () => {
  it('shows once for a burst, a little after its first call; and nothing once closed', async () => {
    let shown = 0
    const status = coalesced(() => shown++, 20)
    for (let i = 0; i < 100; i++) status.run()
    assert.equal(shown, 0, 'not at each call')
    await new Promise((resolve) => setTimeout(resolve, 60))
    assert.equal(shown, 1)
    status.run()
    status.close()
    await new Promise((resolve) => setTimeout(resolve, 60))
    assert.equal(shown, 1, 'a closed node shows nothing more')
  })
})
