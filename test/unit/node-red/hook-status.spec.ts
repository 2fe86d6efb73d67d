import assert from 'node:assert/strict'
import { hookStatus, newHookState, roleLabel } from '../../../src/node-red/hook-status'
import type { StatusSpec } from '../../../src/common/status'

/** Texts as `key(substitutions)`, so a test reads which text and with what. */
const t = (key: string, substitutions?: Record<string, string | number>) =>
  substitutions
    ? `${key}(${Object.entries(substitutions)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')})`
    : key
const connected: StatusSpec = { fill: 'green', shape: 'dot', text: 'connected' }

describe("an xo-hook node's status", () => {
  it("shows the connection's status as it is unless connected", () => {
    const state = { ...newHookState({ error: 'no entries' }), events: 3 }
    const down: StatusSpec = { fill: 'red', shape: 'ring', text: 'unreachable' }
    assert.deepEqual(
      hookStatus(
        down,
        state,
        { listener: { status: 'failed', reason: 'EADDRINUSE', retryInMs: 1 }, role: 'leader' },
        t,
      ),
      down,
    )
    assert.deepEqual(hookStatus(connected, newHookState(), {}, t), connected)
  })

  it('says first that the listener failed, then that the node has no entries in XO', () => {
    const state = newHookState({ error: 'not admin' })
    assert.deepEqual(
      hookStatus(connected, state, { listener: { status: 'failed', reason: 'EADDRINUSE', retryInMs: 5 } }, t),
      {
        fill: 'red',
        shape: 'ring',
        text: 'status.listenerFailed(reason=EADDRINUSE)',
      },
    )
    assert.deepEqual(hookStatus(connected, state, { listener: { status: 'listening', port: 1 } }, t), {
      fill: 'red',
      shape: 'ring',
      text: 'status.notRegistered(reason=not admin)',
    })
  })

  it('counts what it emitted and what it refused, with the latest refusal', () => {
    assert.deepEqual(hookStatus(connected, { ...newHookState({ count: 2 }), events: 4 }, {}, t), {
      fill: 'green',
      shape: 'dot',
      text: 'status.counts(count=4)',
    })
    assert.deepEqual(hookStatus(connected, { ...newHookState(), events: 4, rejected: 2, lastRejection: 401 }, {}, t), {
      fill: 'green',
      shape: 'dot',
      text: 'status.countsRefused(count=4,refused=2,code=401)',
    })
  })

  it("adds the catch-up's progress, in yellow when it cannot work, and the role last", () => {
    const state = { ...newHookState(), events: 1 }
    const show = (catchUp: typeof state.catchUp, role?: string) =>
      hookStatus(connected, { ...state, catchUp }, { role }, t)
    assert.equal(show({ state: 'waiting' }).text, 'status.counts(count=1)')
    assert.equal(show({ state: 'catching-up' }).text, 'status.counts(count=1) · status.catchingUp')
    assert.equal(show({ state: 'caught-up', replayed: 0 }).text, 'status.counts(count=1)')
    assert.equal(
      show({ state: 'caught-up', replayed: 7 }, 'leader').text,
      'status.counts(count=1) · status.caughtUp(count=7) · leader',
    )
    assert.deepEqual(show({ state: 'unavailable', reason: 'not-admin' }, 'follower'), {
      fill: 'yellow',
      shape: 'dot',
      text: 'status.counts(count=1) · status.noCatchUp.not-admin(reason=) · follower',
    })
    assert.equal(
      show({ state: 'unavailable', reason: 'failed', message: 'boom' }).text,
      'status.counts(count=1) · status.noCatchUp.failed(reason=boom)',
    )
    assert.deepEqual(hookStatus(connected, newHookState(), { role: 'no store: down' }, t), {
      ...connected,
      text: 'connected · no store: down',
    })
  })

  it("says this instance's role in the node's own words: leader, follower, or no store and why", () => {
    assert.equal(roleLabel({ role: 'leader', token: 3 }, t), 'status.role.leader')
    assert.equal(roleLabel({ role: 'follower' }, t), 'status.role.follower')
    assert.equal(roleLabel({ role: 'unknown', reason: 'Redis: down' }, t), 'status.role.noStore(reason=Redis: down)')
  })
})
