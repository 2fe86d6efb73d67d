// VMs born from an import: vm.import (an upload to XO's `$sendTo` URL) and backupNg.importVmBackup (a restore).
// Both are XAPI's VM import; no capture of either exists, so the timeline is the clone's shape with the import's
// task (see importVm) and the assumptions are written next to each choice.
import { noSuchObject } from './errors'
import { GiB, makeVbd, makeVdi, makeVif, makeVm, nowSec } from './objects'
import type { XoObject } from './shapes'
import type { Xapi } from './xapi'

const c = (x: Xapi, poolId: string, id = x.newId()) => ({ id, poolId, ref: x.newRef() })

/** What an export (XVA) or a backup holds of a VM: enough to make it again. */
export interface VmDescription {
  name_label: string
  name_description: string
  cpus: number
  memory: number
  tags: string[]
  other: Record<string, string>
  disks: Array<{ name: string; description: string; size: number; position: string }>
  VIFs: Array<{ device: string; network: string; MAC: string }>
}

/** A VM backup of the simulated remote, as backupNg.importVmBackup takes it by id. */
export interface VmBackup {
  id: string
  /** ms since epoch */
  timestamp: number
  /** the backed-up VM's uuid */
  vmUuid: string
  vm: VmDescription
}

/** The remote the simulator's backups are on (there is no other: the simulator has no backup remotes). */
export const BACKUP_REMOTE_ID = 'b4c4b4c4-0000-4000-8000-5eb4c4b4c4b4'

/** '20240115T093000Z', the date format of backup file names (and of a restored VM's name). */
export const filenameDate = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')

export function describeVm(x: Xapi, vm: XoObject): VmDescription {
  const disks: VmDescription['disks'] = []
  for (const vbdId of vm.$VBDs as string[]) {
    const vbd = x.store.get(vbdId)
    const vdi = vbd && x.store.get(vbd.VDI)
    if (vbd === undefined || vdi === undefined) continue
    disks.push({ name: vdi.name_label, description: vdi.name_description, size: vdi.size, position: vbd.position })
  }
  const VIFs: VmDescription['VIFs'] = []
  for (const vifId of vm.VIFs as string[]) {
    const vif = x.store.get(vifId)
    if (vif !== undefined) VIFs.push({ device: vif.device, network: vif.$network, MAC: vif.MAC })
  }
  // XO's own keys (xo:<id>) name the VM's id: they mean nothing to a VM with another id
  const other = Object.fromEntries(
    Object.entries((vm.other ?? {}) as Record<string, string>).filter(([k]) => !k.startsWith('xo:')),
  )
  return {
    name_label: vm.name_label,
    name_description: vm.name_description,
    cpus: vm.CPUs.number,
    memory: vm.memory.size,
    tags: [...vm.tags],
    other,
    disks,
    VIFs,
  }
}

/** A full backup of `vm` taken now, kept on the simulated remote; returns its id (`<remote>/xo-vm-backups/<vm>/<date>.json`). */
export function takeVmBackup(x: Xapi, backups: Map<string, VmBackup>, vm: XoObject): VmBackup {
  let timestamp = Date.now()
  // two backups of one VM in the same second would share a file name: the later one waits its second
  const idAt = (t: number) => `${BACKUP_REMOTE_ID}/xo-vm-backups/${vm.id}/${filenameDate(t)}.json`
  while (backups.has(idAt(timestamp))) timestamp += 1000
  const backup: VmBackup = { id: idAt(timestamp), timestamp, vmUuid: vm.id, vm: describeVm(x, vm) }
  backups.set(backup.id, backup)
  return backup
}

/**
 * The VM described by an XVA import's `data` (vm.import's parameter, what XO reads from an OVA); the simulator
 * cannot read an uploaded XVA, so `data` describes the VM whatever the type. Without it: "Imported VM", 1 vCPU,
 * 1 GiB, one 10 GiB disk, one VIF on the pool's management network.
 */
