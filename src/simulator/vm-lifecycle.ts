// vm.create / vm.clone / vm.snapshot / vm.delete timelines (captured usecases steps 1, 10, 11, 15-17, 30).
import { notImplemented, XapiError } from './errors'
import { makeVbd, makeVdi, makeVif, makeVm, nowSec } from './objects'
import { reorder, type XoObject } from './shapes'
import { stopVm } from './vm-power'
import type { Xapi } from './xapi'

const c = (x: Xapi, poolId: string, id = x.newId()) => ({ id, poolId, ref: x.newRef() })

/** Copies a VM's disks and VIFs onto `newVmId` (one XAPI batch); returns the new ids. */
function copyDevices(
  x: Xapi,
  src: XoObject,
  newVmId: string,
  o: { snapshot?: boolean; newMacs: boolean; sr?: string },
) {
  const VBDs: string[] = []
  const VIFs: string[] = []
  const vdis: XoObject[] = []
  for (const vbdId of src.$VBDs as string[]) {
    const vbd = x.store.get(vbdId)
    const vdi = vbd && x.store.get(vbd.VDI)
    if (vbd === undefined || vdi === undefined) continue
    const vdiId = x.newId()
    const newVbd = makeVbd(c(x, src.$pool), { vdi: vdiId, vm: newVmId, position: vbd.position, attached: false })
    const newVdi = makeVdi(c(x, src.$pool, vdiId), {
      // a full copy (VM.copy to an SR) owes nothing to the source's disks: no parent
      name: vdi.name_label,
      size: vdi.size,
      sr: o.sr ?? vdi.$SR,
      VBDs: [newVbd.id],
      parent: o.sr === undefined ? vdi.id : undefined,
      snapshotOf: o.snapshot ? vdi.id : undefined,
      snapshotTime: nowSec(),
    })
    x.store.add(newVbd)
    x.store.add(newVdi)
    VBDs.push(newVbd.id)
    vdis.push(newVdi)
  }
  for (const vifId of src.VIFs as string[]) {
    const vif = x.store.get(vifId)
    if (vif === undefined) continue
    const mac = o.newMacs ? x.newMac() : vif.MAC
    VIFs.push(
      x.store.add(
        makeVif(c(x, src.$pool), { mac, device: vif.device, network: vif.$network, vm: newVmId, attached: false }),
      ).id,
    )
  }
  return { VBDs, VIFs, vdis }
}

/** The rest of the copy batch after the new VM: SR(s), network(s) get the new devices. */
function linkDevices(x: Xapi, copy: { VIFs: string[]; vdis: XoObject[] }): void {
  for (const vdi of copy.vdis) x.srEdit(vdi.$SR, vdi, true)
  for (const vifId of copy.VIFs) x.listEdit(x.store.get(vifId)!.$network, 'VIFs', [vifId])
}

