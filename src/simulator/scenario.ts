// A small realistic story played through sim.invoke (so web-hooks and notifications fire as for a
// real client): create a VM from a template with VIFs on two networks, clone it and copy it (halted: XAPI
// clones and copies only halted VMs), restore a backup of it, import one (an upload), a night of backups (one job
// snapshots and exports every VM of the pool: a burst of object changes from two calls), start it, migrate it,
// snapshot it and delete the snapshot, create a user and a token, crowd a host (every halted VM of the pool started
// on it) and put it in maintenance (every VM on it migrated away by XAPI: a burst with one call), emergency-stop it
// (empty) and start it, take it out of maintenance, stop and start it; then what happens without any API call: the
// clone's host loses power (and comes back with host.start), the copy's guest shuts itself down; stop the VM, clean
// up. Every example flow has its trigger here. Cleanup deletes every VM, backup and job it made and stops the VMs
// it started, so `loop: true` never grows the inventory.
import type { XoSimulator } from './index'
import { BACKUP_REMOTE_ID } from './vm-import'

export interface ScenarioOptions {
  signal?: AbortSignal
  loop?: boolean
  pauseMs?: number
  log?: (s: string) => void
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done)
  })
}

function pickSetting(sim: XoSimulator) {
  const objs = [...sim.objects.values()]
  const template = objs.find((o) => o.type === 'VM-template' && o.name_label === 'Debian 12 template')
  if (template === undefined) throw new Error('scenario: no "Debian 12 template"')
  const poolId = template.$pool
  const pool = sim.objects.get(poolId)
  const hosts = objs
    .filter((o) => o.type === 'host' && o.$pool === poolId)
    .sort((a, b) => a.name_label.localeCompare(b.name_label))
  const nets = objs.filter((o) => o.type === 'network' && o.$pool === poolId && o.bridge !== 'xenapi')
  if (hosts.length < 2 || nets.length < 2) throw new Error('scenario: needs a pool with 2 hosts and 2 networks')
  return { template, pool, hosts, nets }
}

