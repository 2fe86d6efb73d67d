// Server lifecycle used by the connection tests: drop, freeze (half-open), restart, stop, TLS, invoke, scenario.
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { XoSimulator } from '../../src/simulator'
import { runScenario } from '../../src/simulator/scenario'
import { BACKUP_REMOTE_ID } from '../../src/simulator/vm-import'
import { selfSignedCertificate } from '../support/node-red'
import { RpcClient } from './helpers'

const ADMIN = { email: 'admin@admin.net', password: 'admin' }
const closed = (c: RpcClient) =>
  new Promise((r) => (c.ws.readyState === WebSocket.CLOSED ? r(null) : c.ws.once('close', r)))

describe('simulator: lifecycle', () => {
  it('dropConnections, freeze and restart keep the state and the port', async () => {
    const sim = await XoSimulator.start({ timeScale: 0.02 })
    try {
      const c = await RpcClient.connect(sim.url)
      await c.call('session.signIn', ADMIN)
      sim.dropConnections()
      await closed(c)

      const c2 = await RpcClient.connect(sim.url)
      await c2.call('session.signIn', ADMIN)
      sim.freeze(true)
      const pending = c2.request('system.getVersion')
      const answered = await Promise.race([
        pending.then(() => true),
        new Promise((r) => setTimeout(() => r(false), 150)),
      ])
      assert.equal(answered, false)
      sim.freeze(false)
      assert.equal(await c2.call('system.getVersion'), '0.1') // the frozen request was lost, the socket lives on

      const token = sim.issueToken('admin@admin.net')
      const vm = [...sim.objects.values()].find((o) => o.type === 'VM' && o.power_state === 'Halted')
      await sim.invoke('vm.set', { id: vm.id, name_label: 'renamed-before-restart' })
      const port = sim.port
      await sim.restart()
      await closed(c2)
      assert.equal(sim.port, port)
      const c3 = await RpcClient.connect(sim.url)
      await c3.call('session.signIn', { token })
      const objs = await c3.call('xo.getAllObjects', { filter: { id: vm.id } })
      assert.equal(objs[vm.id].name_label, 'renamed-before-restart')
      await c3.close()
    } finally {
      await sim.stop()
    }
  })

  it('stop closes everything: sockets, server, pending operations', async () => {
    const sim = await XoSimulator.start({ timeScale: 1 })
    const c = await RpcClient.connect(sim.url)
    await c.call('session.signIn', { token: sim.issueToken('admin@admin.net') })
    const host = [...sim.objects.values()].find((o) => o.type === 'host')
    const slow = c.request('host.start', { id: host.id }) // no-op but goes through the pipeline
    const vm = [...sim.objects.values()].find((o) => o.type === 'VM' && o.power_state === 'Halted')
    void c.request('vm.start', { id: vm.id }) // ~1 s at timeScale 1: interrupted by stop()
    await slow
    await sim.stop()
    await closed(c)
    await assert.rejects(fetch(`${sim.url}/api/x`))
  })

  it('invoke runs as a user and throws JSON-RPC-like errors; calls are observable', async () => {
    const sim = await XoSimulator.start({
      timeScale: 0.02,
      users: [
        { email: 'admin@admin.net', password: 'admin', permission: 'admin' },
        { email: 'joe@example.org', password: 'joe', permission: 'none' },
      ],
    })
    try {
      const seen: string[] = []
      sim.on('call', (info) => seen.push(`${info.method}:${info.user}`))
      await assert.rejects(sim.invoke('user.getAll', {}, 'joe@example.org'), (e: any) => e.code === 2)
      await assert.rejects(sim.invoke('vm.start', { id: 'nope' }), (e: any) => e.code === 1 && e.data.type === 'VM')
      assert.equal(((await sim.invoke('user.getAll', {})) as any[]).length, 2)
      assert.deepEqual(seen, ['user.getAll:joe@example.org', 'vm.start:admin@admin.net', 'user.getAll:admin@admin.net'])
    } finally {
      await sim.stop()
    }
  })

  it('serves https + wss with the given certificate', async () => {
    const { key, cert } = selfSignedCertificate()
    const sim = await XoSimulator.start({ tls: { key, cert } })
    try {
      assert.match(sim.url, /^https:\/\/127\.0\.0\.1:\d+$/)
      const ws = new WebSocket(`${sim.url.replace('https', 'wss')}/api/`, { ca: cert })
      await new Promise((resolve, reject) => {
        ws.once('open', resolve)
        ws.once('error', reject)
      })
      ws.close()
    } finally {
      await sim.stop()
    }
  })

  it('the scenario runs one round: every way a VM is born, stops and dies, its bursts, and leaves the inventory as it was', async () => {
    const sim = await XoSimulator.start({ timeScale: 0.01 })
    try {
      const before = new Map([...sim.objects.values()].map((o) => [o.id, o.type]))
      const powerBefore = [...sim.objects.values()]
        .filter((o) => o.type === 'VM')
        .map((o) => `${o.id}:${o.power_state}`)
      const template = [...sim.objects.values()].find((o) => o.name_label === 'Debian 12 template')
      const poolVms = [...sim.objects.values()].filter((o) => o.type === 'VM' && o.$pool === template.$pool)
      const halted = poolVms.filter((v) => v.power_state === 'Halted').map((v) => v.id as string)
      const hostsBefore = [...sim.objects.values()]
        .filter((o) => o.type === 'host')
        .map((h) => `${h.name_label}:${h.power_state}:${h.enabled}`)
      const c = await RpcClient.connect(sim.url)
      await c.call('session.signIn', ADMIN)
      const lines: string[] = []
      const invoked: string[] = []
      sim.on('call', (info: { method: string }) => invoked.push(info.method))
      // where each step's notifications begin
      const marks: number[] = []
      await runScenario(sim, {
        pauseMs: 0,
        log: (s) => {
          lines.push(s)
          marks.push(c.notifications.length)
        },
      })
      await c.settle(50)
      assert.ok(!lines.some((l) => l.includes('failed')), lines.join('\n'))
      assert.deepEqual(
        lines.map((l) => l.replace(/demo-vm-\d+/g, 'VM').replace(/xcp-host-\d/g, 'HOST')),
        [
          'scenario: create a VM from "Debian 12 template"',
          'scenario: clone VM',
          'scenario: copy VM',
          'scenario: restore a backup of VM',
          'scenario: import VM-import',
          'scenario: create the backup job "demo nightly backup" (every VM of sim-pool)',
          'scenario: run it: a night of backups',
          'scenario: start VM on HOST',
          'scenario: migrate VM to HOST',
          'scenario: snapshot it',
          'scenario: delete the snapshot',
          'scenario: create a user',
          'scenario: create an authentication token',
          'scenario: start every halted VM of sim-pool on HOST',
          'scenario: put HOST in maintenance (every VM on it migrated away)',
          'scenario: emergency-stop HOST',
          'scenario: start HOST',
          'scenario: leave maintenance on HOST',
          'scenario: stop HOST',
          'scenario: start HOST',
          'scenario: start VM-clone on HOST',
          'scenario: HOST loses power with VM-clone on it (no API call)',
          'scenario: start HOST again',
          'scenario: start VM-copy',
          'scenario: the guest of VM-copy shuts itself down (no API call)',
          'scenario: stop VM',
          'scenario: cleaned up',
        ],
      )
      // the VMs it made: created, cloned, copied, restored, imported, each with a VIF on each of the two networks
      const born = new Map<string, any>()
      for (const n of c.notifications)
        for (const o of Object.values(n.items) as any[])
          if (o !== 0 && o.type === 'VM' && !before.has(o.id)) born.set(o.id, o)
      assert.deepEqual([...born.values()].map((v) => v.name_label.replace(/\(\d{8}T\d{6}Z\)/, '(DATE)')).sort(), [
        'demo-vm-1',
        'demo-vm-1 (DATE)',
        'demo-vm-1-clone',
        'demo-vm-1-copy',
        'demo-vm-1-import',
      ])
      const vifNetworks = new Map<string, string>()
      for (const n of c.notifications)
        for (const o of Object.values(n.items) as any[])
          if (o !== 0 && o.type === 'VIF') vifNetworks.set(o.id, o.$network)
      for (const vm of born.values())
        assert.equal(new Set(vm.VIFs.map((v: string) => vifNetworks.get(v))).size, 2, vm.name_label)
      // every VM it made deleted, nothing left behind, the hosts as they were
      assert.deepEqual(new Map([...sim.objects.values()].map((o) => [o.id, o.type])), before)
      assert.deepEqual(
        [...sim.objects.values()]
          .filter((o) => o.type === 'host')
          .map((h) => `${h.name_label}:${h.power_state}:${h.enabled}`),
        hostsBefore,
      )
      // the night of backups: a snapshot of each VM of the pool (those it made too), each gone once exported
      const snapshotted = new Set<string>()
      for (const n of c.notifications)
        for (const o of Object.values(n.items) as any[])
          if (o !== 0 && o.type === 'VM-snapshot' && o.name_label.startsWith('[XO Backup demo nightly backup] '))
            snapshotted.add(o.$snapshot_of)
      assert.equal(snapshotted.size, poolVms.length + 5)
      for (const vm of poolVms) assert.ok(snapshotted.has(vm.id), vm.name_label)
      // the evacuation: every VM on the host (the halted ones started there, and the VM) moved away in one call
      const maintenance = lines.findIndex((l) => l.includes('in maintenance (every VM on it migrated away)'))
      const [hostA] = [...sim.objects.values()]
        .filter((o) => o.type === 'host')
        .sort((a, b) => a.name_label.localeCompare(b.name_label))
      const evacuated = new Set<string>()
      // (up to the step after the next: the last move may be read just after the next step began; an emergency
      // stop of the empty host moves nothing)
      for (const n of c.notifications.slice(marks[maintenance], marks[maintenance + 2]))
        for (const o of Object.values(n.items) as any[])
          if (o !== 0 && o.type === 'VM' && o.$container === hostA.id) evacuated.add(o.id)
      assert.ok(halted.length >= 2)
      for (const vm of halted) assert.ok(evacuated.has(vm), sim.objects.get(vm).name_label)
      assert.ok(evacuated.size > halted.length, 'the VM of the scenario too')
      // the VMs it started are halted again
      assert.deepEqual(
        [...sim.objects.values()].filter((o) => o.type === 'VM').map((o) => `${o.id}:${o.power_state}`),
        powerBefore,
      )
      // and its backups, its job
      assert.deepEqual(await sim.invoke('backupNg.getAllJobs', {}), [])
      assert.deepEqual(await sim.invoke('backupNg.listVmBackups', { remotes: [BACKUP_REMOTE_ID] }), {
        [BACKUP_REMOTE_ID]: {},
      })
      for (const m of [
        'vm.create',
        'vm.clone',
        'vm.copy',
        'backupNg.importVmBackup',
        'backupNg.createJob',
        'backupNg.runJob',
        'vm.snapshot',
        'user.create',
        'token.create',
        'host.setMaintenanceMode',
        'host.emergencyShutdownHost',
        'host.stop',
        'host.start',
        'vm.migrate',
        'vm.stop',
      ]) {
        assert.ok(invoked.includes(m), m)
      }
      await c.close()
    } finally {
      await sim.stop()
    }
  })
})
