// What a full backup job does to a pool's objects when it runs against the simulated remote: for each VM of the
// job, a snapshot, an export of that snapshot to the remote, then the snapshot deleted. No capture of a successful
// backup run exists (the captured run failed before touching a VM: A8), so this is assembled from captured parts
// and XO's documented behaviour, each assumption said where it is made:
// - the snapshot is vm.snapshot's captured timeline (usecases step 10), named as XO names a backup's snapshot
//   ("[XO Backup <job>] <vm>"), then marked with XO's backup keys in its other_config (one update);
// - the export is one XAPI task on the pool master, named like the import's ("Xapi#getResource /export/", the
//   HTTP resource xen-api reads), shown in the snapshot's current_operations while it lasts;
// - a full backup keeps no snapshot (snapshotRetention 0): the snapshot goes with vm.delete's captured timeline;
// - XO's own run log (backupNg.getAllLogs, the REST tasks) is not an XAPI object: it never shows in `all`
//   notifications, so it is not simulated.
// VMs are backed up one after the other unless the job's settings say `concurrency` (XO's setting of that name).
import type { Core, Job } from './core'
import { takeVmBackup } from './vm-import'
import { deleteVm, snapshotVm } from './vm-lifecycle'
import type { XoObject } from './shapes'
import type { Xapi } from './xapi'

/**
 * XO's value-matcher patterns, as backup jobs keep their VMs (`{id: uuid}`, `{id: {__or: [...]}}`, smart mode's
 * `{type: 'VM', $pool: {__or: [poolId]}}`): objects match key by key, `__or` / `__and` / `__not` combine, an
 * array pattern wants each of its values in the array it is matched against.
 */
export function matchesPattern(value: unknown, pattern: unknown): boolean {
  if (pattern === null || typeof pattern !== 'object') return value === pattern
  const p = pattern as Record<string, unknown>
  if (Array.isArray(p.__or)) return p.__or.some((q) => matchesPattern(value, q))
  if (Array.isArray(p.__and)) return p.__and.every((q) => matchesPattern(value, q))
  if ('__not' in p) return !matchesPattern(value, p.__not)
  if (Array.isArray(pattern))
    return Array.isArray(value) && pattern.every((q) => value.some((v) => matchesPattern(v, q)))
  if (value === null || typeof value !== 'object') return false
  return Object.entries(p).every(([k, q]) => matchesPattern((value as Record<string, unknown>)[k], q))
}

/** The VMs a job names, in the inventory's order (ids it names that are gone are not backed up). */
export function jobVms(core: Core, job: Job): XoObject[] {
  return [...core.store.objects.values()].filter((o) => o.type === 'VM' && matchesPattern(o, job.vms))
}

async function backUpVm(core: Core, job: Job, scheduleId: string, vmId: string): Promise<void> {
  const x: Xapi = core.xapi
  const vm = x.store.get(vmId)
  if (vm?.type !== 'VM') return
  const snapId = await snapshotVm(x, vm, `[XO Backup ${String(job.name ?? job.id)}] ${vm.name_label}`)
  await x.step(40)
  const snap = x.store.get(snapId)!
  const now = new Date().toISOString()
  x.store.update(snapId, {
    other: {
      ...snap.other,
      'xo:backup:datetime': now,
      'xo:backup:job': job.id,
      'xo:backup:schedule': scheduleId,
      'xo:backup:vm': vm.id,
    },
  })
  await x.step(100)
  const task = x.task('Xapi#getResource /export/', snap.$pool, x.master(snap.$pool))
  x.store.update(snapId, { current_operations: { [task.id]: 'export' } })
  await x.step(800)
  takeVmBackup(x, core.backups, x.store.get(vmId) ?? vm)
  x.store.update(snapId, { current_operations: {} })
  x.finish(task, 'success')
  await x.step(200)
  await deleteVm(x, x.store.get(snapId)!, true)
}

/** Backs up every VM of the job, `concurrency` at a time (default 1). */
export async function backUpJobVms(core: Core, job: Job, scheduleId: string): Promise<void> {
  const queue = jobVms(core, job).map((vm) => vm.id)
  const general = ((job.settings as Record<string, Record<string, unknown>> | undefined)?.[''] ?? {}) as {
    concurrency?: unknown
  }
  const concurrency = typeof general.concurrency === 'number' && general.concurrency > 0 ? general.concurrency : 1
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) await backUpVm(core, job, scheduleId, id)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker))
}
