// A busy pool's background activity, for load tests: existing objects change the way XAPI reports them
// (VMs started and stopped with their host, VBDs and VIFs, live migrations, tags, running operations, host
// memory and maintenance, growing disks), as whole objects through the store, hence through the same `all`
// notifications and per-tick batching as real operations: one batch of changes = one "enter" message.
import { performance } from 'node:perf_hooks'
import { StoppedError } from './clock'
import type { Core } from './core'
import { GiB, guestMetrics, NO_GUEST, nowSec } from './objects'
import { Rng } from './rng'
import type { XoObject } from './shapes'
import { moveNow } from './vm-power'

export interface ChurnOptions {
  /** object updates to push in all: one object in one notification is one update */
  updates: number
  /** objects per notification, drawn uniformly from [minBatch, maxBatch] (default 10 to 200, like XAPI's event batches) */
  minBatch?: number
  maxBatch?: number
  /** same seed, same inventory, same sequence of changes (default 1) */
  seed?: number
  /**
   * Awaited before every notification but the first: the caller's pacing, e.g. "until the receiver has caught
   * up". Default: XAPI's 200 ms event debounce, scaled by the simulator's timeScale.
   */
  pace?: (batch: number) => Promise<void> | void
  /** told of each notification right after it was handed to every signed-in connection */
  onBatch?: (batch: ChurnBatch) => void
  /** stops after the notification in progress */
  signal?: AbortSignal
}

export interface ChurnBatch {
  /** 0 for the first notification of this churn */
  index: number
  /** the ids of the notification's items, in the frame's order: each once, as a whole object, in one "enter" message */
  ids: string[]
  /** when the frame had been handed to the connections: `performance.timeOrigin + performance.now()` (ms since the epoch, comparable across processes) */
  sentAt: number
}

export type ChurnOperation =
  | 'vmStarted'
  | 'vmGuestReported'
  | 'vmStopped'
  | 'vmMigrated'
  | 'vmTagged'
  | 'vmUntagged'
  | 'vmOperationStarted'
  | 'vmOperationFinished'
  | 'hostMemory'
  | 'hostDisabled'
  | 'hostEnabled'
  | 'vdiUsage'

export interface ChurnResult {
  /** notifications sent */
  batches: number
  /** object updates sent (the sum of the batches' sizes; `options.updates` unless stopped early) */
  updates: number
  operations: Record<ChurnOperation, number>
}

/** What a halted VM loses (as vm.stop shows it). */
const NO_IP = { addresses: {}, mainIpAddress: undefined, os_version: null }
const TAGS = ['backup', 'critical', 'maintenance', 'monitored']
const VM_OPERATIONS = ['snapshot', 'export', 'copy', 'checkpoint']
const MiB = 1024 ** 2
// The largest footprint of one operation (VM start: VM, host, up to 2 VBDs and 2 VIFs); closer to the batch's
// size than that, only single-object operations are chosen so that the batch ends exactly at its size.
const LARGEST_OPERATION = 8

