import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { LeaderLease, type LeaderLeaseOptions, type LeaseRole } from '../../../src/coordination/leader-lease'
import type {
  SentObject,
  SharedSnapshot,
  SnapshotAbout,
  StoredSnapshot,
} from '../../../src/coordination/shared-snapshot'
import { ObjectChange } from '../../../src/events/change'
import { LeadingObjects, type TakeoverChange } from '../../../src/events/leading-objects'
import { compileSelection, type EventSelection } from '../../../src/events/selection'
import type { XoObject } from '../../../src/xo/object-store'
import { waitFor } from '../../support/node-red'

/** What Redis would hold: the objects as sent, with when. */
class MemorySnapshot {
  about: SnapshotAbout | undefined
  objects = new Map<string, string>()
  until: number | undefined
  /** Redis gone: every write fails */
  down = false

  async load(): Promise<StoredSnapshot | undefined> {
    if (!this.about) return undefined
    const objects: SentObject[] = []
    const gone = new Map<string, number>()
    for (const [id, json] of this.objects) {
      const { o, t } = JSON.parse(json)
      if (o === null) gone.set(id, t)
      else objects.push({ object: o, at: t })
    }
    return { about: this.about, objects, gone, ...(this.until ? { until: this.until } : {}) }
  }
  async reset(about: SnapshotAbout, entries: Iterable<[string, string]>) {
    this.about = about
    this.objects = new Map(entries)
    this.until = undefined
  }
  async apply(pairs: string[], until?: number) {
    if (this.down) throw new Error('Redis: connection closed')
    for (let i = 0; i < pairs.length; i += 2) {
      if (pairs[i + 1]) this.objects.set(pairs[i], pairs[i + 1])
      else this.objects.delete(pairs[i])
    }
    if (until !== undefined) this.until = until
  }
  async forget() {
    this.about = undefined
    this.objects.clear()
    this.until = undefined
  }
}

class FakeLease extends EventEmitter {
  role: LeaseRole = { role: 'follower' }
  get leading() {
    return this.role.role === 'leader'
  }
  set(role: LeaseRole) {
    this.role = role
    this.emit('role', role)
  }
}

/** XO's objects as one instance's store has them, changing as XO notifies. */
class Objects extends EventEmitter {
  loaded = true
  map = new Map<string, XoObject>()
  keeps() {
    return true
  }
  get(id: string) {
    return this.map.get(id)
  }
  values() {
    return this.map.values()
  }
  /** XO changed an object: the change every instance sees */
  change(object: XoObject): ObjectChange {
    const previous = this.map.get(object.id)
    this.map.set(object.id, object)
    return new ObjectChange('enter', object, previous, (id) => this.map.get(id))
  }
}

const config = { types: ['VM'], events: ['started', 'stopped'] }
const vm = (id: string, power_state: string): XoObject =>
  ({ id, type: 'VM', name_label: id, power_state, $pool: 'p' }) as unknown as XoObject

