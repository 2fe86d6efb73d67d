// The bursts of a pool's life: a night of backups (one job snapshots and exports every VM of a pool) and a host
// evacuated for maintenance (every running VM migrated away, then the host back). One or two API calls each, many
// object changes: what a digest of XO's events has to make one message of.
import assert from 'node:assert/strict'
import type { HookBody } from '../../src/hooks/delivery'
import { XoSimulator } from '../../src/simulator'
import { BACKUP_REMOTE_ID } from '../../src/simulator/vm-import'
import { RpcClient, Sink } from './helpers'

const ADMIN = { email: 'admin@admin.net', password: 'admin' }

describe('simulator: bursts (a night of backups, a host evacuation)', () => {
  let sim: XoSimulator
  let sink: Sink
  let c: RpcClient
  const objs = () => [...sim.objects.values()]
  const hook = (method: string) => ({ method, type: 'pre/post', url: sink.url('/ok'), format: 'json' })
  /** web-hooks configured for these methods, and loaded */
  const hooked = async (methods: string[]) => {
    await c.call('plugin.configure', { id: 'web-hooks', configuration: { hooks: methods.map(hook) } })
    await c.call('plugin.load', { id: 'web-hooks' })
  }

  beforeEach(async () => {
    sim = await XoSimulator.start({ timeScale: 0.02 })
    sink = await Sink.start()
    c = await RpcClient.connect(sim.url)
    await c.call('session.signIn', ADMIN)
  })
  afterEach(async () => {
    await c.close()
    await sim.stop()
    await sink.stop()
  })

  it('a backup job of a whole pool: each VM snapshotted, exported to the remote, its snapshot deleted', async () => {
    const pool = objs().find((o) => o.type === 'pool')
    const vms = objs().filter((o) => o.type === 'VM' && o.$pool === pool.id)
    assert.ok(vms.length >= 5)
    const before = new Set(sim.objects.keys())
    await hooked(['backupNg.runJob'])
    const job = await c.call('backupNg.createJob', {
      mode: 'full',
      name: 'nightly',
      // XO's smart mode: every VM of the pool, those made later too
      vms: { type: 'VM', $pool: { __or: [pool.id] } },
      remotes: { id: BACKUP_REMOTE_ID },
      schedules: { tmp: { cron: '0 2 * * *', enabled: true, name: 'every night', timezone: 'UTC' } },
      settings: { '': { reportWhen: 'failure' }, tmp: { exportRetention: 1 } },
    })
    const schedule = Object.keys((await c.call('backupNg.getJob', { id: job })).settings).find((k) => k !== '')!
    const from = c.notifications.length
    assert.equal(await c.call('backupNg.runJob', { id: job, schedule }), true)
    await sink.waitForCount(4)
    await c.settle(60)

    // the API call's pair around the job runner's own (no userId), as captured (A8), the runner's a success
    const hooks = sink.requests.map((r) => r.json as HookBody & { result?: unknown; userId?: string })
    assert.deepEqual(
      hooks.map((h) => `${h.type} ${h.method}`),
      ['pre backupNg.runJob', 'pre backupNg.runJob', 'post backupNg.runJob', 'post backupNg.runJob'],
    )
    assert.equal(hooks[1].userId, undefined)
    assert.equal(hooks[2].result, true)

    const items = c.notifications.slice(from).flatMap((n) => Object.entries(n.items))
    const entered = items.filter(([, o]) => o !== 0).map(([, o]) => o)
    // one snapshot per VM, named as XO names a backup's, marked as the job's; none left once the job is over
    const snapshots = new Map<string, any>()
    for (const o of entered) if (o.type === 'VM-snapshot') snapshots.set(o.id, o)
    assert.deepEqual([...snapshots.values()].map((s) => s.$snapshot_of).sort(), vms.map((v) => v.id).sort())
    for (const s of snapshots.values()) {
      const vm = sim.objects.get(s.$snapshot_of)
      assert.equal(s.name_label, `[XO Backup nightly] ${vm.name_label}`)
    }
    const marked = entered.filter((o) => o.type === 'VM-snapshot' && o.other['xo:backup:job'] === job)
    assert.equal(new Set(marked.map((o) => o.id)).size, vms.length)
    const gone = new Set(items.filter(([, o]) => o === 0).map(([id]) => id))
    for (const id of snapshots.keys()) assert.ok(gone.has(id), `snapshot ${id} deleted`)
    assert.deepEqual(new Set(sim.objects.keys()), before)
    // XAPI's tasks: a snapshot and an export per VM, each pending then successful
    const tasks = (name: string, status: string) =>
      new Set(entered.filter((o) => o.type === 'task' && o.name_label === name && o.status === status).map((o) => o.id))
    for (const name of ['Async.VM.snapshot', 'Xapi#getResource /export/']) {
      assert.equal(tasks(name, 'pending').size, vms.length, name)
      assert.deepEqual(tasks(name, 'success'), tasks(name, 'pending'), name)
    }
    // the snapshot shows the export while it runs
    assert.ok(entered.some((o) => o.type === 'VM-snapshot' && Object.values(o.current_operations).includes('export')))
    // one VM after the other: a VM's snapshot is gone before the next one's comes
    const order = items.filter(([id]) => snapshots.has(id)).map(([id, o]) => `${id}:${o === 0 ? 'exit' : 'enter'}`)
    const firstEnter = [...snapshots.keys()].map((id) => order.indexOf(`${id}:enter`))
    const exits = [...snapshots.keys()].map((id) => order.indexOf(`${id}:exit`))
    for (let i = 1; i < firstEnter.length; i++) assert.ok(exits[i - 1] < firstEnter[i])
    // and the remote has a backup of each
    const listed = await c.call('backupNg.listVmBackups', { remotes: [BACKUP_REMOTE_ID] })
    assert.deepEqual(Object.keys(listed[BACKUP_REMOTE_ID]).sort(), vms.map((v) => v.id).sort())
  })

  it('a job of named VMs backs up those only; a job that targets only unknown remotes fails as captured', async () => {
    const [a, b] = objs().filter((o) => o.type === 'VM')
    const job = await c.call('backupNg.createJob', {
      mode: 'full',
      name: 'two',
      vms: { id: { __or: [a.id, b.id] } },
      remotes: { id: BACKUP_REMOTE_ID },
      schedules: { tmp: { cron: '0 2 * * *', enabled: false, name: 'never', timezone: 'UTC' } },
      settings: { '': { concurrency: 2 }, tmp: { exportRetention: 1 } },
    })
    const schedule = Object.keys((await c.call('backupNg.getJob', { id: job })).settings).find((k) => k !== '')!
    await c.call('backupNg.runJob', { id: job, schedule })
    const listed = await c.call('backupNg.listVmBackups', { remotes: [BACKUP_REMOTE_ID] })
    assert.deepEqual(Object.keys(listed[BACKUP_REMOTE_ID]).sort(), [a.id, b.id].sort())

    const elsewhere = await c.call('backupNg.createJob', {
      mode: 'full',
      name: 'elsewhere',
      vms: { id: a.id },
      remotes: { id: 'bogus-remote' },
      schedules: { tmp: { cron: '0 2 * * *', enabled: false, name: 'never', timezone: 'UTC' } },
      settings: { tmp: { exportRetention: 1 } },
    })
    const s2 = Object.keys((await c.call('backupNg.getJob', { id: elsewhere })).settings).find((k) => k !== '')!
    await c.settle(40) // the first job's last tasks gone
    const from = c.notifications.length
    const reply = await c.request('backupNg.runJob', { id: elsewhere, schedule: s2 })
    assert.equal(reply.error.message, "couldn't instantiate any remote")
    await c.settle(40)
    assert.deepEqual(c.notifications.slice(from), [], 'no VM touched')
  })

  it('a host evacuated for maintenance: every running VM migrated away one by one, one API call, then the host back', async () => {
    const hosts = objs().filter((o) => o.type === 'host')
    const [hostA, hostB] = hosts
    const pool = hostB.$pool
    // a crowded host: every halted VM of the pool started on it
    for (const vm of objs().filter((o) => o.type === 'VM' && o.$pool === pool && o.power_state === 'Halted'))
      await c.call('vm.start', { id: vm.id, host: hostB.id })
    await c.settle(60)
    const guests: string[] = sim.objects
      .get(hostB.id)
      .residentVms.filter((v: string) => sim.objects.get(v).type === 'VM')
    assert.ok(guests.length >= 3, `${guests.length} VMs on the host`)
    await hooked(['host.setMaintenanceMode', 'vm.migrate'])
    const from = c.notifications.length
    await c.call('host.setMaintenanceMode', { id: hostB.id, maintenance: true })
    await c.settle(60)
    const batches = c.notifications.slice(from)
    // disabled first, alone
    assert.deepEqual(
      Object.values(batches[0].items).map((o: any) => `${o.id}:${o.enabled}`),
      [`${hostB.id}:false`],
    )
    // then each VM in a batch of its own, leaving for the other host
    const moves = batches
      .flatMap((n) => Object.values(n.items))
      .filter((o: any) => o !== 0 && o.type === 'VM' && o.$container === hostA.id)
      .map((o: any) => o.id)
    assert.deepEqual(moves, guests)
    for (const id of guests) assert.equal(sim.objects.get(id).power_state, 'Running')
    const movedPerBatch = batches.map(
      (n) => Object.values(n.items).filter((o: any) => o !== 0 && o.type === 'VM' && o.$container === hostA.id).length,
    )
    assert.ok(Math.max(...movedPerBatch) <= 1)
    // XAPI's evacuate task, and the host, empty of guests and disabled
    assert.ok(
      batches.some((n) => Object.values(n.items).some((o: any) => o?.name_label === 'Async.host.evacuate')),
      'the host.evacuate task',
    )
    assert.deepEqual(
      sim.objects.get(hostB.id).residentVms.filter((v: string) => sim.objects.get(v).type === 'VM'),
      [],
    )
    assert.equal(sim.objects.get(hostB.id).enabled, false)
    // the host back: enabled, still empty (XO moves nothing back by itself)
    await c.call('host.setMaintenanceMode', { id: hostB.id, maintenance: false })
    assert.equal(sim.objects.get(hostB.id).enabled, true)
    // the only calls XO saw were the two maintenance calls: the migrations are XAPI's, with no web-hook
    await sink.waitForCount(4)
    assert.deepEqual(
      sink.requests.map((r) => `${r.json.type} ${r.json.method}`),
      [
        'pre host.setMaintenanceMode',
        'post host.setMaintenanceMode',
        'pre host.setMaintenanceMode',
        'post host.setMaintenanceMode',
      ],
    )
  })
})
