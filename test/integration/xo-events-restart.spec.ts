import assert from 'node:assert/strict'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { ObjectEventPayload } from '../../src/events/message'
import type { ObjectsSnapshot } from '../../src/events/snapshot'
import { XoSimulator } from '../../src/simulator'
import { FileStateStore } from '../../src/state/file-state-store'
import { Sink } from '../support/examples'
import { waitFor } from '../support/node-red'
import { StockNodeRed } from '../support/stock-node-red'

type FlowNode = Record<string, unknown> & { id: string; type: string }

const EVENTS = ['created', 'removed', 'updated', 'started', 'stopped', 'migrated', 'tagged', 'untagged']
const IGNORE =
  'current_operations, memory.usage, startTime, xenTools, pvDriversDetected, managementAgentDetected, residentVms'

describe('xo-events remembers objects across restarts of Node-RED (stock node-red)', function () {
  this.timeout(180_000)
  let sim: XoSimulator
  let sink: Sink
  let red: StockNodeRed
  let token: string

  // Each test starts from nothing: its own XO, receiver and Node-RED. Snapshots are saved on a node's first write
  // and when it stops only (an hour between saves): what is on disk then says which save held a change, whatever
  // the machine's load.
  beforeEach(async () => {
    sim = await XoSimulator.start({ timeScale: 0.02 })
    token = sim.issueToken('admin@admin.net')
    sink = await new Sink().start()
    red = await StockNodeRed.start({ xoSnapshotSeconds: 3600 })
  })
  afterEach(async () => {
    const crashes = red?.crashes ?? []
    const log = red?.log.slice(-3000)
    await red?.dispose()
    await sink?.stop()
    await sim?.stop()
    assert.deepEqual(crashes, [], log)
  })

  /**
   * An xo-events node remembering (`remember`, with `initial` to show it is skipped once something is remembered)
   * and one that does not, each posting its messages' payloads to the sink.
   */
  const flow = (): FlowNode[] => [
    { id: 'xo', type: 'xo-server', url: sim.url, authMethod: 'token', credentials: { token } },
    { id: 'tab', type: 'tab', label: 'restarts' },
    {
      id: 'remembering',
      type: 'xo-events',
      z: 'tab',
      server: 'xo',
      types: ['VM'],
      events: EVENTS,
      ignore: IGNORE,
      initial: true,
      remember: true,
      wires: [['post-remembering']],
    },
    {
      id: 'forgetting',
      type: 'xo-events',
      z: 'tab',
      server: 'xo',
      types: ['VM'],
      events: EVENTS,
      ignore: IGNORE,
      wires: [['post-forgetting']],
    },
    {
      id: 'post-remembering',
      type: 'http request',
      z: 'tab',
      method: 'POST',
      ret: 'txt',
      url: `${sink.url}/remembering`,
      wires: [[]],
    },
    {
      id: 'post-forgetting',
      type: 'http request',
      z: 'tab',
      method: 'POST',
      ret: 'txt',
      url: `${sink.url}/forgetting`,
      wires: [[]],
    },
  ]
  const snapshotFile = (id = 'remembering') =>
    new FileStateStore(path.join(red.userDir, 'xo-state')).fileOf(`xo-events/${id}`)
  const remembered = (id = 'remembering'): ObjectsSnapshot | undefined => {
    try {
      return (JSON.parse(readFileSync(snapshotFile(id), 'utf8')) as { value: ObjectsSnapshot }).value
    } catch {
      return undefined
    }
  }
  /** Whether the snapshot on disk lacks a change yet (held back by the write interval: only the last write has it). */
  const notOnDiskYet = (name: string, tag: string) =>
    !((remembered()?.objects.find((o) => o.name_label === name)?.tags as string[] | undefined) ?? []).includes(tag)
  const received = (node: string) => sink.on(`/${node}`).map((r) => JSON.parse(r.body) as ObjectEventPayload)
  const line = (p: ObjectEventPayload) =>
    `${p.type}.${p.event}:${p.object.name_label}${p.foundAtStart ? ' (found at start)' : ''}`
  const lines = (node: string) => received(node).map(line).sort()
  const vmNamed = (name: string) => [...sim.objects.values()].find((o) => o.type === 'VM' && o.name_label === name)
  const vmCount = () => [...sim.objects.values()].filter((o) => o.type === 'VM').length
  /** Messages a node sent, as its status counts them (whatever the HTTP requests after it are doing). */
  const sent = (id: string) => Number(/(\d+) events?/.exec(red.statuses.get(id)?.text ?? '')?.[1] ?? 0)

  /** A change made now comes out of both nodes, once: proof that whatever came before it is out too. */
  async function liveChange(name: string, tag: string): Promise<string> {
    // The statuses count what each node sent (shown a moment later): settled once they match what arrived.
    const settled = (id: string) => sent(id) === received(id).length
    await waitFor(() => settled('remembering') && settled('forgetting'), { what: 'the status counts to settle' })
    const before = { remembering: sent('remembering'), forgetting: sent('forgetting') }
    await sim.invoke('tag.add', { id: vmNamed(name).id, tag })
    const expected = `VM.tagged:${name}`
    await waitFor(() => lines('remembering').includes(expected) && lines('forgetting').includes(expected), {
      timeoutMs: 15_000,
      what: `${expected} from both nodes`,
    })
    await waitFor(
      () => sent('remembering') === before.remembering + 1 && sent('forgetting') === before.forgetting + 1,
      { what: 'one more message from each node' },
    )
    return expected
  }

  /** Deploys the flow on a Node-RED that remembers nothing yet: `initial` events go out, then the first snapshot. */
  async function firstStart(): Promise<void> {
    await red.deploy(flow())
    await waitFor(() => received('remembering').filter((p) => p.event === 'initial').length === vmCount(), {
      what: 'the initial events',
    })
    await waitFor(() => remembered()?.objects.length === vmCount(), { what: 'the first snapshot' })
  }

  /** Stops Node-RED (SIGINT), lets `meanwhile` change XO, starts it again; resolves once the node has compared. */
  async function restart(meanwhile: () => Promise<void> = async () => {}): Promise<RegExpExecArray> {
    await red.stop()
    await meanwhile()
    sink.received.length = 0
    const from = red.log.length
    await red.launch()
    return red.waitForLog(
      /\[xo-events:remembering\] compared (\d+) objects remembered at \S+ with XO: (\d+) changed meanwhile/,
      from,
      30_000,
    )
  }

  it('sends each change made while Node-RED was stopped exactly once, marked foundAtStart, and no initial events', async () => {
    // A first start: nothing remembered, so `initial` goes out as always; then the snapshot is written.
    await firstStart()
    assert.ok(!existsSync(snapshotFile('forgetting')), 'a node without the option keeps nothing')

    const template = [...sim.objects.values()].find(
      (o) => o.type === 'VM-template' && o.name_label === 'Debian 12 template',
    )
    const [db, web, cache, app, build, test] = ['db-01', 'web-01', 'cache-01', 'app-01', 'build-01', 'test-01'].map(
      vmNamed,
    )
    const target = [...sim.objects.values()].find((o) => o.type === 'host' && o.id !== cache.$container)
    const [, compared, changed] = await restart(async () => {
      await sim.invoke('vm.start', { id: db.id })
      await sim.invoke('vm.stop', { id: web.id, force: true })
      await sim.invoke('vm.migrate', { vm: cache.id, targetHost: target.id })
      await sim.invoke('tag.add', { id: app.id, tag: 'while-stopped' })
      await sim.invoke('vm.set', { id: build.id, name_label: 'build-02' })
      await sim.invoke('vm.delete', { id: test.id })
      await sim.invoke('vm.create', { name_label: 'nr-while-stopped', template: template.id })
      // Created and deleted meanwhile: nothing to say.
      const ephemeral = (await sim.invoke('vm.create', { name_label: 'nr-ephemeral', template: template.id })) as string
      await sim.invoke('vm.delete', { id: ephemeral })
    })
    const found = [
      'VM.created:nr-while-stopped (found at start)',
      'VM.migrated:cache-01 (found at start)',
      'VM.removed:test-01 (found at start)',
      'VM.started:db-01 (found at start)',
      'VM.stopped:web-01 (found at start)',
      'VM.tagged:app-01 (found at start)',
      'VM.updated:build-02 (found at start)',
      // Their guest tools came up or went down with them (IP addresses, OS version): as live, an update besides.
      'VM.updated:db-01 (found at start)',
      'VM.updated:web-01 (found at start)',
    ]
    assert.equal(compared, '10')
    assert.equal(changed, '7', 'seven VMs changed')
    await waitFor(() => received('remembering').length >= found.length, { what: 'the changes found at start' })
    const live = await liveChange('db-01', 'after-restart')
    // Nothing else, nothing twice, no `initial`; the node without the option saw only the live change.
    assert.deepEqual(lines('remembering'), [...found, live].sort())
    assert.deepEqual(lines('forgetting'), [live])
    const rename = received('remembering').find((p) => p.event === 'updated' && p.object.name_label === 'build-02')!
    assert.deepEqual(
      rename.changes,
      { name_label: { before: 'build-01', after: 'build-02' } },
      'only what changed, ignored fields left out',
    )
    const migrated = received('remembering').find((p) => p.event === 'migrated')!
    assert.deepEqual(migrated.to, { id: target.id, name: target.name_label })
    assert.equal(
      received('remembering').find((p) => p.event === 'removed')!.object.id,
      test.id,
      'a removed VM as remembered',
    )
    await waitFor(() => remembered()?.objects.length === vmCount(), { what: 'the snapshot after the restart' })
    assert.ok(notOnDiskYet('db-01', 'after-restart'), 'the live change waits for the next write')
  })

  it('sends nothing after a restart when nothing changed (the last write at SIGINT held the last change), and live changes as usual', async () => {
    await firstStart()
    const pending = await liveChange('web-01', 'before-restart')
    assert.ok(notOnDiskYet('web-01', 'before-restart'), 'a change only the last write, at SIGINT, holds')
    const [, compared, changed] = await restart()
    assert.deepEqual([compared, changed], [String(vmCount()), '0'], `${pending} was saved at SIGINT`)
    const live = await liveChange('web-01', 'nothing-else')
    assert.deepEqual(lines('remembering'), [live])
    assert.deepEqual(lines('forgetting'), [live])
  })

  it('sends nothing again when redeployed, its XO server with it (the store stops around its last write)', async () => {
    await firstStart()
    const pending = await liveChange('web-01', 'before-redeploy')
    assert.ok(notOnDiskYet('web-01', 'before-redeploy'), 'a change only the last write, as the node stops, holds')
    sink.received.length = 0
    const from = red.log.length
    await red.deploy(flow(), 'full')
    const [, compared, changed] = await red.waitForLog(
      /\[xo-events:remembering\] compared (\d+) objects remembered at \S+ with XO: (\d+) changed meanwhile/,
      from,
      30_000,
    )
    assert.deepEqual([compared, changed], [String(vmCount()), '0'], `${pending} was saved as the node stopped`)
    const live = await liveChange('app-01', 'redeployed')
    assert.deepEqual(lines('remembering'), [live])
  })

  it('starts afresh with a warning from a corrupt snapshot file, and replaces it', async () => {
    await firstStart()
    await red.stop()
    writeFileSync(snapshotFile(), '{"format":"node-red-xen-orchestra/state@1","key":"xo-events/remem')
    sink.received.length = 0
    const from = red.log.length
    await red.launch()
    await red.waitForLog(/\[warn\] \[xo\] .* is not valid JSON \(ignored; the next save replaces it\)/, from)
    // As on a first start: `initial` events, then live changes.
    await waitFor(() => received('remembering').filter((p) => p.event === 'initial').length === vmCount(), {
      what: 'the initial events',
    })
    await waitFor(() => remembered()?.objects.length === vmCount(), { what: 'a valid snapshot again' })
    const live = await liveChange('cache-01', 'after-corruption')
    assert.ok(lines('remembering').includes(live))
    assert.ok(!/compared \d+ objects/.test(red.log.slice(from)))
  })

  it('keeps sending live events when the snapshot cannot be written, and says so', async () => {
    await firstStart()
    await red.stop()
    // Where the state folder should be, a file: nothing can be read nor written there.
    const dir = path.join(red.userDir, 'xo-state')
    rmSync(dir, { recursive: true, force: true })
    writeFileSync(dir, 'not a folder')
    sink.received.length = 0
    const from = red.log.length
    await red.launch()
    await red.waitForLog(/\[warn\] \[xo-events:remembering\] cannot save the remembered objects: .*EEXIST/, from)
    await red.waitForStatus('remembering', (s) => /objects not saved/.test(s.text ?? ''))
    const live = await liveChange('db-01', 'unwritable')
    assert.ok(lines('remembering').includes(live))
    assert.match(red.statuses.get('remembering')?.text ?? '', /events · objects not saved/)
  })

  it('deletes what a node remembered when a deploy removes it with its XO server, and writes nothing after', async () => {
    await firstStart()
    await liveChange('web-01', 'before-removal')
    assert.ok(notOnDiskYet('web-01', 'before-removal'), 'a change pending a write')
    await red.deploy([{ id: 'tab', type: 'tab', label: 'restarts' }], 'full')
    assert.ok(!existsSync(snapshotFile()), 'deleted')
    // Another deploy waits for every node to have closed: a late write would have landed by now.
    await red.deploy(
      [
        { id: 'tab', type: 'tab', label: 'restarts' },
        { id: 'inject', type: 'inject', z: 'tab', wires: [[]] },
      ],
      'full',
    )
    assert.ok(!existsSync(snapshotFile()), 'not written again')
  })
})