export function describeUpload(x: Xapi, poolId: string, data: Record<string, any> | undefined): VmDescription {
  const name = typeof data?.nameLabel === 'string' ? data.nameLabel : 'Imported VM'
  const disks =
    Array.isArray(data?.disks) && data.disks.length > 0
      ? data.disks.map((d: any, i: number) => ({
          name: d.nameLabel ?? `${name} disk ${i}`,
          description: d.descriptionLabel ?? '',
          size: d.capacity ?? 10 * GiB,
          position: String(d.position ?? i),
        }))
      : [{ name: `${name} disk`, description: '', size: 10 * GiB, position: '0' }]
  const networks: string[] = Array.isArray(data?.networks)
    ? data.networks.map((n: unknown) => x.get(n, 'network').id)
    : [managementNetwork(x, poolId)].filter((n): n is string => n !== undefined)
  return {
    name_label: name,
    name_description: data?.descriptionLabel ?? '',
    cpus: data?.nCpus ?? 1,
    memory: data?.memory ?? GiB,
    tags: [],
    other: {},
    disks,
    VIFs: networks.map((network, i) => ({ device: String(i), network, MAC: '' })),
  }
}

function managementNetwork(x: Xapi, poolId: string): string | undefined {
  for (const o of x.store.objects.values()) {
    if (o.type === 'PIF' && o.$pool === poolId && o.management === true) return o.$network
  }
  return undefined
}

/**
 * XAPI's VM import onto `srId`: a pending task, then one batch with the new VDIs, VBDs, VIFs, the VM (type VM,
 * Halted: an XVA import makes no template), the SR and networks (the clone's batch order), then the task's
 * success. Assumed: the task is xen-api's for the upload ("Xapi#putResource /import/"); the VIFs keep the
 * described MACs (XAPI's import keeps them) unless `newMacs`, or when the description has none.
 */
export async function importVm(x: Xapi, srId: string, desc: VmDescription, o: { newMacs: boolean }): Promise<string> {
  const sr = x.get(srId, 'SR')
  const poolId: string = sr.$pool
  for (const v of desc.VIFs) if (x.store.get(v.network)?.type !== 'network') throw noSuchObject(v.network, 'network')
  const task = x.task('Xapi#putResource /import/', poolId, x.master(poolId))
  await x.step(600)
  const id = x.newId()
  const VBDs: string[] = []
  const vdis: XoObject[] = []
  for (const d of desc.disks) {
    const vdiId = x.newId()
    const vbd = makeVbd(c(x, poolId), { vdi: vdiId, vm: id, position: d.position, attached: false })
    const vdi = makeVdi(c(x, poolId, vdiId), {
      name: d.name,
      description: d.description,
      size: d.size,
      sr: sr.id,
      VBDs: [vbd.id],
    })
    x.store.add(vbd)
    x.store.add(vdi)
    VBDs.push(vbd.id)
    vdis.push(vdi)
  }
  const VIFs = desc.VIFs.map((v) => {
    const mac = o.newMacs || v.MAC === '' ? x.newMac() : v.MAC
    return x.store.add(makeVif(c(x, poolId), { mac, device: v.device, network: v.network, vm: id, attached: false })).id
  })
  const vm = x.store.add(
    makeVm(c(x, poolId, id), {
      type: 'VM',
      name: desc.name_label,
      description: desc.name_description,
      cpus: desc.cpus,
      memory: desc.memory,
      container: poolId,
      VIFs,
      VBDs,
      installTime: nowSec(),
      tags: [...desc.tags],
      other: { ...desc.other, mac_seed: x.newId() },
    }),
  )
  for (const vdi of vdis) x.srEdit(sr.id, vdi, true)
  for (const vifId of VIFs) x.listEdit(x.store.get(vifId)!.$network, 'VIFs', [vifId])
  await x.step(200)
  x.finish(task, 'success', `<value>${vm._xapiRef}</value>`)
  return id
}

/**
 * backupNg.importVmBackup: the backup's VM imported onto `srId`, then XO names it "<name> (<backup date>)" and
 * tags it "restored from backup" (assumed from XO's restore; one update of the VM ~50 ms after the import).
 * Its VIFs keep the backed-up VM's MACs, as XAPI's import does, unless `settings.newMacAddresses`.
 */
export async function restoreVmBackup(x: Xapi, backup: VmBackup, srId: string, newMacs: boolean): Promise<string> {
  await x.step(40)
  const id = await importVm(x, srId, backup.vm, { newMacs })
  await x.step(50)
  const vm = x.store.get(id)!
  x.store.update(id, {
    name_label: `${backup.vm.name_label} (${filenameDate(backup.timestamp)})`,
    tags: vm.tags.includes('restored from backup') ? vm.tags : [...vm.tags, 'restored from backup'],
  })
  return id
}