export async function createVm(x: Xapi, userId: string, p: Record<string, any>): Promise<string> {
  const tpl = x.get(p.template, ['VM-template', 'VM-snapshot'], 'VM-template')
  const networks = (p.VIFs ?? []).map((v: any) => x.get(v?.network, 'network').id as string)
  await x.step(60)
  const pool = tpl.$pool
  const clone = x.task('Async.VM.clone', pool, x.master(pool))
  x.store.update(tpl.id, { current_operations: { [clone.id]: 'clone' } })
  await x.step(400)
  const id = x.newId()
  const copy = copyDevices(x, tpl, id, { newMacs: true })
  const base = makeVm(c(x, pool, id), {
    type: 'VM-template',
    name: p.name_label,
    description: tpl.name_description,
    cpus: tpl.CPUs.number,
    memory: tpl.memory.size,
    container: pool,
    VIFs: copy.VIFs,
    VBDs: copy.VBDs,
    installTime: nowSec(),
    other: { ...tpl.other, mac_seed: x.newId() },
    parent: tpl.id,
    tags: [...tpl.tags],
  })
  x.store.add(base)
  linkDevices(x, copy)
  x.store.update(tpl.id, { current_operations: {} })
  await x.step(200)
  x.finish(clone, 'success', `<value>${base._xapiRef}</value>`, false)
  await x.step(200)
  const provision = x.task('Async.VM.provision', pool, x.master(pool))
  x.store.update(id, { current_operations: { [provision.id]: 'provision' } })
  x.store.remove(clone.id)
  await x.step(210)
  // provisioned: from now on a real VM
  x.store.objects.set(
    id,
    reorder(
      { ...x.store.get(id)!, type: 'VM' },
      {
        isDefaultTemplate: undefined,
        template_info: undefined,
        vulnerabilities: { xsa468: false },
        current_operations: {},
      },
    ),
  )
  x.store.touch(id)
  x.finish(provision, 'success', '', false)
  await x.step(210)
  const creation = { date: new Date().toISOString(), template: tpl.id, user: userId }
  const vm = x.store.get(id)!
  const patch: Record<string, unknown> = {
    name_description: p.name_description ?? vm.name_description,
    creation,
    other: { ...vm.other, [`xo:${id.slice(0, 8)}`]: JSON.stringify({ creation }) },
  }
  if (typeof p.CPUs === 'number') patch.CPUs = { max: p.CPUs, number: p.CPUs }
  if (typeof p.memory === 'number')
    patch.memory = { dynamic: [p.memory, p.memory], static: [vm.memory.static[0], p.memory], size: p.memory }
  if (Array.isArray(p.tags)) patch.tags = p.tags
  if (p.VIFs === undefined) {
    x.store.update(id, patch)
    x.store.remove(provision.id)
  } else {
    // XO drops the template's VIFs and creates the requested ones with fresh MACs
    const destroy = x.task('Async.VIF.destroy', pool, x.master(pool))
    x.finish(destroy, 'success', '<value></value>', false)
    x.store.update(id, { ...patch, VIFs: [] })
    for (const vifId of copy.VIFs) x.listEdit(x.store.get(vifId)!.$network, 'VIFs', [], [vifId])
    x.store.remove(provision.id)
    for (const vifId of copy.VIFs) x.store.remove(vifId)
    await x.step(200)
    const VIFs = networks.map(
      (net: string, i: number) =>
        x.store.add(
          makeVif(c(x, pool), {
            mac: p.VIFs[i]?.mac ?? x.newMac(),
            device: String(i),
            network: net,
            vm: id,
            attached: false,
          }),
        ).id,
    )
    const nets = [...new Set(networks)] as string[]
    if (nets.length > 0)
      x.listEdit(
        nets[0],
        'VIFs',
        VIFs.filter((v: string) => x.store.get(v)!.$network === nets[0]),
      )
    x.store.update(id, { VIFs })
    for (const net of nets.slice(1))
      x.listEdit(
        net,
        'VIFs',
        VIFs.filter((v: string) => x.store.get(v)!.$network === net),
      )
    x.store.touch(pool)
    await x.step(5)
    x.store.remove(destroy.id)
    await x.step(3)
    // XO re-reads the VM and its VIFs one by one: captured as [VM, VIF] then [VIF]
    x.store.touch(id)
    for (const [i, v] of VIFs.entries()) {
      if (i > 0) await x.nextTurn()
      x.store.touch(v)
    }
  }
  x.core.clock.background(async () => {
    await x.step(200)
    x.store.touch(pool)
  }, x.core.opts.log)
  return id
}

export async function cloneVm(x: Xapi, src: XoObject, name: string, fullCopy: boolean): Promise<string> {
  return cloneOrCopy(x, src, name, fullCopy ? 'copy' : 'clone')
}

/**
 * vm.copy within the pool: XAPI's VM.copy, a full copy of the disks onto `sr`, new MACs (XAPI draws them from
 * the new VM's mac_seed), the clone's timeline otherwise (no capture of vm.copy: the clone's, with an
 * Async.VM.copy task). Assumed like VM.clone: XAPI copies only halted VMs. XO copies to another pool's SR
 * by an export and an import, which the simulator does not do.
 */
export async function copyVm(x: Xapi, src: XoObject, srId: string, name: string | undefined): Promise<string> {
  const sr = x.get(srId, 'SR')
  if (sr.$pool !== src.$pool) throw notImplemented()
  // XO names the copy after its source when no name is given
  return cloneOrCopy(x, src, name ?? `${src.name_label}_COPY`, 'copy', sr.id)
}

async function cloneOrCopy(x: Xapi, src: XoObject, name: string, op: 'clone' | 'copy', srId?: string): Promise<string> {
  await x.step(14)
  src = x.store.get(src.id) ?? src
  const task = x.task(op === 'copy' ? 'Async.VM.copy' : 'Async.VM.clone', src.$pool, x.master(src.$pool))
  if (src.power_state !== 'Halted') {
    // XAPI only clones halted VMs: the task fails, XO replies "VM state is running but should be halted"
    await x.step(210)
    x.finish(task, 'failure')
    throw x.badPowerState(src, 'halted')
  }
  x.store.update(src.id, { current_operations: { [task.id]: op } })
  await x.step(op === 'copy' ? 800 : 400)
  const id = x.newId()
  const copy = copyDevices(x, src, id, { newMacs: true, sr: srId })
  const otherRest = Object.fromEntries(
    Object.entries(src.other as Record<string, string>).filter(([k]) => !k.startsWith('xo:')),
  )
  x.store.add(
    makeVm(c(x, src.$pool, id), {
      type: 'VM',
      name,
      description: src.name_description,
      cpus: src.CPUs.number,
      memory: src.memory.size,
      container: src.$pool,
      VIFs: copy.VIFs,
      VBDs: copy.VBDs,
      installTime: nowSec(),
      tags: [...src.tags],
      other: { ...otherRest, mac_seed: x.newId() },
      parent: src.id,
    }),
  )
  linkDevices(x, copy)
  x.store.update(src.id, { current_operations: {} })
  return finishCopy(x, task, id)
}

