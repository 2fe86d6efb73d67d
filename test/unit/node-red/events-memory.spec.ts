import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { NodeAPI } from 'node-red'
import { ObjectChange } from '../../../src/events/change'
import { ObjectEvents } from '../../../src/node-red/events-objects'
import { compileSelection, type EventSelection, type XoEventsConfig } from '../../../src/events/selection'
import { eventsMemory } from '../../../src/node-red/events-memory'
import type { XoConnection } from '../../../src/xo/connection'
import { ObjectStore } from '../../../src/xo/object-store'

const t = (key: string) => key

/** An xo-events node's memory over a store that never loads (XO does not answer). */
function setup(config: XoEventsConfig, dir: string) {
  const connection = Object.assign(new EventEmitter(), { isConnected: false }) as unknown as XoConnection
  const store = new ObjectStore(connection, ['VM'])
  const selection = compileSelection({ types: ['VM'], events: ['created'], ...config }) as EventSelection
  const events = new ObjectEvents({
    selection,
    objects: store,
    holdCreations: true,
    initialAllowed: false,
    send: () => {},
    metrics: { events: { inc: () => {} }, eventLag: { observe: () => {} } },
    server: { label: 'xo', notifiedAt: () => 0 },
    log: () => {},
    error: () => {},
    t,
  })
  const RED = {
    events: new EventEmitter(),
    settings: { xoStateDir: dir },
    log: { warn: () => {} },
  } as unknown as NodeAPI
  const node = { id: 'n1', log: () => {}, warn: () => {} }
  const memory = eventsMemory({
    RED,
    node,
    config,
    selection,
    needs: ['VM'],
    objects: store,
    events,
    coordinator: undefined,
    server: () => '',
    failed: () => {},
  })
  return { memory, events, store }
}

describe('what an xo-events node remembers', () => {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'xo-events-memory-'))))
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('without *remember* nor a shared Redis: every change goes out, and nothing is kept', async () => {
    const { memory } = setup({ remember: false }, dir)
    assert.equal(memory.gate, undefined)
    assert.equal(memory.remembers, false)
    assert.deepEqual(memory.figures(), { notRemembered: false })
    memory.start()
    await memory.close(false)
  })

  it('with *remember*: decides which changes go out, and forgets the creations held once its last snapshot is taken', async () => {
    const { memory, events } = setup({ remember: true }, dir)
    assert.ok(memory.gate)
    assert.equal(memory.remembers, true)
    assert.deepEqual(memory.figures(), { notRemembered: false })
    memory.start()
    const vm = { id: 'vm1', type: 'VM', name_label: 'web' }
    assert.equal(
      memory.gate.accept(new ObjectChange('enter', vm, undefined, () => undefined)),
      false,
      'held until compared',
    )
    events.sendChange(new ObjectChange('enter', vm, undefined, () => undefined))
    assert.ok(events.holds('vm1'))
    await memory.close(false)
    assert.ok(!events.holds('vm1'), 'found created at the next start')
    events.stop(false)
  })
})