/** One instance's xo-events node: what it sent, in order. */
function instance(
  snapshot: MemorySnapshot,
  objects: Objects,
  clock: () => number,
  history?: { historyMs?: number; sweepMs?: number; heartbeatMs?: number },
  chosen: typeof config = config,
) {
  const lease = new FakeLease()
  const selection = compileSelection(chosen) as EventSelection
  const sent: string[] = []
  // Found at a takeover: `*` seen by this instance as XO made it, `~` only compared with XO.
  const say = (change: ObjectChange, mark = '') => {
    for (const e of selection.select(change, (id) => objects.get(id)))
      sent.push(`${change.object.id} ${e.event}${mark}`)
  }
  let fresh = 0
  const logs: string[] = []
  const node = new LeadingObjects({
    snapshot: snapshot as unknown as SharedSnapshot,
    lease,
    objects,
    needs: ['VM'],
    selection,
    config: chosen,
    server: () => 'ws://xo/api/',
    found: (changes: TakeoverChange[]) =>
      changes.forEach((c) => say(c.change, c.foundAtTakeover === 'seen' ? '*' : '~')),
    fresh: () => fresh++,
    onRole: () => {},
    warn: () => {},
    log: (line) => logs.push(line),
    now: clock,
    ...history,
  })
  node.start()
  return {
    lease,
    node,
    sent,
    logs,
    fresh: () => fresh,
    /** XO's notification reached this instance */
    see(change: ObjectChange) {
      if (!node.accept(change)) return
      say(change)
      node.sent(change)
    },
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('LeadingObjects: object events from the leader only, none lost or doubled at a takeover', () => {
  let now = 1_000
  const clock = () => now

  it('the follower sends every change the dead leader did not, even several of one object, in XO order', async () => {
    const snapshot = new MemorySnapshot()
    const xoA = new Objects()
    const xoB = new Objects()
    for (const xo of [xoA, xoB]) for (const id of ['a', 'b']) xo.change(vm(id, 'Halted'))
    const a = instance(snapshot, xoA, clock)
    const b = instance(snapshot, xoB, clock)
    // Both have been following for a while when the first one leads.
    now += 10_000
    a.lease.set({ role: 'leader', token: 1 })
    await settle()
    assert.equal(a.fresh(), 1, 'the first leader starts afresh')
    const both = (object: XoObject) => {
      now += 100
      a.see(xoA.change(object))
      b.see(xoB.change(object))
    }
    both(vm('a', 'Running'))
    both(vm('b', 'Running'))
    await settle()
    // The leader dies: it sees nothing more, and what it had sent is recorded.
    a.lease.set({ role: 'follower' })
    for (const [id, state] of [
      ['a', 'Halted'],
      ['a', 'Running'],
      ['a', 'Halted'],
      ['b', 'Halted'],
    ] as const) {
      now += 100
      b.see(xoB.change(vm(id, state)))
    }
    b.lease.set({ role: 'leader', token: 2 })
    await settle()
    now += 100
    b.see(xoB.change(vm('b', 'Running')))
    assert.deepEqual(a.sent, ['a started', 'b started'])
    assert.deepEqual(b.sent, ['a stopped*', 'a started*', 'a stopped*', 'b stopped*', 'b started'])
    assert.equal(b.fresh(), 0)
  })

  it('a state repeated meanwhile is matched by time: the leader that sent it last is not repeated', async () => {
    const snapshot = new MemorySnapshot()
    const xoA = new Objects()
    const xoB = new Objects()
    for (const xo of [xoA, xoB]) xo.change(vm('a', 'Halted'))
    const a = instance(snapshot, xoA, clock)
    const b = instance(snapshot, xoB, clock)
    a.lease.set({ role: 'leader', token: 1 })
    await settle()
    for (const state of ['Running', 'Halted', 'Running', 'Halted']) {
      now += 500
      a.see(xoA.change(vm('a', state)))
      b.see(xoB.change(vm('a', state)))
    }
    await settle()
    a.lease.set({ role: 'follower' })
    now += 500
    b.see(xoB.change(vm('a', 'Running')))
    b.lease.set({ role: 'leader', token: 2 })
    await settle()
    assert.deepEqual(b.sent, ['a started*'])
  })

  it('without a history of an object, compares it with XO as after a restart; a follower sends nothing', async () => {
    const snapshot = new MemorySnapshot()
    const xo = new Objects()
    xo.change(vm('a', 'Halted'))
    const first = instance(snapshot, xo, clock)
    first.lease.set({ role: 'leader', token: 1 })
    await settle()
    first.lease.set({ role: 'follower' })
    first.see(new ObjectChange('enter', vm('a', 'Halted'), undefined, () => undefined))
    assert.deepEqual(first.sent, [], 'a follower sends nothing')
    // A new instance that saw nothing: XO changed meanwhile.
    xo.map.set('a', vm('a', 'Running'))
    const later = instance(snapshot, xo, clock)
    later.lease.set({ role: 'leader', token: 2 })
    await settle()
    assert.deepEqual(later.sent, ['a started~'], 'found by comparing, and marked so')
  })

  it('keeps a bounded history: an object quiet for the history time is dropped and compared instead, still once', async () => {
    const snapshot = new MemorySnapshot()
    const xoA = new Objects()
    const xoB = new Objects()
    for (const xo of [xoA, xoB]) for (const id of ['a', 'b']) xo.change(vm(id, 'Halted'))
    const a = instance(snapshot, xoA, clock)
    const b = instance(snapshot, xoB, clock, { historyMs: 1_000, sweepMs: 5 })
    after(() => b.node.close(false))
    // Following long before: only the history dropped keeps it from proving what happened meanwhile.
    now += 10_000
    a.lease.set({ role: 'leader', token: 1 })
    await settle()
    for (const id of ['a', 'b']) {
      now += 100
      a.see(xoA.change(vm(id, 'Running')))
      b.see(xoB.change(vm(id, 'Running')))
    }
    await settle()
    now += 5_000
    await waitFor(() => b.node.remembered === 0, { what: 'the quiet objects dropped' })
    a.lease.set({ role: 'follower' })
    now += 100
    b.see(xoB.change(vm('a', 'Halted')))
    assert.equal(b.node.remembered, 1)
    b.lease.set({ role: 'leader', token: 2 })
    await settle()
    assert.deepEqual(b.sent, ['a stopped~'])
  })

  it('an object sent as gone is matched by time: leaving, coming back and leaving again is not repeated', async () => {
    const snapshot = new MemorySnapshot()
    const xoA = new Objects()
    const xoB = new Objects()
    for (const xo of [xoA, xoB]) xo.change(vm('a', 'Running'))
    const lifecycle = { types: ['VM'], events: ['created', 'removed'] }
    const a = instance(snapshot, xoA, clock, undefined, lifecycle)
    const b = instance(snapshot, xoB, clock, undefined, lifecycle)
    a.lease.set({ role: 'leader', token: 1 })
    await settle()
    const gone = (xo: Objects) => {
      const previous = xo.map.get('a')!
      xo.map.delete('a')
      return new ObjectChange('exit', previous, undefined, (id) => xo.map.get(id))
    }
    for (const step of ['exit', 'enter', 'exit'] as const) {
      now += 200
      if (step === 'exit') {
        a.see(gone(xoA))
        b.see(gone(xoB))
      } else {
        a.see(xoA.change(vm('a', 'Running')))
        b.see(xoB.change(vm('a', 'Running')))
      }
    }
    await settle()
    assert.deepEqual(a.sent, ['a removed', 'a created', 'a removed'])
    a.lease.set({ role: 'follower' })
    b.lease.set({ role: 'leader', token: 2 })
    await settle()
    assert.deepEqual(b.sent, [], 'everything was sent and recorded by the first leader')
  })

  it('a leader whose lease ran out on its monotonic clock sends nothing more at once, while its role still says leader', async () => {
    // The real lease, over a Redis that grants it: only its clock (paused process, late renewal) says it is over.
    let t = 0
    const link = Object.assign(new EventEmitter(), {
      up: true,
      command: async () => 1,
    }) as unknown as LeaderLeaseOptions['link']
    const lease = new LeaderLease({ link, key: 'xo-nr:t:lease', instance: 'a', ttlMs: 10_000, now: () => t })
    const xo = new Objects()
    xo.change(vm('a', 'Halted'))
    const selection = compileSelection(config) as EventSelection
    const sent: string[] = []
    const node = new LeadingObjects({
      snapshot: new MemorySnapshot() as unknown as SharedSnapshot,
      lease,
      objects: xo,
      needs: ['VM'],
      selection,
      config,
      server: () => 'ws://xo/api/',
      found: () => {},
      fresh: () => {},
      onRole: () => {},
      warn: () => {},
      log: () => {},
      now: clock,
    })
    const see = (change: ObjectChange) => {
      if (!node.accept(change)) return
      for (const e of selection.select(change, (id) => xo.get(id))) sent.push(`${change.object.id} ${e.event}`)
      node.sent(change)
    }
    try {
      node.start()
      lease.start()
      await waitFor(() => node.leading, { what: 'leading' })
      // Valid until 10 s less its 500 ms margin after it was asked for.
      t = 9_499
      see(xo.change(vm('a', 'Running')))
      assert.deepEqual(sent, ['a started'])
      t = 9_500
      // No timer has fired (they are seconds away in real time): the role alone still says leader.
      assert.equal(lease.role.role, 'leader')
      assert.equal(lease.token, undefined)
      assert.equal(lease.holder, undefined)
      see(xo.change(vm('a', 'Halted')))
      assert.deepEqual(sent, ['a started'], 'a change sent by a leader whose lease is over')
      assert.equal(node.leading, false, 'it steps back to follow until its lease is renewed')
    } finally {
      await node.close(false)
      await lease.stop()
    }
  })

  describe('a takeover never skips a change: history only where it provably reaches back, else compared and marked', () => {
    /** XO changed `a` as every running instance sees it, `ms` after the change before. */
    const toggle = (instances: Array<{ xo: Objects; see(change: ObjectChange): void }>, state: string, ms = 500) => {
      now += ms
      for (const { xo, see } of instances) see(xo.change(vm('a', state)))
    }
    const compared = (logs: string[]) => logs.filter((line) => /only compared with XO/.test(line))

    it('an instance started after the last record compares (the state it saw first repeats later in its history), and says so', async () => {
      const snapshot = new MemorySnapshot()
      const xoA = new Objects()
      xoA.change(vm('a', 'Halted'))
      const a = instance(snapshot, xoA, clock)
      now += 10_000
      a.lease.set({ role: 'leader', token: 1 })
      await settle()
      toggle([{ xo: xoA, see: a.see }], 'Running')
      await settle()
      // The leader dies; XO stops the VM before the restarted instance has loaded its objects.
      a.lease.set({ role: 'follower' })
      now += 500
      const xoC = new Objects()
      xoC.change(vm('a', 'Halted'))
      const c = instance(snapshot, xoC, clock)
      // It sees the VM start (the state last recorded, again) and stop.
      toggle([{ xo: xoC, see: c.see }], 'Running')
      toggle([{ xo: xoC, see: c.see }], 'Halted')
      c.lease.set({ role: 'leader', token: 2 })
      await settle()
      assert.deepEqual(a.sent, ['a started'])
      // Not 'a stopped*' from the later "Running": the stop and start before it were never seen by anyone.
      assert.deepEqual(c.sent, ['a stopped~'], 'compared with XO, and marked so')
      assert.deepEqual(
        compared(c.logs).map((line) => line.split(' ')[0]),
        ['1'],
        'one log line counts the objects only compared',
      )
    })

    it('a warm follower whose history no longer reaches back (more changes than it keeps) compares instead of replaying from a later copy', async () => {
      const snapshot = new MemorySnapshot()
      const xoA = new Objects()
      const xoB = new Objects()
      for (const xo of [xoA, xoB]) xo.change(vm('a', 'Halted'))
      const a = instance(snapshot, xoA, clock)
      const b = instance(snapshot, xoB, clock)
      now += 10_000
      a.lease.set({ role: 'leader', token: 1 })
      await settle()
      toggle(
        [
          { xo: xoA, see: a.see },
          { xo: xoB, see: b.see },
        ],
        'Running',
      )
      await settle()
      a.lease.set({ role: 'follower' })
      // 41 changes while nobody leads: more than the follower keeps of one object.
      for (let i = 0; i < 41; i++) toggle([{ xo: xoB, see: b.see }], i % 2 === 0 ? 'Halted' : 'Running', 100)
      b.lease.set({ role: 'leader', token: 2 })
      await settle()
      assert.deepEqual(b.sent, ['a stopped~'])
      assert.equal(compared(b.logs).length, 1)
    })

    it('a warm follower replays every change after the recorded state, seeing XO a little after the leader did', async () => {
      const snapshot = new MemorySnapshot()
      const xoA = new Objects()
      const xoB = new Objects()
      for (const xo of [xoA, xoB]) xo.change(vm('a', 'Halted'))
      const a = instance(snapshot, xoA, clock)
      const b = instance(snapshot, xoB, clock)
      now += 10_000
      a.lease.set({ role: 'leader', token: 1 })
      await settle()
      for (const state of ['Running', 'Halted', 'Running']) {
        now += 500
        a.see(xoA.change(vm('a', state)))
        // The follower's event loop was busy: it saw the same change 200 ms later.
        now += 200
        b.see(xoB.change(vm('a', state)))
      }
      await settle()
      a.lease.set({ role: 'follower' })
      toggle([{ xo: xoB, see: b.see }], 'Halted')
      toggle([{ xo: xoB, see: b.see }], 'Running')
      b.lease.set({ role: 'leader', token: 2 })
      await settle()
      assert.deepEqual(b.sent, ['a stopped*', 'a started*'])
      assert.deepEqual(compared(b.logs), [])
    })

    it('a state that could be either of two seen within the skew is compared, not guessed', async () => {
      const snapshot = new MemorySnapshot()
      const xoA = new Objects()
      const xoB = new Objects()
      for (const xo of [xoA, xoB]) xo.change(vm('a', 'Halted'))
      const a = instance(snapshot, xoA, clock)
      const b = instance(snapshot, xoB, clock)
      now += 10_000
      a.lease.set({ role: 'leader', token: 1 })
      await settle()
      toggle(
        [
          { xo: xoA, see: a.see },
          { xo: xoB, see: b.see },
        ],
        'Running',
      )
      // Stopped and started again within 100 ms: the leader sent both, the follower only saw them.
      for (const state of ['Halted', 'Running']) {
        now += 100
        a.see(xoA.change(vm('a', state)))
      }
      b.see(xoB.change(vm('a', 'Halted')))
      now += 100
      b.see(xoB.change(vm('a', 'Running')))
      await settle()
      a.lease.set({ role: 'follower' })
      toggle([{ xo: xoB, see: b.see }], 'Halted')
      b.lease.set({ role: 'leader', token: 2 })
      await settle()
      assert.deepEqual(a.sent, ['a started', 'a stopped', 'a started'])
      assert.deepEqual(b.sent, ['a stopped~'])
    })

    it('a leader says every second until when it recorded everything: an instance started after the last change still proves its history', async () => {
      const snapshot = new MemorySnapshot()
      const xoA = new Objects()
      xoA.change(vm('a', 'Halted'))
      const a = instance(snapshot, xoA, clock, { heartbeatMs: 5 })
      now += 10_000
      a.lease.set({ role: 'leader', token: 1 })
      await settle()
      toggle([{ xo: xoA, see: a.see }], 'Running')
      await settle()
      // A quiet while: a second instance starts and keeps XO's objects warm.
      now += 5_000
      const xoB = new Objects()
      xoB.change(vm('a', 'Running'))
      const b = instance(snapshot, xoB, clock)
      try {
        now += 5_000
        const said = now
        await waitFor(() => snapshot.until === said, { what: 'the leader saying it recorded everything until now' })
        a.lease.set({ role: 'follower' })
        toggle([{ xo: xoB, see: b.see }], 'Halted')
        toggle([{ xo: xoB, see: b.see }], 'Running')
        b.lease.set({ role: 'leader', token: 2 })
        await settle()
        assert.deepEqual(b.sent, ['a stopped*', 'a started*'])
      } finally {
        await a.node.close(false)
        await b.node.close(false)
      }
    })

    it('after XO reconnects, what was seen before proves nothing: compared', async () => {
      const snapshot = new MemorySnapshot()
      const xoA = new Objects()
      const xoB = new Objects()
      for (const xo of [xoA, xoB]) xo.change(vm('a', 'Halted'))
      const a = instance(snapshot, xoA, clock)
      const b = instance(snapshot, xoB, clock)
      now += 10_000
      a.lease.set({ role: 'leader', token: 1 })
      await settle()
      toggle(
        [
          { xo: xoA, see: a.see },
          { xo: xoB, see: b.see },
        ],
        'Running',
      )
      await settle()
      a.lease.set({ role: 'follower' })
      // The follower lost XO for a while: stopped and started meanwhile, nothing to see once it is back.
      now += 1_000
      xoB.emit('loaded', { count: 1, resumed: true })
      toggle([{ xo: xoB, see: b.see }], 'Halted')
      b.lease.set({ role: 'leader', token: 2 })
      await settle()
      assert.deepEqual(b.sent, ['a stopped~'])
    })
  })
  describe('Redis failing the leader right after it sent a change: the change is not sent again', () => {
    /**
     * Two instances seeing `a` halted; the first leads and sends `a` started, then Redis goes away as it sends the
     * stop (its record never reaches Redis). `xo(state)`: XO changes `a`, as both instances see it.
     */
    async function leaderCutOffMidWrite() {
      const snapshot = new MemorySnapshot()
      const xoA = new Objects()
      const xoB = new Objects()
      for (const xo of [xoA, xoB]) xo.change(vm('a', 'Halted'))
      const a = instance(snapshot, xoA, clock)
      const b = instance(snapshot, xoB, clock)
      const xo = (state: string) => {
        now += 500
        a.see(xoA.change(vm('a', state)))
        b.see(xoB.change(vm('a', state)))
      }
      now += 10_000
      a.lease.set({ role: 'leader', token: 1 })
      await settle()
      xo('Running')
      await settle()
      snapshot.down = true
      xo('Halted')
      for (const { lease } of [a, b]) lease.set({ role: 'unknown', reason: 'Redis: connection closed' })
      await settle()
      return { snapshot, a, b, xo, close: () => Promise.all([a.node.close(false), b.node.close(false)]) }
    }

    it('the leader that sent it leads again once Redis is back: it records what it sent, and sends only what XO did meanwhile', async () => {
      const { snapshot, a, xo, close } = await leaderCutOffMidWrite()
      try {
        assert.match(snapshot.objects.get('a') ?? '', /"power_state":"Running"/, 'the stop is not recorded')
        // Nobody leads while Redis is away; XO starts and stops the VM.
        xo('Running')
        xo('Halted')
        snapshot.down = false
        now += 1_000
        a.lease.set({ role: 'leader', token: 2 })
        await settle()
        assert.deepEqual(a.sent, ['a started', 'a stopped', 'a started*', 'a stopped*'])
        assert.match(snapshot.objects.get('a') ?? '', /"power_state":"Halted"/)
      } finally {
        await close()
      }
    })

    it('another instance led meanwhile: what the former leader owed is dropped, not written over the newer record', async () => {
      const { snapshot, a, b, xo, close } = await leaderCutOffMidWrite()
      try {
        xo('Running')
        snapshot.down = false
        // The other instance takes the lease first: it cannot know the stop was sent, and sends it again.
        now += 1_000
        b.lease.set({ role: 'leader', token: 2 })
        await settle()
        assert.deepEqual(b.sent, ['a stopped*', 'a started*'])
        // It dies; the former leader leads again.
        b.lease.set({ role: 'follower' })
        xo('Halted')
        now += 500
        a.lease.set({ role: 'leader', token: 3 })
        await settle()
        assert.deepEqual(a.sent, ['a started', 'a stopped', 'a stopped*'])
        assert.equal(
          a.logs.filter((line) => /1 changes sent before Redis failed were never recorded/.test(line)).length,
          1,
        )
      } finally {
        await close()
      }
    })
  })
})
