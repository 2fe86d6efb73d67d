// Host operations (captured usecases steps 18-26): disable, evacuate (one VM at a time, ~700 ms each),
// shutdown / power on / reboot, emergency shutdown (suspend resident VMs first).
import { XapiError } from './errors'
import { nowSec } from './objects'
import type { XoObject } from './shapes'
import { haltNow, moveNow, suspendNow } from './vm-power'
import type { Xapi } from './xapi'

const guestVms = (x: Xapi, host: XoObject): XoObject[] =>
  (host.residentVms as string[]).map((id) => x.store.get(id)).filter((v): v is XoObject => v?.type === 'VM')

async function disable(x: Xapi, host: XoObject): Promise<void> {
  await x.step(20)
  x.store.update(host.id, { enabled: false })
  await x.step(200)
}

/** host.evacuate: migrates every resident VM to other enabled hosts, one after the other. Returns true when VMs moved. */
async function evacuate(x: Xapi, host: XoObject): Promise<boolean> {
  const vms = guestVms(x, x.store.get(host.id)!)
  const task = x.task('Async.host.evacuate', host.$pool, host.id)
  if (vms.length === 0) {
    x.finish(task, 'success')
    x.store.touch(host.id)
    await x.step(210)
    return false
  }
  // fail early like XAPI when nobody can take the VMs
  x.pickHost(host.$pool, host.id)
  x.store.update(host.id, { current_operations: { [task._xapiRef]: 'evacuate' } })
  for (const [i, vm] of vms.entries()) {
    if (i > 0) await x.step(200)
    x.store.touch(vm.id)
    await x.step(500)
    moveNow(x, vm.id, x.pickHost(host.$pool, host.id).id)
  }
  await x.step(210)
  x.store.update(host.id, { current_operations: {} })
  x.finish(task, 'success')
  return true
}

/** Shutdown/reboot tail: task, control domain and host halt. */
async function powerOff(x: Xapi, hostId: string, op: 'shutdown' | 'reboot'): Promise<void> {
  const host = x.store.get(hostId)!
  const task = x.task(`Async.host.${op}`, host.$pool, host.id)
  x.store.update(host.id, { current_operations: { [task._xapiRef]: op } })
  await x.step(600)
  x.store.update(host.controlDomain, { power_state: 'Halted', xenTools: undefined })
  x.store.update(host.id, {
    current_operations: {},
    memory: { usage: 0, size: host.memory.size },
    power_state: 'Halted',
  })
  await x.step(210)
  x.finish(task, 'success')
}

function bootNow(x: Xapi, hostId: string): void {
  const host = x.store.get(hostId)!
  const t = nowSec()
  const ctrl = x.store.get(host.controlDomain)
  if (ctrl !== undefined) x.store.update(ctrl.id, { power_state: 'Running', startTime: t, xenTools: false })
  const usage = (host.residentVms as string[]).reduce((s, id) => s + (x.store.get(id)?.memory?.size ?? 0), 0)
  x.store.update(host.id, {
    enabled: true,
    current_operations: {},
    memory: { usage, size: host.memory.size },
    otherConfig: { ...host.otherConfig, boot_time: `${t}.`, agent_start_time: `${t}.` },
    power_state: 'Running',
    startTime: t,
    agentStartTime: t,
  })
}

export async function setMaintenanceMode(x: Xapi, host: XoObject, maintenance: boolean): Promise<void> {
  if (!maintenance) {
    await x.step(20)
    x.store.update(host.id, { enabled: true })
    return
  }
  await disable(x, host)
  await evacuate(x, host)
}

export async function stopHost(x: Xapi, host: XoObject, bypassEvacuate: boolean): Promise<void> {
  if (host.power_state !== 'Running') throw new XapiError('HOST_OFFLINE', [host._xapiRef])
  await disable(x, host)
  if (!bypassEvacuate && (await evacuate(x, host))) await x.step(200)
  await powerOff(x, host.id, 'shutdown')
}

export async function restartHost(x: Xapi, host: XoObject): Promise<void> {
  if (host.power_state !== 'Running') throw new XapiError('HOST_OFFLINE', [host._xapiRef])
  await disable(x, host)
  if (await evacuate(x, host)) await x.step(200)
  await powerOff(x, host.id, 'reboot')
  // comes back ~2.1 s after the reply (captured: Running again 3.6 s after the call)
  x.core.clock.background(async () => {
    await x.step(2100)
    bootNow(x, host.id)
  }, x.core.opts.log)
}

export async function startHost(x: Xapi, host: XoObject): Promise<void> {
  await x.step(17)
  if (x.store.get(host.id)!.power_state === 'Running') return
  const task = x.task('Async.host.power_on', host.$pool, x.master(host.$pool))
  x.store.update(host.id, { current_operations: { [task._xapiRef]: 'power_on' } })
  await x.step(2500)
  bootNow(x, host.id)
  await x.step(210)
  x.finish(task, 'success')
}

export async function emergencyShutdownHost(x: Xapi, host: XoObject): Promise<void> {
  if (host.power_state !== 'Running') throw new XapiError('HOST_OFFLINE', [host._xapiRef])
  await disable(x, host)
  for (const vm of guestVms(x, x.store.get(host.id)!)) {
    const task = x.task('Async.VM.suspend', host.$pool, host.id)
    x.store.update(vm.id, { current_operations: { [task.id]: 'suspend' } })
    await x.step(400)
    suspendNow(x, x.store.get(vm.id)!)
    await x.step(210)
    x.finish(task, 'success')
    await x.step(200)
  }
  await powerOff(x, host.id, 'shutdown')
}

/**
 * A host lost without any API call (power cut, crash): no task, no web-hook, only what XAPI reports.
 * 1. The pool master misses its heartbeats: the host's metrics say not live, which XO shows as power_state
 *    'Halted' (XO gives 'Unknown' only for a host without metrics; a dead host keeps its metrics object).
 *    Its VMs still look Running meanwhile: XAPI does not know yet whether they are gone.
 * 2. Once the host is declared dead (HA, or host.declare_dead), XAPI resets every VM resident on it to Halted,
 *    each with the batch vm.stop ends with (host, VBDs, VIFs, VM), then its control domain. A real pool takes
 *    minutes for this; here 1 s, scaled like every other delay.
 * Resolves once the VMs are halted; `host.start` brings the host back.
 */
export async function hostPowerLoss(x: Xapi, host: XoObject): Promise<void> {
  if (host.power_state !== 'Running')
    throw new Error(`hostPowerLoss: host ${host.id} is ${host.power_state}, not running`)
  x.store.update(host.id, { power_state: 'Halted', current_operations: {} })
  await x.step(1000)
  for (const id of x.store.get(host.id)!.residentVms as string[]) {
    const vm = x.store.get(id)
    if (vm?.type === 'VM') haltNow(x, id)
  }
  const after = x.store.get(host.id)!
  if (after.controlDomain !== undefined && x.store.get(after.controlDomain) !== undefined) {
    x.store.update(after.controlDomain, { power_state: 'Halted', xenTools: undefined })
  }
  x.store.update(host.id, { memory: { usage: 0, size: after.memory.size } })
}
