import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { ObjectChange } from '../../../src/events/change'
import type { XoEventMessage } from '../../../src/events/message'
import {
  type ChangeGate,
  ObjectEvents,
  type ObjectEventsOptions,
  TurnCounter,
} from '../../../src/node-red/events-objects'
import { compileSelection, type EventSelection, type XoEventsConfig } from '../../../src/events/selection'
import type { XoObject } from '../../../src/xo/object-store'

const t = (key: string, subs?: Record<string, string | number>) => `${key}${subs ? JSON.stringify(subs) : ''}`
const nextTurn = () => new Promise((resolve) => setImmediate(resolve))
const QUIET_MS = 20

/** An xo-events node's messages over a map of objects changed as the object store changes them. */
function harness(config: XoEventsConfig = {}, options: Partial<ObjectEventsOptions> = {}) {
  const objects = new Map<string, XoObject>()
  const selection = compileSelection({
    types: ['VM'],
    events: ['created', 'updated', 'removed', 'started', 'initial'],
    ...config,
  }) as EventSelection
  const store = { loaded: true, get: (id: string) => objects.get(id), values: () => objects.values() }
  const sent: XoEventMessage[] = []
  const logs: string[] = []
  const errors: string[] = []
  const counted: string[] = []
  const lags: number[] = []
  let notified = 0
  let statuses = 0
  const events = new ObjectEvents({
    selection,
    objects: store,
    holdCreations: true,
    initialAllowed: true,
    send: (msg) => sent.push(msg),
    metrics: {
      events: { inc: (l) => counted.push(`${l.server}:${l.type}.${l.event}`) },
      eventLag: { observe: (_l, seconds) => lags.push(seconds) },
    },
    server: { label: 'xo', notifiedAt: () => notified },
    log: (message) => logs.push(message),
    error: (message) => errors.push(message),
    t,
    settling: { quietMs: QUIET_MS, maxMs: 200 },
    ...options,
  })
  events.on('status', () => statuses++)
  const lookup = (id: string) => objects.get(id)
  const enter = (object: XoObject, gate?: ChangeGate) => {
    const previous = objects.get(object.id)
    objects.set(object.id, object)
    notified = performance.now()
    const change = new ObjectChange('enter', object, previous, lookup)
    events.change(change, gate)
    return change
  }
  const exit = (id: string, gate?: ChangeGate) => {
    const object = objects.get(id)!
    objects.delete(id)
    events.change(new ObjectChange('exit', object, undefined, lookup), gate)
  }
  const topics = () => sent.map((m) => `${m.topic}:${String(m.payload.object.name_label)}`)
  return { events, objects, store, sent, logs, errors, counted, lags, enter, exit, topics, statuses: () => statuses }
}

const pool: XoObject = { id: 'p1', type: 'pool', name_label: 'Pool one' }
const host: XoObject = { id: 'h1', type: 'host', name_label: 'host-1', $pool: 'p1' }
const vm = (fields: Partial<XoObject> = {}): XoObject => ({
  id: 'vm1',
  type: 'VM',
  name_label: 'web',
  power_state: 'Halted',
  $pool: 'p1',
  ...fields,
})

