// Helpers shared by the simulated XAPI operations: object lookup, XAPI tasks, host residency.
// An operation is written as a timeline: mutate objects synchronously (one XAPI event batch, hence
// one `all` message), then `await x.step(ms)` (scaled by timeScale), and so on. Steps and gaps follow
// the captured timelines (captures/usecases.notifications.json), typically ~200 ms apart.
import { randomBytes, randomUUID } from 'node:crypto'
import type { Clock } from './clock'
import { noSuchObject, XapiError } from './errors'
import { makeTask, nowSec } from './objects'
import type { XoObject } from './shapes'
import type { ObjectStore } from './store'

/**
 * What the operations use of the simulator's core (which passes itself): its objects, its clock, its log. Named
 * here rather than importing the core, which itself builds the Xapi.
 */
export interface XapiCore {
  readonly store: ObjectStore
  readonly clock: Clock
  readonly opts: { log: (line: string) => void }
}

export class Xapi {
  private readonly usedMacs = new Set<string>()
  /** IPs a VM's guest reports, stable across reboots */
  private readonly ips = new Map<string, string[]>()

  constructor(readonly core: XapiCore) {
    for (const o of core.store.objects.values()) if (o.type === 'VIF') this.usedMacs.add(o.MAC)
  }

  get store() {
    return this.core.store
  }

  step(ms: number): Promise<void> {
    return this.core.clock.sleep(ms)
  }

  /** Like XO's getObject(id, type): wrong type or unknown id => "no such <label> <id>". */
  get(id: unknown, types: string | string[], label = Array.isArray(types) ? types[0] : types): XoObject {
    const obj = typeof id === 'string' ? this.store.get(id) : undefined
    const allowed = Array.isArray(types) ? types : [types]
    if (obj === undefined || !allowed.includes(obj.type)) throw noSuchObject(id, label)
    return obj
  }

  newId(): string {
    return randomUUID()
  }

  newRef(): string {
    return `OpaqueRef:${randomUUID()}`
  }

  newMac(): string {
    for (;;) {
      const b = [...randomBytes(6)]
      b[0] = (b[0] & 0xfc) | 0x02
      const mac = b.map((x) => x.toString(16).padStart(2, '0')).join(':')
      if (!this.usedMacs.has(mac)) {
        this.usedMacs.add(mac)
        return mac
      }
    }
  }

  /** Adds a pending XAPI task (e.g. "Async.VM.clone"), as XO shows it. */
  task(name: string, poolId: string, hostId: string): XoObject {
    const ref = this.newRef()
    return this.store.add(makeTask({ id: this.newId(), poolId, ref }, { name, host: hostId }))
  }

  /**
   * Marks a task finished; it leaves the collection ~200 ms later (XAPI garbage-collects it), unless
   * `autoExit` is false (the caller removes it in a later batch, as some captured timelines show).
   * The exit comes slightly after an operation step due at the same time, which is the order the
   * captures show.
   */
  finish(task: XoObject, status: 'success' | 'failure', result = '', autoExit = true): void {
    this.store.update(task.id, { allowedOperations: [], finished: nowSec(), progress: 1, result, status })
    if (!autoExit) return
    this.core.clock.background(async () => {
      // +2 real ms: two timers of equal duration may straddle a millisecond and fire in either order
      await this.core.clock.sleepReal(this.core.clock.scaled(200) + 2)
      await this.nextTurn()
      this.store.remove(task.id)
    }, this.core.opts.log)
  }

  /** Lets everything already due run first (separates two XAPI batches falling on the same ms). */
  nextTurn(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve))
  }

  /** Pool master, used as the task's $host. */
  master(poolId: string): string {
    return this.store.get(poolId)?.master ?? ''
  }

  /** XAPI picks a running, enabled host; the least loaded one here. */
  pickHost(poolId: string, exclude?: string): XoObject {
    let best: XoObject | undefined
    for (const o of this.store.objects.values()) {
      if (o.type !== 'host' || o.$pool !== poolId || o.id === exclude) continue
      if (o.power_state !== 'Running' || !o.enabled) continue
      if (best === undefined || o.residentVms.length < best.residentVms.length) best = o
    }
    if (best === undefined) throw new XapiError('NO_HOSTS_AVAILABLE', [])
    return best
  }

  /** Moves a VM in/out of host.residentVms and recomputes the host's memory usage. */
  residency(hostId: string, vmId: string, resident: boolean): void {
    const host = this.store.get(hostId)
    if (host === undefined) return
    const list = host.residentVms.filter((id: string) => id !== vmId)
    if (resident) list.push(vmId)
    const usage = list.reduce((sum: number, id: string) => sum + (this.store.get(id)?.memory?.size ?? 0), 0)
    this.store.update(hostId, {
      residentVms: list,
      memory: { usage: host.power_state === 'Halted' && !resident ? 0 : usage, size: host.memory.size },
    })
  }

  /** Host the VM currently runs on ($container is a host id only while resident). */
  residentHost(vm: XoObject): XoObject | undefined {
    const c = this.store.get(vm.$container)
    return c?.type === 'host' ? c : undefined
  }

  setVbdsVifs(vm: XoObject, attached: boolean): void {
    for (const id of vm.$VBDs as string[]) if (this.store.get(id) !== undefined) this.store.update(id, { attached })
    for (const id of vm.VIFs as string[]) if (this.store.get(id) !== undefined) this.store.update(id, { attached })
  }

  guestIps(vm: XoObject): string[] {
    let ips = this.ips.get(vm.id)
    if (ips === undefined) {
      const known = Object.values(vm.addresses ?? {}) as string[]
      const n = Math.max(1, (vm.VIFs as string[]).length)
      const host = Math.floor(Math.random() * 240) + 10
      ips =
        known.length > 0
          ? known
          : Array.from({ length: n }, (_, d) => (d === 0 ? `192.168.1.${host}` : `10.0.100.${host}`))
      this.ips.set(vm.id, ips)
    }
    return ips
  }

  /** `call`: the XAPI call that failed (method, its arguments after the session, when it started), if XAPI's own */
  badPowerState(
    vm: XoObject,
    expected: string,
    call?: { method: string; args: unknown[]; startedAt: number },
  ): XapiError {
    const xapiCall = call && {
      duration: Date.now() - call.startedAt,
      method: call.method,
      params: ['* session id *', ...call.args],
    }
    return new XapiError(
      'VM_BAD_POWER_STATE',
      [vm._xapiRef, expected, String(vm.power_state).toLowerCase()],
      vm.id,
      xapiCall,
    )
  }

  /** Adds/removes ids in an array field of an object (network.VIFs, SR.VDIs...). */
  listEdit(id: string, field: string, add: string[], remove: string[] = []): void {
    const obj = this.store.get(id)
    if (obj === undefined) return
    const list = (obj[field] as string[]).filter((x) => !remove.includes(x))
    for (const a of add) if (!list.includes(a)) list.push(a)
    this.store.update(id, { [field]: list })
  }

  /** SR.VDIs plus usage counters, as XAPI updates them when a disk appears or goes. */
  srEdit(srId: string, vdi: XoObject, added: boolean): void {
    const sr = this.store.get(srId)
    if (sr === undefined) return
    const delta = added ? vdi.size : -vdi.size
    const VDIs = added ? [...sr.VDIs, vdi.id] : sr.VDIs.filter((x: string) => x !== vdi.id)
    this.store.update(srId, {
      VDIs,
      usage: Math.max(0, sr.usage + delta),
      physical_usage: Math.max(0, sr.physical_usage + Math.round(delta * 0.001)),
    })
  }
}
