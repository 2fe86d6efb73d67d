import assert from 'node:assert/strict'
import { listenerLine, serverLog, transitionLine } from '../../../src/node-red/server-log'

const t = (key: string, subs?: Record<string, string | number>) => `${key}${subs ? JSON.stringify(subs) : ''}`
const user = { id: 'u1', email: 'admin@admin.net', groups: [], permission: 'admin', preferences: {} }
const url = 'wss://xo.lan/api/'

describe('xo-server log', () => {
  it('says sign-ins and why XO cannot be reached, never the states a status tells', () => {
    assert.deepEqual(transitionLine({ status: 'connected', user, serverVersion: '5.1' }, url, t), {
      level: 'log',
      text: `log.connected{"url":"${url}","user":"admin@admin.net","version":"5.1"}`,
    })
    assert.deepEqual(
      transitionLine({ status: 'auth-failed', reason: 'invalid credentials', retryInMs: 59_600 }, url, t),
      {
        level: 'warn',
        text: `log.authFailed{"url":"${url}","reason":"invalid credentials","retry":60}`,
      },
    )
    assert.deepEqual(transitionLine({ status: 'unreachable', reason: 'refused', retryInMs: 1400 }, url, t), {
      level: 'warn',
      text: `log.unreachable{"url":"${url}","reason":"refused","retry":1}`,
    })
    for (const state of [{ status: 'idle' }, { status: 'connecting', attempt: 2 }, { status: 'closed' }] as const)
      assert.equal(transitionLine(state, url, t), undefined)
  })

  it('says where the listener listens, and why it failed', () => {
    assert.deepEqual(listenerLine({ status: 'listening', port: 1890 }, 'http://127.0.0.1:1890', t), {
      level: 'log',
      text: 'log.listening{"url":"http://127.0.0.1:1890"}',
    })
    assert.deepEqual(listenerLine({ status: 'failed', reason: 'EADDRINUSE', retryInMs: 5000 }, '', t), {
      level: 'warn',
      text: 'log.listenerFailed{"reason":"EADDRINUSE","seconds":5}',
    })
    assert.equal(listenerLine({ status: 'starting' }, '', t), undefined)
  })

  it('writes the lines at their level, and one warning about what XO sends per 10 s, saying how many it held back', () => {
    const lines: string[] = []
    let now = 0
    let current = url
    const log = serverLog(
      { log: (text) => lines.push(`log ${text}`), warn: (text) => lines.push(`warn ${text}`) },
      t,
      () => current,
      () => now,
    )
    log.transition({ status: 'connected', user, serverVersion: '5.1' })
    log.transition({ status: 'idle' })
    log.transition({ status: 'unreachable', reason: 'refused', retryInMs: 1000 })
    log.listener({ status: 'listening', port: 1 }, 'http://h:1')
    log.warning('bad frame')
    log.warning('bad frame')
    log.warning('bad frame')
    now = 10_000
    current = ''
    log.warning('bad frame')
    assert.deepEqual(lines, [
      `log log.connected{"url":"${url}","user":"admin@admin.net","version":"5.1"}`,
      `warn log.unreachable{"url":"${url}","reason":"refused","retry":1}`,
      'log log.listening{"url":"http://h:1"}',
      `warn log.warning{"url":"${url}","message":"bad frame"}`,
      'warn log.suppressed{"line":"log.warning{\\"url\\":\\"\\",\\"message\\":\\"bad frame\\"}","count":2,"seconds":10}',
    ])
  })
})