export async function runScenario(sim: XoSimulator, opts: ScenarioOptions = {}): Promise<void> {
  const log = opts.log ?? (() => {})
  const pauseMs = opts.pauseMs ?? 2000
  const { signal } = opts
  let round = 0
  // A moment first: whoever started it (a web-hook registration, say) is ready for its first step.
  await pause(pauseMs, signal)
  do {
    round++
    const { template, pool, hosts, nets } = pickSetting(sim)
    const [hostA, hostB] = hosts
    const name = `demo-vm-${round}`
    const created: {
      vm?: string
      clone?: string
      copy?: string
      backup?: string
      restored?: string
      imported?: string
      snapshot?: string
      user?: string
      token?: string
      job?: string
      jobBackups: string[]
      started: string[]
    } = { jobBackups: [], started: [] }
    const step = async (what: string, method: string, params: Record<string, unknown>) => {
      if (signal?.aborted) throw new Error('aborted')
      log(`scenario: ${what}`)
      const result = await sim.invoke(method, params)
      await pause(pauseMs, signal)
      return result
    }
    // several calls in a row, without the pause between steps: a burst
    const burst = async (what: string, calls: () => Promise<void>) => {
      if (signal?.aborted) throw new Error('aborted')
      log(`scenario: ${what}`)
      await calls()
      await pause(pauseMs, signal)
    }
    // what XAPI reports without anyone calling XO: no web-hook, only object notifications
    const happens = async (what: string, change: () => Promise<void>) => {
      if (signal?.aborted) throw new Error('aborted')
      log(`scenario: ${what} (no API call)`)
      await change()
      await pause(pauseMs, signal)
    }
    try {
      created.vm = (await step(`create a VM from "Debian 12 template"`, 'vm.create', {
        name_label: name,
        name_description: 'created by the simulator scenario',
        template: template.id,
        VIFs: [{ network: nets[0].id }, { network: nets[1].id }],
      })) as string
      // still halted: XAPI clones and copies only halted VMs
      created.clone = (await step(`clone ${name}`, 'vm.clone', {
        id: created.vm,
        name: `${name}-clone`,
        full_copy: false,
      })) as string
      created.copy = (await step(`copy ${name}`, 'vm.copy', {
        vm: created.vm,
        sr: defaultSr(sim, template.$pool),
        name: `${name}-copy`,
      })) as string
      // a backup of it, as a backup job would have made, restored: a VM with the same MACs
      created.backup = sim.takeVmBackup(created.vm)
      created.restored = (await step(`restore a backup of ${name}`, 'backupNg.importVmBackup', {
        id: created.backup,
        sr: defaultSr(sim, template.$pool),
        settings: {},
      })) as string
      // an import: XO answers with where to upload the VM (an XVA, an OVA), and makes it once the upload is in
      const upload = (await step(`import ${name}-import`, 'vm.import', {
        sr: defaultSr(sim, template.$pool),
        data: { nameLabel: `${name}-import`, networks: nets.map((n) => n.id) },
      })) as { $sendTo: string }
      const answer = await fetch(sim.url + upload.$sendTo, { method: 'POST', body: Buffer.alloc(64 * 1024) })
      created.imported = ((await answer.json()) as { result: string }).result
      // a night of backups: a full backup job of every VM of the pool (XO's smart mode), to the simulated remote
      const backupsBefore = new Set(
        backupIds(await sim.invoke('backupNg.listVmBackups', { remotes: [BACKUP_REMOTE_ID] })),
      )
      created.job = (await step(
        `create the backup job "demo nightly backup" (every VM of ${pool.name_label})`,
        'backupNg.createJob',
        {
          mode: 'full',
          name: 'demo nightly backup',
          vms: { type: 'VM', $pool: { __or: [pool.id] } },
          remotes: { id: BACKUP_REMOTE_ID },
          schedules: { nightly: { cron: '0 2 * * *', enabled: true, name: 'every night', timezone: 'UTC' } },
          settings: { '': { reportWhen: 'failure', concurrency: 2 }, nightly: { exportRetention: 1 } },
        },
      )) as string
      const job = (await sim.invoke('backupNg.getJob', { id: created.job })) as { settings: Record<string, unknown> }
      const schedule = Object.keys(job.settings).find((k) => k !== '')!
      try {
        await step('run it: a night of backups', 'backupNg.runJob', { id: created.job, schedule })
      } finally {
        created.jobBackups = backupIds(
          await sim.invoke('backupNg.listVmBackups', { remotes: [BACKUP_REMOTE_ID] }),
        ).filter((id) => !backupsBefore.has(id))
      }
      // make sure both hosts are up (a previous round may have been interrupted)
      for (const h of [hostA, hostB])
        if (sim.objects.get(h.id)?.power_state !== 'Running')
          await step(`start ${h.name_label}`, 'host.start', { id: h.id })
      await step(`start ${name} on ${hostA.name_label}`, 'vm.start', { id: created.vm, host: hostA.id })
      await step(`migrate ${name} to ${hostB.name_label}`, 'vm.migrate', { vm: created.vm, targetHost: hostB.id })
      created.snapshot = (await step('snapshot it', 'vm.snapshot', { id: created.vm, name: `${name}-snap` })) as string
      await step('delete the snapshot', 'vm.delete', { id: created.snapshot })
      created.snapshot = undefined
      created.user = (await step('create a user', 'user.create', {
        email: `demo-user-${round}-${Date.now()}@example.org`,
        password: 'demo-password',
        permission: 'none',
      })) as string
      created.token = (await step('create an authentication token', 'token.create', {
        description: `demo token ${round}`,
      })) as string
      // a crowded host to evacuate: the pool's halted VMs (those it had before this round) started on it at once
      const halted = [...sim.objects.values()].filter(
        (o) =>
          o.type === 'VM' &&
          o.$pool === pool.id &&
          o.power_state === 'Halted' &&
          !Object.values(created).includes(o.id),
      )
      await burst(`start every halted VM of ${pool.name_label} on ${hostB.name_label}`, async () => {
        for (const vm of halted) {
          await sim.invoke('vm.start', { id: vm.id, host: hostB.id })
          created.started.push(vm.id)
        }
      })
      // XO's maintenance mode: the host disabled, then XAPI migrates every VM on it away (no vm.migrate call)
      await step(`put ${hostB.name_label} in maintenance (every VM on it migrated away)`, 'host.setMaintenanceMode', {
        id: hostB.id,
        maintenance: true,
      })
      // evacuated: an emergency shutdown has no VM to suspend
      await step(`emergency-stop ${hostB.name_label}`, 'host.emergencyShutdownHost', { host: hostB.id })
      await step(`start ${hostB.name_label}`, 'host.start', { id: hostB.id })
      await step(`leave maintenance on ${hostB.name_label}`, 'host.setMaintenanceMode', {
        id: hostB.id,
        maintenance: false,
      })
      await step(`stop ${hostB.name_label}`, 'host.stop', { id: hostB.id })
      await step(`start ${hostB.name_label}`, 'host.start', { id: hostB.id })
      await step(`start ${name}-clone on ${hostB.name_label}`, 'vm.start', { id: created.clone, host: hostB.id })
      await happens(`${hostB.name_label} loses power with ${name}-clone on it`, () => sim.hostPowerLoss(hostB.id))
      await step(`start ${hostB.name_label} again`, 'host.start', { id: hostB.id })
      await step(`start ${name}-copy`, 'vm.start', { id: created.copy })
      await happens(`the guest of ${name}-copy shuts itself down`, () => sim.guestShutdown(created.copy!))
      await step(`stop ${name}`, 'vm.stop', { id: created.vm })
    } catch (err) {
      if (!signal?.aborted) log(`scenario: step failed: ${(err as Error).message}`)
    }
    // cleanup, even after a failure, so that looping does not grow the inventory
    const quiet = (p: Promise<unknown>) => p.catch(() => {})
    if (created.snapshot !== undefined) await quiet(sim.invoke('vm.delete', { id: created.snapshot }))
    for (const vm of [created.clone, created.copy, created.restored, created.imported, created.vm]) {
      if (vm !== undefined) await quiet(sim.invoke('vm.delete', { id: vm, deleteDisks: true }))
    }
    if (created.backup !== undefined) await quiet(sim.invoke('backupNg.deleteVmBackup', { id: created.backup }))
    if (created.user !== undefined) await quiet(sim.invoke('user.delete', { id: created.user }))
    if (created.token !== undefined) await quiet(sim.invoke('token.delete', { tokens: [created.token] }))
    if (created.job !== undefined) await quiet(sim.invoke('backupNg.deleteJob', { id: created.job }))
    if (created.jobBackups.length > 0) await quiet(sim.invoke('backupNg.deleteVmBackups', { ids: created.jobBackups }))
    for (const vm of created.started)
      if (sim.objects.get(vm)?.power_state === 'Running') await quiet(sim.invoke('vm.stop', { id: vm }))
    if (!signal?.aborted) log('scenario: cleaned up')
    if (opts.loop && !signal?.aborted) await pause(pauseMs, signal)
  } while (opts.loop && !signal?.aborted)
}

/** The ids of backupNg.listVmBackups' answer ({remote: {vm: [backup]}}). */
function backupIds(listed: unknown): string[] {
  return Object.values(listed as Record<string, Record<string, Array<{ id: string }>>>).flatMap((byVm) =>
    Object.values(byVm).flatMap((backups) => backups.map((b) => b.id)),
  )
}

/** The pool's default SR (where XO puts a copy or a restore when asked for the pool's usual storage). */
function defaultSr(sim: XoSimulator, poolId: string): string {
  return sim.objects.get(poolId)?.default_SR
}
