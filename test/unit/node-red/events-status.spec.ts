import assert from 'node:assert/strict'
import { type EventsFigures, eventsStatus } from '../../../src/node-red/events-status'
import type { StatusSpec } from '../../../src/common/status'

const t = (key: string, subs?: Record<string, string | number>) => `${key}${subs ? JSON.stringify(subs) : ''}`
const connected: StatusSpec = { fill: 'green', shape: 'dot', text: 'connected' }
const figures = (more: Partial<EventsFigures> = {}): EventsFigures => ({
  loaded: true,
  objects: 12,
  notRemembered: false,
  count: 0,
  unfinished: 0,
  withPool: 0,
  ...more,
})

describe('eventsStatus', () => {
  it('shows the connection while it is not connected', () => {
    const down: StatusSpec = { fill: 'red', shape: 'ring', text: 'unreachable' }
    assert.equal(eventsStatus(down, figures({ loaded: false, count: 3 }), t), down)
  })

  it('says it loads XO’s objects, then shows the connection until something was sent', () => {
    assert.deepEqual(eventsStatus(connected, figures({ loaded: false }), t), {
      fill: 'yellow',
      shape: 'dot',
      text: 'status.loading',
    })
    assert.equal(eventsStatus(connected, figures(), t), connected)
  })

  it('counts what it sent, with the VMs it did not announce and why', () => {
    assert.deepEqual(eventsStatus(connected, figures({ count: 4 }), t), {
      fill: 'green',
      shape: 'dot',
      text: 'status.counts{"count":4}',
    })
    assert.deepEqual(eventsStatus(connected, figures({ count: 4, unfinished: 1, withPool: 2 }), t), {
      fill: 'green',
      shape: 'dot',
      text: 'status.counts{"count":4} · status.unfinished{"count":1} · status.withPool{"count":2}',
    })
    assert.deepEqual(
      eventsStatus(connected, figures({ withPool: 2 }), t).text,
      'connected · status.withPool{"count":2}',
    )
  })

  it('says when what it knew could not be remembered', () => {
    assert.deepEqual(eventsStatus(connected, figures({ count: 2, notRemembered: true }), t), {
      fill: 'yellow',
      shape: 'ring',
      text: 'status.notRemembered{"count":2}',
    })
  })

  it('with a shared Redis: follows, says the store is unknown, or leads', () => {
    const follower = figures({ shared: { leading: false, role: { role: 'follower' } } })
    assert.deepEqual(eventsStatus(connected, follower, t), {
      fill: 'grey',
      shape: 'ring',
      text: 'status.following{"role":"status.follower","objects":12}',
    })
    const unknown = figures({ shared: { leading: false, role: { role: 'unknown', reason: 'Redis down' } } })
    assert.deepEqual(eventsStatus(connected, unknown, t), {
      fill: 'yellow',
      shape: 'ring',
      text: 'status.noStore{"reason":"Redis down"}',
    })
    const leader = figures({ count: 1, shared: { leading: true, role: { role: 'leader', token: 1 } } })
    assert.deepEqual(eventsStatus(connected, leader, t), {
      fill: 'green',
      shape: 'dot',
      text: 'status.counts{"count":1} · status.leader',
    })
  })
})