export async function churn(core: Core, options: ChurnOptions): Promise<ChurnResult> {
  const total = Math.floor(options.updates)
  const minBatch = Math.max(1, Math.floor(options.minBatch ?? 10))
  const maxBatch = Math.max(minBatch, Math.floor(options.maxBatch ?? 200))
  if (!(total >= 0)) throw new Error('churn: updates must be a number >= 0')
  const rng = new Rng(options.seed ?? 1)
  const store = core.store
  const x = core.xapi
  const operations = Object.fromEntries(
    (
      [
        'vmStarted',
        'vmGuestReported',
        'vmStopped',
        'vmMigrated',
        'vmTagged',
        'vmUntagged',
        'vmOperationStarted',
        'vmOperationFinished',
        'hostMemory',
        'hostDisabled',
        'hostEnabled',
        'vdiUsage',
      ] as const
    ).map((k) => [k, 0]),
  ) as Record<ChurnOperation, number>

  // The candidates, once (objects created later are left alone; removed ones are skipped when drawn).
  const vms: string[] = []
  const hosts: string[] = []
  const vdis: string[] = []
  const hostsByPool = new Map<string, string[]>()
  for (const o of store.objects.values()) {
    if (o.type === 'VM') vms.push(o.id)
    else if (o.type === 'VDI') vdis.push(o.id)
    else if (o.type === 'host') {
      hosts.push(o.id)
      hostsByPool.set(o.$pool, [...(hostsByPool.get(o.$pool) ?? []), o.id])
    }
  }
  const live = (id: string | undefined, type: string): XoObject | undefined => {
    const o = id === undefined ? undefined : store.get(id)
    return o?.type === type ? o : undefined
  }
  const draw = (ids: string[]) => (ids.length ? ids[rng.int(ids.length)] : undefined)
  const usableHosts = (poolId: string, exclude?: string) =>
    (hostsByPool.get(poolId) ?? [])
      .map((id) => live(id, 'host'))
      .filter(
        (h): h is XoObject => h !== undefined && h.id !== exclude && h.power_state === 'Running' && h.enabled === true,
      )

  // Changes XAPI reports in a later batch: a started VM's guest agent, the end of a running operation.
  let followUps: Array<{ id: string; apply: (batch: Set<string>) => void }> = []

  // Each operation changes objects through the store and adds their ids to `batch` in the order it changed them
  // (the frame's order); false when the object drawn did not suit it.
  type Operation = (batch: Set<string>) => boolean
  const vmPower: Operation = (batch) => {
    const vm = live(draw(vms), 'VM')
    if (vm === undefined || batch.has(vm.id)) return false
    if (vm.power_state === 'Running') {
      // vm.stop's main batch: host, VBDs, VIFs, VM (captured order)
      const host = x.residentHost(vm)
      if (host !== undefined) {
        x.residency(host.id, vm.id, false)
        batch.add(host.id)
      }
      x.setVbdsVifs(vm, false)
      addDevices(vm, batch)
      store.update(vm.id, {
        ...NO_IP,
        ...NO_GUEST,
        current_operations: {},
        power_state: 'Halted',
        $container: vm.$pool,
      })
      batch.add(vm.id)
      operations.vmStopped++
      return true
    }
    if (vm.power_state !== 'Halted') return false
    const candidates = usableHosts(vm.$pool)
    if (candidates.length === 0) return false
    const host = candidates[rng.int(candidates.length)]
    // vm.start's main batch, then the guest agent's report in a later one
    store.update(vm.id, {
      current_operations: {},
      power_state: 'Running',
      startTime: nowSec(),
      $container: host.id,
      xenTools: false,
    })
    x.setVbdsVifs(store.get(vm.id)!, true)
    x.residency(host.id, vm.id, true)
    batch.add(vm.id)
    addDevices(vm, batch)
    batch.add(host.id)
    followUps.push({
      id: vm.id,
      apply: (b) => {
        const now = store.get(vm.id)
        if (now?.power_state !== 'Running') return
        store.update(vm.id, guestMetrics(x.guestIps(now)))
        b.add(vm.id)
        operations.vmGuestReported++
      },
    })
    operations.vmStarted++
    return true
  }
  const addDevices = (vm: XoObject, batch: Set<string>) => {
    for (const id of [...(vm.$VBDs as string[]), ...(vm.VIFs as string[])])
      if (store.get(id) !== undefined) batch.add(id)
  }
  const vmMigrate: Operation = (batch) => {
    const vm = live(draw(vms), 'VM')
    if (vm === undefined || vm.power_state !== 'Running' || batch.has(vm.id)) return false
    const targets = usableHosts(vm.$pool, vm.$container)
    if (targets.length === 0) return false
    const target = targets[rng.int(targets.length)]
    const source = x.residentHost(vm)
    // vm.migrate's "migrated" batch: source host, target host, VM
    moveNow(x, vm.id, target.id)
    if (source !== undefined) batch.add(source.id)
    batch.add(target.id).add(vm.id)
    operations.vmMigrated++
    return true
  }
  const vmTags: Operation = (batch) => {
    const vm = live(draw(vms), 'VM')
    if (vm === undefined || batch.has(vm.id)) return false
    const tags = vm.tags as string[]
    // tag.remove of one of its tags, or tag.add of one it does not have
    const untag = tags.length > 0 && rng.next() < 0.4
    const missing = TAGS.filter((t) => !tags.includes(t))
    if (!untag && missing.length === 0) return false
    const next = untag
      ? tags.filter((t) => t !== tags[rng.int(tags.length)])
      : [...tags, missing[rng.int(missing.length)]]
    store.update(vm.id, { tags: next })
    batch.add(vm.id)
    operations[untag ? 'vmUntagged' : 'vmTagged']++
    return true
  }
  const vmOperation: Operation = (batch) => {
    const vm = live(draw(vms), 'VM')
    if (vm === undefined || batch.has(vm.id) || Object.keys(vm.current_operations ?? {}).length) return false
    store.update(vm.id, {
      current_operations: { [`OpaqueRef:${rng.uuid()}`]: VM_OPERATIONS[rng.int(VM_OPERATIONS.length)] },
    })
    batch.add(vm.id)
    followUps.push({
      id: vm.id,
      apply: (b) => {
        const now = store.get(vm.id)
        if (now === undefined || Object.keys(now.current_operations ?? {}).length === 0) return
        store.update(vm.id, { current_operations: {} })
        b.add(vm.id)
        operations.vmOperationFinished++
      },
    })
    operations.vmOperationStarted++
    return true
  }
  const hostMemory: Operation = (batch) => {
    const host = live(draw(hosts), 'host')
    if (host === undefined || batch.has(host.id) || host.power_state !== 'Running') return false
    const { usage, size } = host.memory as { usage: number; size: number }
    const next = Math.min(size, Math.max(4 * GiB, usage + (rng.int(1025) - 512) * MiB))
    store.update(host.id, { memory: { usage: next, size } })
    batch.add(host.id)
    operations.hostMemory++
    return true
  }
  const hostMaintenance: Operation = (batch) => {
    const host = live(draw(hosts), 'host')
    if (host === undefined || batch.has(host.id) || host.power_state !== 'Running' || !host.enabled) return false
    // a pool keeps at least one other host able to take VMs; the host leaves maintenance in a later batch
    if (usableHosts(host.$pool, host.id).length === 0) return false
    store.update(host.id, { enabled: false })
    batch.add(host.id)
    followUps.push({
      id: host.id,
      apply: (b) => {
        if (store.get(host.id)?.enabled !== false) return
        store.update(host.id, { enabled: true })
        b.add(host.id)
        operations.hostEnabled++
      },
    })
    operations.hostDisabled++
    return true
  }
  const vdiUsage: Operation = (batch) => {
    const vdi = live(draw(vdis), 'VDI')
    if (vdi === undefined || batch.has(vdi.id) || vdi.usage >= vdi.size) return false
    store.update(vdi.id, { usage: Math.min(vdi.size, vdi.usage + (1 + rng.int(64)) * MiB) })
    batch.add(vdi.id)
    operations.vdiUsage++
    return true
  }
  // Weights: disk and memory figures and running operations move all the time; power changes, migrations
  // and tags less; maintenance rarely. Operations leaving a follow-up are flagged so none is left pending.
  const choices: Array<{ weight: number; run: Operation; objects: number; followUp?: boolean }> = [
    { weight: 25, run: vdiUsage, objects: 1 },
    { weight: 15, run: hostMemory, objects: 1 },
    { weight: 15, run: vmOperation, objects: 1, followUp: true },
    { weight: 10, run: vmTags, objects: 1 },
    { weight: 20, run: vmPower, objects: LARGEST_OPERATION, followUp: true },
    { weight: 12, run: vmMigrate, objects: 3 },
    { weight: 3, run: hostMaintenance, objects: 1, followUp: true },
  ]
  const pick = (room: number, followUpsAllowed: boolean) => {
    const usable = choices.filter((c) => c.objects <= room && (followUpsAllowed || !c.followUp))
    let r = rng.next() * usable.reduce((s, c) => s + c.weight, 0)
    for (const c of usable) if ((r -= c.weight) < 0) return c.run
    return usable[usable.length - 1].run
  }

  const pace = options.pace ?? (() => core.clock.sleep(200))
  let sent = 0
  let batches = 0
  try {
    while (sent < total && !options.signal?.aborted) {
      if (batches > 0) await pace(batches)
      if (options.signal?.aborted) break
      const size = Math.min(total - sent, minBatch + rng.int(maxBatch - minBatch + 1))
      const batch = new Set<string>()
      // What XAPI owes from earlier batches comes first (those that do not fit wait for the next batch).
      const due = followUps
      followUps = []
      for (const f of due) {
        if (batch.size < size || batch.has(f.id)) f.apply(batch)
        else followUps.push(f)
      }
      // A new follow-up only while every pending one still fits in the updates left after this batch.
      let attempts = 0
      while (batch.size < size && attempts++ < size * 50)
        pick(size - batch.size, total - sent - size > followUps.length)(batch)
      if (batch.size === 0) throw new Error('churn: the inventory has nothing left to change')
      // The store flushes on the next tick; this tick callback, queued after it, runs once the frame is sent.
      const sentAt = await new Promise<number>((resolve) =>
        process.nextTick(() => resolve(performance.timeOrigin + performance.now())),
      )
      options.onBatch?.({ index: batches, ids: [...batch], sentAt })
      sent += batch.size
      batches++
    }
  } catch (error) {
    if (!(error instanceof StoppedError)) throw error
  }
  return { batches, updates: sent, operations }
}