export async function snapshotVm(x: Xapi, vm: XoObject, name: string | undefined): Promise<string> {
  await x.step(27)
  vm = x.store.get(vm.id) ?? vm
  const task = x.task('Async.VM.snapshot', vm.$pool, x.residentHost(vm)?.id ?? x.master(vm.$pool))
  x.store.update(vm.id, { current_operations: { [task.id]: 'snapshot' } })
  await x.step(500)
  const id = x.newId()
  const copy = copyDevices(x, vm, id, { snapshot: true, newMacs: false })
  const snap = makeVm(c(x, vm.$pool, id), {
    type: 'VM-snapshot',
    name: name ?? `${vm.name_label}_${new Date().toISOString()}`,
    description: vm.name_description,
    cpus: vm.CPUs.number,
    memory: vm.memory.size,
    container: vm.$pool,
    VIFs: copy.VIFs,
    VBDs: copy.VBDs,
    installTime: nowSec(),
    tags: [...vm.tags],
    other: { ...vm.other },
  })
  x.store.add(reorder(snap, { snapshot_time: nowSec(), $snapshot_of: vm.id }))
  for (const vdi of copy.vdis) x.srEdit(vdi.$SR, vdi, true)
  for (const vdi of copy.vdis) x.listEdit(vdi.parent, 'snapshots', [vdi.id])
  for (const vifId of copy.VIFs) x.listEdit(x.store.get(vifId)!.$network, 'VIFs', [vifId])
  x.store.update(vm.id, { current_operations: {}, snapshots: [...vm.snapshots, id], parent: id })
  return finishCopy(x, task, id)
}

export async function deleteVm(x: Xapi, vm: XoObject, deleteDisks: boolean): Promise<void> {
  if (vm.type === 'VM-template' && vm.isDefaultTemplate) throw new XapiError('VM_IS_TEMPLATE', [vm._xapiRef])
  if (vm.power_state === 'Running' || vm.power_state === 'Paused') await stopVm(x, vm, true)
  vm = x.store.get(vm.id) ?? vm
  await x.step(25)
  x.store.touch(vm.id)
  await x.step(200)
  const task = x.task('Async.VM.destroy', vm.$pool, x.master(vm.$pool))
  await x.step(210)
  const vdis: XoObject[] = []
  for (const vbdId of vm.$VBDs as string[]) {
    const vbd = x.store.get(vbdId)
    const vdi = vbd && x.store.get(vbd.VDI)
    if (vdi === undefined) continue
    vdis.push(vdi)
    x.listEdit(vdi.id, '$VBDs', [], [vbdId])
  }
  const nets = new Set<string>()
  for (const vifId of vm.VIFs as string[]) {
    const net = x.store.get(vifId)?.$network
    if (net !== undefined) nets.add(net)
  }
  for (const net of nets) x.listEdit(net, 'VIFs', [], vm.VIFs)
  const related = vm.type === 'VM-snapshot' ? vm.$snapshot_of : vm.parent
  const rel = related === undefined ? undefined : x.store.get(related)
  if (rel !== undefined && vm.type === 'VM-snapshot') {
    x.store.update(rel.id, {
      snapshots: rel.snapshots.filter((s: string) => s !== vm.id),
      parent: rel.parent === vm.id ? undefined : rel.parent,
    })
  } else if (rel !== undefined) x.store.touch(rel.id)
  const withDisks = deleteDisks && vdis.length > 0
  x.finish(task, 'success', '', !withDisks)
  for (const id of [...vm.$VBDs, ...vm.VIFs, vm.id]) x.store.remove(id)
  if (!withDisks) return
  await x.step(200)
  const destroy = x.task('Async.VDI.destroy', vm.$pool, x.master(vm.$pool))
  x.finish(destroy, 'success', '<value></value>')
  for (const vdi of vdis) {
    if (vdi.$snapshot_of !== undefined) x.listEdit(vdi.$snapshot_of, 'snapshots', [], [vdi.id])
    x.srEdit(vdi.$SR, vdi, false)
  }
  // captured: the enter batch first, then one exit for the VM.destroy task and the disks
  await x.nextTurn()
  x.store.remove(task.id)
  for (const vdi of vdis) x.store.remove(vdi.id)
}

/**
 * The end of a clone or snapshot as XAPI does it: the task succeeds, and a moment later the new VM is sent
 * once more (XAPI's own follow-up update, as in the captures).
 */
async function finishCopy(x: Xapi, task: Parameters<Xapi['finish']>[0], id: string): Promise<string> {
  await x.step(200)
  x.finish(task, 'success')
  x.core.clock.background(async () => {
    await x.step(200)
    x.store.touch(id)
  }, x.core.opts.log)
  return id
}
