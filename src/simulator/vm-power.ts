// VM power operations, following the captured notification timelines (usecases steps 2-9, 27-28).
import { XapiError } from './errors'
import { guestMetrics, makeVdi, NO_GUEST, nowSec } from './objects'
import type { XoObject } from './shapes'
import type { Xapi } from './xapi'

const NO_IP = { addresses: {}, mainIpAddress: undefined, os_version: null }

/** Guest agent reports OS and IPs ~1.2 s after the domain started (captured). */
function guestBoots(x: Xapi, vmId: string): void {
  x.core.clock.background(async () => {
    await x.step(1200)
    const vm = x.store.get(vmId)
    if (vm?.power_state === 'Running' && vm.type === 'VM') x.store.update(vmId, guestMetrics(x.guestIps(vm)))
  }, x.core.opts.log)
}

export async function startVm(x: Xapi, vm: XoObject, hostId?: string): Promise<void> {
  if (vm.power_state === 'Suspended' || vm.power_state === 'Paused') return resumeVm(x, vm)
  const startedAt = Date.now()
  await x.step(14)
  vm = x.store.get(vm.id) ?? vm
  if (vm.power_state !== 'Halted') {
    // XAPI refuses it: the error carries the call (captured: VM.start(session, ref, false, false))
    const args =
      hostId === undefined ? [vm._xapiRef, false, false] : [vm._xapiRef, x.store.get(hostId)?._xapiRef, false, false]
    throw x.badPowerState(vm, 'halted', { method: hostId === undefined ? 'VM.start' : 'VM.start_on', args, startedAt })
  }
  const pool = vm.$pool
  let host: XoObject
  let task: XoObject | undefined
  if (hostId !== undefined) {
    host = x.get(hostId, 'host')
    if (host.power_state !== 'Running') throw new XapiError('HOST_OFFLINE', [host._xapiRef])
    // VM.start_on runs as a visible task; a plain VM.start showed none
    task = x.task('Async.VM.start_on', pool, host.id)
    x.store.update(vm.id, { current_operations: { [task.id]: 'start_on' } })
  } else {
    host = x.pickHost(pool)
    x.store.touch(vm.id)
  }
  await x.step(800)
  x.store.update(vm.id, {
    current_operations: {},
    power_state: 'Running',
    startTime: nowSec(),
    $container: host.id,
    xenTools: false,
  })
  x.setVbdsVifs(x.store.get(vm.id)!, true)
  x.residency(host.id, vm.id, true)
  guestBoots(x, vm.id)
  if (task !== undefined) {
    await x.step(200)
    x.finish(task, 'success')
  }
}

export async function stopVm(x: Xapi, vm: XoObject, force: boolean): Promise<void> {
  await x.step(14)
  vm = x.store.get(vm.id) ?? vm
  if (vm.power_state !== 'Running' && vm.power_state !== 'Paused') throw x.badPowerState(vm, 'running')
  const host = x.residentHost(vm)
  const task = x.task(
    force ? 'Async.VM.hard_shutdown' : 'Async.VM.clean_shutdown',
    vm.$pool,
    host?.id ?? x.master(vm.$pool),
  )
  x.store.update(vm.id, { current_operations: { [task.id]: force ? 'hard_shutdown' : 'clean_shutdown' } })
  await x.step(700)
  haltNow(x, vm.id)
  await x.step(200)
  x.finish(task, 'success')
}

/** The "halted" batch of vm.stop's capture, in its order: host, VBD, VIFs, VM (no guest data, startTime kept). */
export function haltNow(x: Xapi, vmId: string): void {
  const vm = x.store.get(vmId)!
  const host = x.residentHost(vm)
  if (host !== undefined) x.residency(host.id, vm.id, false)
  x.setVbdsVifs(vm, false)
  x.store.update(vm.id, { ...NO_IP, ...NO_GUEST, current_operations: {}, power_state: 'Halted', $container: vm.$pool })
}

/**
 * The guest OS shut itself down (`poweroff` inside the VM): no API call, no task, no web-hook. XAPI only reports
 * the domain gone, so XO sends the same final batch as vm.stop's (host, VBDs, VIFs, VM) and nothing else.
 */
export function guestShutdown(x: Xapi, vm: XoObject): void {
  if (vm.type !== 'VM' || (vm.power_state !== 'Running' && vm.power_state !== 'Paused')) {
    throw new Error(`guestShutdown: VM ${vm.id} is ${vm.power_state}, not running`)
  }
  haltNow(x, vm.id)
}