describe('ObjectEvents', () => {
  it('sends the events a change selects, with the names of its pool and host, counted and their lag measured', () => {
    const h = harness()
    h.objects.set(pool.id, pool)
    h.objects.set(host.id, host)
    h.objects.set('vm1', vm())
    h.enter(vm({ name_label: 'web-2', power_state: 'Running', $container: 'h1' }))
    assert.deepEqual(h.topics(), ['VM.started:web-2', 'VM.updated:web-2'])
    const [started] = h.sent
    assert.deepEqual(started.payload.pool, { id: 'p1', name: 'Pool one' })
    assert.deepEqual(started.payload.host, { id: 'h1', name: 'host-1' })
    assert.equal(started.payload.previous?.name_label, 'web')
    assert.equal(typeof started.summary, 'string')
    assert.deepEqual(h.counted, ['xo:VM.started', 'xo:VM.updated'])
    assert.equal(h.lags.length, 2)
    assert.equal(h.events.count, 2)
    assert.ok(h.statuses() > 0, 'the status is shown again')
  })

  it('holds a new VM until XO has made it, and sends it once, as it then is, its lag not measured', async () => {
    const h = harness()
    h.enter(vm({ VIFs: [] }))
    h.enter(vm({ VIFs: ['vif1'] }))
    assert.equal(h.sent.length, 0, 'held while XO makes it')
    assert.ok(h.events.holds('vm1'))
    await sleep(QUIET_MS * 3)
    assert.deepEqual(h.topics(), ['VM.created:web'])
    assert.deepEqual(h.sent[0].payload.object.VIFs, ['vif1'], 'as it is once made')
    assert.equal(h.lags.length, 0)
    assert.ok(!h.events.holds('vm1'))
  })

  it('sends neither the creation nor the removal of a VM removed before XO made it, and counts it', async () => {
    const h = harness()
    h.enter(vm())
    h.exit('vm1')
    await sleep(QUIET_MS * 3)
    await nextTurn()
    assert.deepEqual(h.sent, [])
    assert.equal(h.events.unfinished, 1)
    assert.deepEqual(h.logs, ['log.vanished{"name":"web"}'])
  })

  it('sends no creation for the VMs of a pool XO connects to, nor removal for those of a pool it loses', async () => {
    const h = harness()
    h.enter(pool)
    h.enter(vm())
    h.enter(vm({ id: 'vm2', name_label: 'db' }))
    await sleep(QUIET_MS * 3)
    assert.deepEqual(h.sent, [])
    assert.equal(h.events.withPool, 2)
    assert.deepEqual(h.logs, ['log.withPool{"name":"web"}'], 'said once')
    h.exit('vm1')
    h.exit('p1')
    await nextTurn()
    await nextTurn()
    assert.deepEqual(h.sent, [])
    assert.equal(h.events.withPool, 3)
  })

  it('sends the removal of a VM whose pool stays, once XO’s batch is applied', async () => {
    const h = harness()
    h.objects.set(pool.id, pool)
    h.objects.set('vm1', vm())
    h.exit('vm1')
    assert.deepEqual(h.sent, [], 'not in the same turn')
    await nextTurn()
    await nextTurn()
    assert.deepEqual(h.topics(), ['VM.removed:web'])
  })

  it('sends creations and removals at once when they are not held (a shared Redis)', () => {
    const h = harness({}, { holdCreations: false })
    h.enter(vm())
    h.exit('vm1')
    assert.deepEqual(h.topics(), ['VM.created:web', 'VM.removed:web'])
  })

  it('sends `initial` once, when allowed and loaded', () => {
    const h = harness({ initial: true }, { initialAllowed: false })
    h.objects.set('vm1', vm())
    h.objects.set('h1', host)
    h.events.sendInitial()
    assert.deepEqual(h.sent, [], 'not allowed yet (something may have been remembered)')
    h.events.fresh()
    h.events.sendInitial()
    h.events.loaded()
    assert.deepEqual(h.topics(), ['VM.initial:web'])
    assert.equal(h.lags.length, 0)
  })

  it('waits for the objects to be loaded before `initial`', () => {
    const h = harness({ initial: true })
    const loaded = { loaded: false }
    const events = new ObjectEvents({
      ...optionsOf(h),
      objects: {
        get loaded() {
          return loaded.loaded
        },
        get: (id) => h.objects.get(id),
        values: () => h.objects.values(),
      },
    })
    h.objects.set('vm1', vm())
    events.sendInitial()
    assert.equal(h.sent.length, 0)
    loaded.loaded = true
    events.loaded()
    assert.deepEqual(h.topics(), ['VM.initial:web'])
  })

  it('sends the changes found at start marked so, then no `initial`, and the changes held meanwhile when nothing was remembered', () => {
    const h = harness({ initial: true }, { initialAllowed: false })
    const lookup = (id: string) => h.objects.get(id)
    const before = vm()
    const now = vm({ power_state: 'Running' })
    h.objects.set('vm1', now)
    h.events.found('foundAtStart')([{ change: new ObjectChange('enter', now, before, lookup), object: now }])
    assert.deepEqual(h.topics(), ['VM.started:web'])
    assert.equal(h.sent[0].payload.foundAtStart, true)
    assert.equal(h.lags.length, 0, 'not live')
    h.events.fresh([new ObjectChange('enter', vm({ power_state: 'Running', name_label: 'web-3' }), now, lookup)])
    assert.deepEqual(h.topics().slice(1), ['VM.updated:web-3'], 'the held change, and no initial after what was found')
    assert.equal(h.sent[1].payload.foundAtStart, undefined)
  })

  it('sends what the gate lets through, and tells it', () => {
    const h = harness({}, { holdCreations: false })
    const told: string[] = []
    let open = false
    const gate: ChangeGate = { accept: () => open, sent: (change) => told.push(change.object.name_label as string) }
    h.enter(vm(), gate)
    assert.deepEqual(h.sent, [])
    open = true
    h.enter(vm({ name_label: 'web-2' }), gate)
    assert.deepEqual(h.topics(), ['VM.updated:web-2'])
    assert.deepEqual(told, ['web-2'])
  })

  it('reports a selection that fails, and goes on', () => {
    const h = harness()
    const failing = {
      ...compileSelection({ types: ['VM'], events: ['updated'] }),
      select: () => {
        throw new Error('bad filter')
      },
    } as EventSelection
    const events = new ObjectEvents({ ...optionsOf(h), selection: failing })
    events.change(new ObjectChange('enter', vm(), vm({ name_label: 'x' }), () => undefined))
    assert.deepEqual(h.errors, ['errors.failed{"reason":"bad filter"}'])
  })

  it('closing: held creations go out, or are kept (remembered) and forgotten, and pending checks are dropped', async () => {
    const released = harness()
    released.enter(vm())
    released.events.stop(true)
    assert.deepEqual(released.topics(), ['VM.created:web'])

    const kept = harness()
    kept.objects.set(pool.id, pool)
    kept.objects.set('vm2', vm({ id: 'vm2', name_label: 'db' }))
    kept.enter(vm())
    kept.exit('vm2')
    kept.events.stop(false)
    assert.ok(kept.events.holds('vm1'))
    kept.events.forgetHeld()
    assert.ok(!kept.events.holds('vm1'))
    await sleep(QUIET_MS * 3)
    await nextTurn()
    assert.deepEqual(kept.sent, [], 'no removal checked after the node closed')
  })
})

describe('TurnCounter', () => {
  it('counts a turn of the event loop once something asked for the current one', async () => {
    const turns = new TurnCounter()
    assert.equal(turns.current(), 0)
    assert.equal(turns.current(), 0)
    await nextTurn()
    assert.equal(turns.current(), 1)
    turns.stop()
    await nextTurn()
    assert.equal(turns.current(), 1, 'stopped: the pending turn end never came')
    turns.stop()
  })
})

/** The options a harness built its ObjectEvents with, to build another on the same fakes. */
function optionsOf(h: ReturnType<typeof harness>): ObjectEventsOptions {
  return {
    selection: compileSelection({ types: ['VM'], events: ['initial'], initial: true }) as EventSelection,
    objects: h.store,
    holdCreations: true,
    initialAllowed: true,
    send: (msg) => h.sent.push(msg),
    metrics: { events: { inc: () => {} }, eventLag: { observe: () => {} } },
    server: { label: 'xo', notifiedAt: () => 0 },
    log: (message) => h.logs.push(message),
    error: (message) => h.errors.push(message),
    t,
  }
}
