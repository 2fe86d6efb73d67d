import assert from 'node:assert/strict'
import type { EventEmitter } from 'node:events'
import { Harness } from '../support/harness'
import { waitFor, waitForCall } from '../support/node-red'
import type { XoEventMessage } from '../../src/events/message'

type Msg = XoEventMessage
type TestNode = EventEmitter & Record<string, any>

const ALL_VM = [
  'created',
  'removed',
  'updated',
  'started',
  'stopped',
  'suspended',
  'resumed',
  'migrated',
  'tagged',
  'untagged',
]

describe('xo-events', () => {
  let h: Harness
  let messages: Msg[]

  beforeEach(async () => {
    h = await new Harness().start({ timeScale: 0.04 })
  })
  afterEach(() => h.stop())

  async function deploy(events: Record<string, unknown>) {
    await h.load([
      h.serverNode(),
      { id: 'events', type: 'xo-events', server: 'server', wires: [['out']], ...events },
      { id: 'out', type: 'helper' },
    ])
    messages = []
    h.helper.getNode('out').on('input', (msg: Msg) => messages.push(msg))
    await waitForCall(h.helper.getNode('events') as TestNode, 'status', (s) => s.fill === 'green', {
      timeoutMs: 10_000,
    })
  }
  const find = (name: string) =>
    [...h.sim.objects.values()].find((o) => o.name_label === name && (o.type === 'VM' || o.type === 'host'))
  const topics = () => messages.map((m) => `${m.topic}:${m.payload.object.name_label}`)
  const until = (topic: string, name: string) =>
    waitFor(() => messages.some((m) => m.topic === topic && m.payload.object.name_label === name), {
      timeoutMs: 10_000,
      what: `${topic} of ${name}`,
    })

  it('reports a migration with its source and target hosts', async () => {
    await deploy({ types: ['VM'], events: ALL_VM })
    const web = find('web-01')
    const target = [...h.sim.objects.values()].find((o) => o.type === 'host' && o.id !== web.$container)
    await h.sim.invoke('vm.migrate', { vm: web.id, targetHost: target.id })
    await until('VM.migrated', 'web-01')
    const msg = messages.find((m) => m.topic === 'VM.migrated')!
    assert.deepEqual(msg.payload.from, { id: web.$container, name: h.sim.objects.get(web.$container).name_label })
    assert.equal(
      msg.summary,
      `VM web-01 migrated from ${h.sim.objects.get(web.$container).name_label} to ${target.name_label}`,
    )
    assert.deepEqual(msg.payload.to, { id: target.id, name: target.name_label })
    assert.deepEqual(msg.payload.host, { id: target.id, name: target.name_label })
    assert.equal(msg.payload.pool?.id, web.$pool)
    assert.equal(msg.payload.changes.$container.after, target.id)
    assert.deepEqual(
      topics().filter((t) => t.endsWith(':web-01') && t !== 'VM.updated:web-01'),
      ['VM.migrated:web-01'],
    )
  })

  it('reports power changes, creation, tags and removal, each once', async () => {
    await deploy({ types: ['VM'], events: ALL_VM, nameFilter: { mode: 'glob', value: 'nr-*' } })
    const template = [...h.sim.objects.values()].find(
      (o) => o.type === 'VM-template' && o.name_label === 'Debian 12 template',
    )
    const id = (await h.sim.invoke('vm.create', { name_label: 'nr-events', template: template.id })) as string
    await until('VM.created', 'nr-events')
    await h.sim.invoke('vm.start', { id })
    await until('VM.started', 'nr-events')
    await h.sim.invoke('tag.add', { id, tag: 'web' })
    await until('VM.tagged', 'nr-events')
    await h.sim.invoke('vm.stop', { id, force: true })
    await until('VM.stopped', 'nr-events')
    await h.sim.invoke('vm.delete', { id })
    await until('VM.removed', 'nr-events')
    const lifecycle = topics().filter((t) => !t.startsWith('VM.updated'))
    assert.deepEqual(lifecycle, [
      'VM.created:nr-events',
      'VM.started:nr-events',
      'VM.tagged:nr-events',
      'VM.stopped:nr-events',
      'VM.removed:nr-events',
    ])
    assert.deepEqual(messages.find((m) => m.topic === 'VM.tagged')!.payload.tags, ['web'])
    assert.ok(
      messages.every((m) => String(m.payload.object.name_label).startsWith('nr-')),
      'the name filter holds',
    )
  })

  it('reports a host going down and coming back up', async () => {
    await deploy({ types: ['host'], events: ['up', 'down', 'enabled', 'disabled'] })
    const host = find('xcp-host-2')
    await h.sim.invoke('host.stop', { id: host.id })
    await until('host.down', 'xcp-host-2')
    await h.sim.invoke('host.start', { id: host.id })
    await until('host.up', 'xcp-host-2')
    await until('host.enabled', 'xcp-host-2')
    assert.deepEqual(
      topics().filter((t) => t.endsWith('xcp-host-2')),
      ['host.disabled:xcp-host-2', 'host.down:xcp-host-2', 'host.up:xcp-host-2', 'host.enabled:xcp-host-2'],
    )
  })

  it('sends the current objects at start when asked', async () => {
    await deploy({ types: ['host'], events: ['created'], initial: true })
    await waitFor(() => messages.length === 2, { what: 'two hosts' })
    assert.deepEqual(
      messages.map((m) => m.topic),
      ['host.initial', 'host.initial'],
    )
  })

  it('after XO was away, sends each change it missed exactly once', async () => {
    await deploy({ types: ['VM'], events: ALL_VM })
    const db = find('db-01')
    const test = find('test-01')
    const template = [...h.sim.objects.values()].find(
      (o) => o.type === 'VM-template' && o.name_label === 'Debian 12 template',
    )
    const connection = h.helper.getNode('server').connection
    await h.sim.suspend()
    await waitFor(() => !connection.isConnected, { what: 'the connection noticed' })
    // Meanwhile, in XO:
    await h.sim.invoke('vm.start', { id: db.id })
    await h.sim.invoke('vm.delete', { id: test.id })
    const created = (await h.sim.invoke('vm.create', { name_label: 'nr-while-away', template: template.id })) as string
    messages.length = 0
    await h.sim.resume()
    await until('VM.created', 'nr-while-away')
    await until('VM.removed', 'test-01')
    await until('VM.started', 'db-01')
    // Nothing else arrives, and nothing twice, once the snapshot has been compared.
    await h.sim.invoke('tag.add', { id: created, tag: 'sentinel' })
    await until('VM.tagged', 'nr-while-away')
    const seen = topics().filter((t) => !t.startsWith('VM.updated'))
    assert.deepEqual(
      seen.sort(),
      ['VM.created:nr-while-away', 'VM.removed:test-01', 'VM.started:db-01', 'VM.tagged:nr-while-away'].sort(),
    )
  })

  it("sends a new VM's creation once XO has finished it, the changes XO made meanwhile folded in", async () => {
    await deploy({ types: ['VM'], events: ['created', 'updated'], nameFilter: { mode: 'glob', value: 'nr-*' } })
    const template = [...h.sim.objects.values()].find(
      (o) => o.type === 'VM-template' && o.name_label === 'Debian 12 template',
    )
    const networks = [...h.sim.objects.values()].filter((o) => o.type === 'network' && /eth0|DMZ/.test(o.name_label))
    const id = (await h.sim.invoke('vm.create', {
      name_label: 'nr-made',
      template: template.id,
      VIFs: networks.map((n) => ({ network: n.id })),
    })) as string
    await until('VM.created', 'nr-made')
    const [first] = messages.filter((m) => m.payload.id === id)
    assert.equal(first.topic, 'VM.created', 'no update of a VM before its creation')
    const vm = h.sim.objects.get(id)
    assert.deepEqual(first.payload.object.VIFs, vm.VIFs, "its own VIFs, not its template's")
    assert.deepEqual(first.payload.object.creation, vm.creation, 'who made it')
  })

  it('announces a VM removed before XO finished making it neither created nor removed, and counts it', async () => {
    await deploy({ types: ['VM'], events: ['created', 'removed'], nameFilter: { mode: 'glob', value: 'nr-*' } })
    const template = [...h.sim.objects.values()].find(
      (o) => o.type === 'VM-template' && o.name_label === 'Debian 12 template',
    )
    const gone = (await h.sim.invoke('vm.create', { name_label: 'nr-gone', template: template.id })) as string
    await h.sim.invoke('vm.delete', { id: gone })
    await h.sim.invoke('vm.create', { name_label: 'nr-kept', template: template.id })
    await until('VM.created', 'nr-kept')
    assert.deepEqual(topics(), ['VM.created:nr-kept'])
    const events = h.helper.getNode('events') as TestNode
    await waitForCall(events, 'status', (s) => /status\.unfinished/.test(s.text))
    await waitForCall(events, 'log', (line) => /log\.vanished/.test(line)) // (the locale's key: the test helper loads no locale)
  })

  it('announces no VM created or removed when XO loses a pool and connects to it again', async () => {
    await deploy({ types: ['VM'], events: ['created', 'removed'] })
    const template = [...h.sim.objects.values()].find(
      (o) => o.type === 'VM-template' && o.name_label === 'Debian 12 template',
    )
    const pool = template.$pool as string
    const vms = [...h.sim.objects.values()].filter((o) => o.type === 'VM' && o.$pool === pool).length
    assert.ok(vms > 0)
    await h.sim.disconnectPool(pool)
    await h.sim.reconnectPool(pool)
    // a VM made afterwards is still announced, and alone
    await h.sim.invoke('vm.create', { name_label: 'nr-after', template: template.id })
    await until('VM.created', 'nr-after')
    assert.deepEqual(topics(), ['VM.created:nr-after'])
    await waitForCall(h.helper.getNode('events') as TestNode, 'status', (s) => /status\.withPool/.test(s.text))
    // and a VM deleted is still announced removed
    await h.sim.invoke('vm.delete', { id: [...h.sim.objects.values()].find((o) => o.name_label === 'nr-after').id })
    await until('VM.removed', 'nr-after')
  })

  it('shows an invalid expression in its status instead of running', async () => {
    await h.load([
      h.serverNode(),
      {
        id: 'events',
        type: 'xo-events',
        server: 'server',
        types: ['VM'],
        events: ['created'],
        nameFilter: { mode: 'regex', value: '(' },
        wires: [[]],
      },
    ])
    await waitForCall(
      h.helper.getNode('events') as TestNode,
      'status',
      (s) => s.fill === 'red' && /misconfigured/.test(s.text),
    )
  })
})