export async function restartVm(x: Xapi, vm: XoObject, force: boolean): Promise<void> {
  await x.step(14)
  vm = x.store.get(vm.id) ?? vm
  if (vm.power_state !== 'Running') throw x.badPowerState(vm, 'running')
  const op = force ? 'hard_reboot' : 'clean_reboot'
  const task = x.task(`Async.VM.${op}`, vm.$pool, vm.$container)
  x.store.update(vm.id, { current_operations: { [task.id]: op } })
  await x.step(900)
  x.store.update(vm.id, { ...NO_IP, ...NO_GUEST, xenTools: false, current_operations: {}, startTime: nowSec() })
  guestBoots(x, vm.id)
  await x.step(200)
  x.finish(task, 'success')
}

export async function suspendVm(x: Xapi, vm: XoObject): Promise<void> {
  await x.step(14)
  vm = x.store.get(vm.id) ?? vm
  if (vm.power_state !== 'Running') throw x.badPowerState(vm, 'running')
  const host = x.residentHost(vm)
  const task = x.task('Async.VM.suspend', vm.$pool, host?.id ?? x.master(vm.$pool))
  x.store.update(vm.id, { current_operations: { [task.id]: 'suspend' } })
  await x.step(600)
  suspendNow(x, vm)
  await x.step(200)
  x.finish(task, 'success')
}

/** The "suspended" batch: suspend image VDI, SR, host, VM (captured order). */
export function suspendNow(x: Xapi, vm: XoObject): void {
  const srId = x.store.get(vm.$pool)?.suspendSr
  const vdi = makeVdi(
    { id: x.newId(), poolId: vm.$pool, ref: x.newRef() },
    {
      name: 'Suspend image',
      description: `Suspend image for VM ${vm.name_label}`,
      size: vm.memory.size + 4 * 1024 ** 2,
      sr: srId,
      VBDs: [],
      vdiType: 'suspend',
    },
  )
  x.store.add({ ...vdi, usage: vm.memory.size, chainPhysicalUsage: vm.memory.size })
  x.srEdit(srId, vdi, true)
  const host = x.residentHost(vm)
  if (host !== undefined) x.residency(host.id, vm.id, false)
  suspendVdis.set(vm.id, vdi.id)
  x.store.update(vm.id, { ...NO_GUEST, current_operations: {}, power_state: 'Suspended', $container: vm.$pool })
}

// XO does not expose the suspend VDI on the VM object (no suspendVdi key was captured): keep it aside.
const suspendVdis = new Map<string, string>()

export async function resumeVm(x: Xapi, vm: XoObject): Promise<void> {
  await x.step(14)
  vm = x.store.get(vm.id) ?? vm
  if (vm.power_state !== 'Suspended' && vm.power_state !== 'Paused') throw x.badPowerState(vm, 'suspended')
  const host = x.pickHost(vm.$pool)
  const task = x.task('Async.VM.resume', vm.$pool, host.id)
  x.store.update(vm.id, { current_operations: { [task.id]: 'resume' } })
  await x.step(600)
  // batch: SR, host, VM entered; suspend VDI exits
  const vdiId = suspendVdis.get(vm.id)
  suspendVdis.delete(vm.id)
  const vdi = vdiId === undefined ? undefined : x.store.get(vdiId)
  if (vdi !== undefined) x.srEdit(vdi.$SR, vdi, false)
  x.residency(host.id, vm.id, true)
  const metrics = guestMetrics(x.guestIps(vm))
  x.store.update(vm.id, {
    current_operations: {},
    power_state: 'Running',
    $container: host.id,
    xenTools: metrics.xenTools,
    managementAgentDetected: true,
    pvDriversDetected: true,
    pvDriversVersion: '8.3.0-1',
    pvDriversUpToDate: true,
  })
  if (vdi !== undefined) x.store.remove(vdi.id)
  await x.step(200)
  x.finish(task, 'success')
}

export async function migrateVm(x: Xapi, vm: XoObject, targetHostId: string): Promise<void> {
  const target = x.get(targetHostId, 'host')
  await x.step(14)
  vm = x.store.get(vm.id) ?? vm
  if (vm.power_state !== 'Running') throw x.badPowerState(vm, 'running')
  if (target.power_state !== 'Running') throw new XapiError('HOST_OFFLINE', [target._xapiRef])
  const source = x.residentHost(vm)
  const task = x.task('Async.VM.pool_migrate', vm.$pool, source?.id ?? target.id)
  x.store.update(vm.id, { current_operations: { [task.id]: 'pool_migrate' } })
  await x.step(700)
  moveNow(x, vm.id, target.id)
  x.store.update(vm.id, { current_operations: {} })
  await x.step(200)
  x.finish(task, 'success')
}

/** The "migrated" batch: source host, target host, VM (captured order). */
export function moveNow(x: Xapi, vmId: string, targetId: string): void {
  const vm = x.store.get(vmId)!
  const source = x.residentHost(vm)
  if (source !== undefined) x.residency(source.id, vmId, false)
  x.residency(targetId, vmId, true)
  x.store.update(vmId, { $container: targetId })
}
