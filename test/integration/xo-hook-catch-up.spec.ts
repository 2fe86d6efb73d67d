import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import net from 'node:net'
import path from 'node:path'
import { XoSimulator } from '../../src/simulator'
import { Sink } from '../support/examples'
import { waitFor, waitForEvent } from '../support/node-red'
import { StockNodeRed } from '../support/stock-node-red'

type FlowNode = Record<string, unknown> & { id: string; type: string }

interface Seen {
  callId: string
  method: string
  id?: string
  replayed: boolean
  summary: string
}

/**
 * A TCP relay between XO and Node-RED: XO's deliveries go through it, and it can refuse them for a while (Node-RED
 * running but unreachable from XO: a firewall, a network partition).
 */
async function relay(
  target: () => number,
): Promise<{ url: string; refuse(on: boolean): void; close(): Promise<void> }> {
  let refusing = false
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    if (refusing) return void client.destroy()
    const upstream = net.connect(target(), '127.0.0.1')
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => {})
      s.on('close', () => sockets.delete(s))
    }
    client.pipe(upstream).pipe(client)
  })
  server.listen(0, '127.0.0.1')
  await waitForEvent(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    refuse(on) {
      refusing = on
      if (on) for (const s of sockets) s.destroy()
    },
    close: () => {
      for (const s of sockets) s.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

describe('xo-hook catches up the calls XO could not deliver, from its audit log (stock node-red)', function () {
  this.timeout(120_000)
  let sim: XoSimulator
  let red: StockNodeRed | undefined
  let sink: Sink
  let vms: string[]

  const seen = (): Seen[] => sink.on('/seen').map((r) => JSON.parse(r.body) as Seen)
  const byCall = () => {
    const counts = new Map<string, number>()
    for (const s of seen()) counts.set(s.callId, (counts.get(s.callId) ?? 0) + 1)
    return counts
  }

  /** An xo-hook on VM power calls, catching up, its post output sent to the sink in one line per message. */
  function flow(options: {
    hookBaseUrl?: string
    token: string
    catchUp?: Record<string, unknown>
    register?: boolean
  }): FlowNode[] {
    return [
      { id: 'tab', type: 'tab', label: 'catch-up' },
      {
        id: 'xo',
        type: 'xo-server',
        url: sim.url,
        authMethod: 'token',
        hookBaseUrl: options.hookBaseUrl ?? red!.url,
        credentials: { token: options.token },
      },
      {
        id: 'hook',
        type: 'xo-hook',
        z: 'tab',
        server: 'xo',
        methods: ['vm.start', 'vm.stop'],
        phase: 'post',
        register: options.register ?? true,
        catchUp: true,
        catchUpEvery: 1,
        catchUpGrace: 1,
        ...options.catchUp,
        wires: [[], ['shape']],
      },
      {
        id: 'shape',
        type: 'function',
        z: 'tab',
        wires: [['post']],
        func: `msg.url = ${JSON.stringify(`${sink.url}/seen`)}; msg.method = 'POST';
msg.payload = { callId: msg.payload.callId, method: msg.topic, id: msg.payload.params && msg.payload.params.id, replayed: msg.xo.replayed === true, summary: msg.summary };
return msg`,
      },
      { id: 'post', type: 'http request', z: 'tab', method: 'use', ret: 'txt', url: '', wires: [[]] },
    ]
  }

  /** The node's saved place in the audit log, once it has one. */
  function savedState(): { cursor: string | null; live: unknown[] } | undefined {
    const dir = path.join(red!.userDir, 'xo-state')
    const file = existsSync(dir)
      ? readdirSync(dir).find((f) => f.startsWith('xo-hook_hook-') && f.endsWith('.json'))
      : undefined
    return file ? JSON.parse(readFileSync(path.join(dir, file), 'utf8')).value : undefined
  }

  /** Resolves after `count` more reads of the audit log by Node-RED (each pass reads it at least once). */
  function reads(count: number): Promise<void> {
    let n = 0
    return new Promise((resolve) => {
      const onCall = ({ method }: { method: string }) => {
        if (method === 'audit.getRecords' && ++n >= count) {
          sim.off('call', onCall)
          resolve()
        }
      }
      sim.on('call', onCall)
    })
  }

  beforeEach(async () => {
    sim = await XoSimulator.start({
      timeScale: 0.02,
      audit: true,
      users: [
        { email: 'admin@admin.net', password: 'admin', permission: 'admin' },
        { email: 'viewer@example.net', password: 'viewer', permission: 'none' },
      ],
    })
    sink = await new Sink().start()
    vms = [...sim.objects.values()]
      .filter((o) => o.type === 'VM' && o.power_state === 'Halted')
      .map((o) => o.id as string)
      .slice(0, 3)
    assert.equal(vms.length, 3)
  })

  afterEach(async () => {
    const log = red?.log ?? ''
    const crashes = red?.crashes ?? []
    await red?.dispose()
    red = undefined
    await sim.stop()
    await sink.stop()
    assert.deepEqual(crashes, [], log.slice(-3000))
  })

  it('Node-RED stopped, calls made, started again: each missed call once, in XO order, none twice', async () => {
    const token = sim.issueToken('admin@admin.net')
    red = await StockNodeRed.start()
    await red.deploy(flow({ token }))
    await waitFor(() => savedState()?.cursor !== undefined, {
      timeoutMs: 15_000,
      what: 'the node to note where the log is',
    })
    await sim.invoke('vm.start', { id: vms[0] })
    await sink.until(1, '/seen')
    assert.deepEqual(
      seen().map((s) => [s.method, s.id, s.replayed]),
      [['vm.start', vms[0], false]],
    )

    await red.stop()
    // Nobody listens: XO's deliveries fail and are not retried.
    await sim.invoke('vm.stop', { id: vms[0], force: true })
    await sim.invoke('vm.start', { id: vms[1] })
    await sim.invoke('user.create', { email: 'new@example.net', password: 'x', permission: 'none' })
    await sim.invoke('vm.stop', { id: vms[1], force: true })
    await sim.invoke('vm.start', { id: vms[2] })

    await red.launch()
    await sink.until(5, '/seen')
    await reads(3)
    const missed = seen().slice(1)
    assert.deepEqual(
      missed.map((s) => [s.method, s.id, s.replayed]),
      [
        ['vm.stop', vms[0], true],
        ['vm.start', vms[1], true],
        ['vm.stop', vms[1], true],
        ['vm.start', vms[2], true],
      ],
    )
    assert.match(missed[1].summary, /started VM .*\(from XO's audit log\)$/)
    assert.deepEqual(
      [...byCall().values()].filter((n) => n > 1),
      [],
      'no call twice',
    )

    // Live again: a new call comes once, live.
    await sim.invoke('vm.stop', { id: vms[2], force: true })
    await sink.until(6, '/seen')
    await reads(2)
    assert.deepEqual(
      seen()
        .slice(5)
        .map((s) => [s.method, s.replayed]),
      [['vm.stop', false]],
    )
    assert.equal(seen().length, 6)
  })

  it("keeps its state where settings.js's xoStateDir says, never in the flow file", async () => {
    const token = sim.issueToken('admin@admin.net')
    const dir = mkdtempSync(path.join(tmpdir(), 'xo-state-dir-'))
    try {
      red = await StockNodeRed.start({ xoStateDir: dir })
      await red.deploy(flow({ token }))
      await waitFor(() => readdirSync(dir).some((f) => f.startsWith('xo-hook_hook-')), {
        timeoutMs: 15_000,
        what: 'the state file in xoStateDir',
      })
      assert.equal(existsSync(path.join(red.userDir, 'xo-state')), false)
      assert.doesNotMatch(readFileSync(path.join(red.userDir, 'flows.json'), 'utf8'), /cursor/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('live deliveries and the log overlapping: every call comes out once', async () => {
    const token = sim.issueToken('admin@admin.net')
    red = await StockNodeRed.start()
    // No grace at all: the log is read every second and may find calls before their live delivery arrives.
    await red.deploy(flow({ token, catchUp: { catchUpGrace: 0 } }))
    await waitFor(() => savedState()?.cursor !== undefined, {
      timeoutMs: 15_000,
      what: 'the node to note where the log is',
    })
    const calls: string[] = []
    for (let round = 0; round < 6; round++) {
      for (const id of vms) calls.push(`start ${id}`, `stop ${id}`)
      await Promise.all(
        vms.map(async (id) => {
          await sim.invoke('vm.start', { id })
          await sim.invoke('vm.stop', { id, force: true })
        }),
      )
    }
    await sink.until(calls.length, '/seen')
    await reads(3)
    assert.equal(seen().length, calls.length)
    assert.deepEqual(
      [...byCall().values()].filter((n) => n > 1),
      [],
    )
  })

  it('calls XO could not deliver while Node-RED ran (unreachable) come out at the next read of the log', async () => {
    const token = sim.issueToken('admin@admin.net')
    red = await StockNodeRed.start()
    const between = await relay(() => Number(new URL(red!.url).port))
    try {
      await red.deploy(flow({ token, hookBaseUrl: between.url }))
      await waitFor(() => savedState()?.cursor !== undefined, {
        timeoutMs: 15_000,
        what: 'the node to note where the log is',
      })
      between.refuse(true)
      const failed = waitForEvent<[{ error?: string }]>(sim, 'delivery', 10_000, (d) => d.error !== undefined)
      await sim.invoke('vm.start', { id: vms[0] })
      await failed
      between.refuse(false)
      await sink.until(1, '/seen', 15_000)
      assert.deepEqual(
        seen().map((s) => [s.method, s.id, s.replayed]),
        [['vm.start', vms[0], true]],
      )
      await sim.invoke('vm.stop', { id: vms[0], force: true })
      await sink.until(2, '/seen')
      assert.deepEqual(
        seen().map((s) => s.replayed),
        [true, false],
      )
    } finally {
      await between.close()
    }
  })

  it('says why it cannot catch up (audit not active, not an admin) while live deliveries go on', async () => {
    await sim.invoke('plugin.configure', { id: 'audit', configuration: { active: false } })
    const token = sim.issueToken('admin@admin.net')
    red = await StockNodeRed.start()
    await red.deploy(flow({ token }))
    await red.waitForStatus('hook', (s) => s.fill === 'yellow' && /audit plugin is not active/.test(s.text ?? ''))
    await sim.invoke('vm.start', { id: vms[0] })
    await sink.until(1, '/seen')
    assert.deepEqual(
      seen().map((s) => s.replayed),
      [false],
    )

    // A user who is not an admin can neither register hooks nor read the log: entries put by hand, as the editor shows them.
    const viewer = sim.issueToken('viewer@example.net')
    await red.deploy(flow({ token: viewer, register: false }))
    await red.waitForStatus('hook', (s) => s.fill === 'yellow' && /not an admin/.test(s.text ?? ''))
    const { entries } = (await (await red.request('/xo-hook/hook/entries')).json()) as { entries: unknown[] }
    await sim.invoke('plugin.configure', { id: 'web-hooks', configuration: { hooks: entries } })
    await sim.invoke('plugin.load', { id: 'web-hooks' }).catch(() => {})
    await sim.invoke('vm.stop', { id: vms[0], force: true })
    await sink.until(2, '/seen')
    assert.deepEqual(
      seen().map((s) => s.replayed),
      [false, false],
    )
  })
})
