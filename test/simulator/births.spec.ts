// Every way a VM is born (clone, copy, import by upload, backup restore), a snapshot's deletion while its VM lives,
// and what happens with no API call at all (a guest shutting itself down, a host losing power): the `all`
// notifications in order, the web-hook pairs (or their absence), MAC addresses, against captures/usecases where
// one exists.
import assert from 'node:assert/strict'
import type { HookBody, HookPost } from '../../src/hooks/delivery'
import { XoSimulator } from '../../src/simulator'
import type { XoObjectsNotification } from '../../src/xo/connection'
import { capture, keysOf, RpcClient, Sink } from './helpers'

const SCALE = 0.04
const usecases: any = capture('usecases.json')
const captured: Array<{ step: number; msg: { params: XoObjectsNotification } }> = capture('usecases.notifications.json')

const describeItem = (v: any) => (v === 0 ? 'x' : v.type === 'task' ? `task(${v.status})` : v.type)
const signature = (msgs: XoObjectsNotification[]) =>
  msgs.map((m) => `${m.type}: ${Object.values(m.items).map(describeItem).join(',')}`)
const capturedStep = (step: number) => signature(captured.filter((m) => m.step === step).map((m) => m.msg.params))
const capturedOperation = (step: number) => usecases.operations.find((o: any) => o.step === step)
const HOOKED = [
  'vm.clone',
  'vm.copy',
  'vm.import',
  'backupNg.importVmBackup',
  'vm.delete',
  'vm.snapshot',
  'vm.start',
  'vm.stop',
  'host.start',
  'host.stop',
  'host.emergencyShutdownHost',
]

describe('simulator: VM births, deaths and stops', () => {
  let sim: XoSimulator
  let sink: Sink
  let c: RpcClient
  const calls: string[] = []
  const audited = () => sim.auditRecords().filter((r) => r.data.method !== 'system.getServerVersion').length
  const objs = () => [...sim.objects.values()]
  const macsOf = (vm: any): string[] => vm.VIFs.map((v: string) => sim.objects.get(v).MAC)
  const networksOf = (vm: any): string[] => vm.VIFs.map((v: string) => sim.objects.get(v).$network)
  let pool: string
  let hostA: any
  let hostB: any
  let nets: any[]

  /** A VM like the captures' test-01 (halted, one VIF, one disk), not one of `except`. */
  const haltedVm = (except: string[] = []) =>
    objs().find(
      (o) =>
        o.type === 'VM' &&
        o.$pool === pool &&
        o.power_state === 'Halted' &&
        o.VIFs.length === 1 &&
        o.$VBDs.length === 1 &&
        !except.includes(o.id),
    )

  /** Runs one call; returns its reply, the notifications until things calmed down, and its web-hook deliveries. */
  async function observe(method: string, params: object) {
    const from = c.notifications.length
    const hooksFrom = sink.requests.length
    const reply = await c.request(method, params)
    await sink.waitForCount(hooksFrom + 2)
    await c.settle(100)
    const hooks = sink.requests.slice(hooksFrom).map((r) => r.json as HookBody)
    return { reply, msgs: c.notifications.slice(from), hooks }
  }

  /** The call's pre then post, same callId, the call's params, the reply's result in post. */
  function assertHookPair(hooks: HookBody[], method: string, params: object, result: unknown): void {
    assert.deepEqual(
      hooks.map((h) => `${h.type} ${h.method}`),
      [`pre ${method}`, `post ${method}`],
    )
    assert.equal(hooks[0].callId, hooks[1].callId)
    for (const h of hooks) assert.deepEqual(h.params, params)
    assert.deepEqual((hooks[1] as HookPost).result, result)
  }

  before(async () => {
    sink = await Sink.start()
    sim = await XoSimulator.start({ timeScale: SCALE, seed: 7, size: 10, audit: true })
    // RpcClient.settle's round trips are calls too: not the ones looked for
    sim.on('call', (info: { method: string }) => info.method !== 'system.getServerVersion' && calls.push(info.method))
    c = await RpcClient.connect(sim.url)
    await c.call('session.signIn', { email: 'admin@admin.net', password: 'admin' })
    await c.call('plugin.configure', {
      id: 'web-hooks',
      configuration: {
        hooks: HOOKED.map((method) => ({
          method,
          type: 'pre/post',
          url: sink.url(`/ok?hook=${method}`),
          format: 'json',
        })),
      },
    })
    await c.call('plugin.load', { id: 'web-hooks' })
    const tpl = objs().find((o) => o.name_label === 'Debian 12 template')
    pool = tpl.$pool
    ;[hostA, hostB] = objs()
      .filter((o) => o.type === 'host' && o.$pool === pool)
      .sort((a, b) => a.name_label.localeCompare(b.name_label))
    nets = objs().filter((o) => o.type === 'network' && o.$pool === pool && o.bridge !== 'xenapi')
  })
  after(async () => {
    await c?.close()
    await sim?.stop()
    await sink?.stop()
  })

  it('vm.clone: the captured notifications and web-hook pair; a VM at once, new MACs on the source networks', async () => {
    const src = haltedVm()
    const params = { id: src.id, name: 'clone-1', full_copy: false }
    const { reply, msgs, hooks } = await observe('vm.clone', params)
    const id = reply.result
    assert.deepEqual(signature(msgs), capturedStep(11))
    // the capture's pair: pre with the params, post with the new VM's id
    const cap = capturedOperation(11).webhooks.requests
    assert.deepEqual(
      cap.map((h: any) => h.type),
      ['pre', 'post'],
    )
    assert.equal(cap[1].result, capturedOperation(11).result)
    assertHookPair(hooks, 'vm.clone', params, id)
    const born = msgs.flatMap((m) => Object.values(m.items)).filter((o: any) => o?.id === id)
    assert.ok(born.length > 0 && born.every((o: any) => o.type === 'VM'), 'a VM from its first notification')
    const vm = sim.objects.get(id)
    assert.deepEqual(networksOf(vm), networksOf(src))
    assert.ok(macsOf(vm).every((m) => !macsOf(src).includes(m)))
  })

  it('vm.copy: a full copy onto the SR, the clone timeline with an Async.VM.copy task; halted VMs only', async () => {
    const src = haltedVm()
    const local = objs().find((o) => o.type === 'SR' && o.$container === hostA.id)
    const params = { vm: src.id, sr: local.id, name: 'copy-1' }
    const { reply, msgs, hooks } = await observe('vm.copy', params)
    const id = reply.result
    assert.equal(typeof id, 'string')
    assert.deepEqual(signature(msgs), capturedStep(11))
    assert.equal((Object.values(msgs[0].items).find((o: any) => o.type === 'task') as any).name_label, 'Async.VM.copy')
    assertHookPair(hooks, 'vm.copy', params, id)
    const vm = sim.objects.get(id)
    assert.equal(vm.type, 'VM')
    assert.equal(vm.name_label, 'copy-1')
    const vdi = sim.objects.get(sim.objects.get(vm.$VBDs[0]).VDI)
    assert.equal(vdi.$SR, local.id)
    assert.equal(vdi.parent, undefined, 'a full copy does not depend on the source disk')
    assert.ok(sim.objects.get(local.id).VDIs.includes(vdi.id))
    assert.deepEqual(networksOf(vm), networksOf(src))
    assert.ok(macsOf(vm).every((m) => !macsOf(src).includes(m)))

    // without a name: "<source>_COPY"
    const unnamed = await c.call('vm.copy', { vm: src.id, sr: local.id })
    assert.equal(sim.objects.get(unnamed).name_label, `${src.name_label}_COPY`)
    await c.settle(100)

    const running = objs().find((o) => o.type === 'VM' && o.$pool === pool && o.power_state === 'Running')
    const refused = await observe('vm.copy', { vm: running.id, sr: local.id })
    assert.equal(refused.reply.error.code, 13)
    assert.deepEqual(refused.reply.error.data, { objectId: running.id, expected: 'halted', actual: 'running' })
    assert.deepEqual(signature(refused.msgs), capturedStep(30), 'the task fails like the captured refused clone')
  })

  it('vm.import: a $sendTo URL; the VM appears once the upload is received, its id as the answer', async () => {
    const sr = objs().find((o) => o.type === 'SR' && o.$pool === pool && o.SR_type === 'nfs')
    const data = {
      nameLabel: 'uploaded',
      descriptionLabel: 'from an XVA',
      nCpus: 2,
      memory: 2 * 1024 ** 3,
      disks: [
        { capacity: 8 * 1024 ** 3, descriptionLabel: '', nameLabel: 'uploaded disk', path: 'disk.vmdk', position: 0 },
      ],
      networks: nets.map((n) => n.id),
    }
    const vmsBefore = objs().filter((o) => o.type === 'VM').length
    const { reply, msgs, hooks } = await observe('vm.import', { sr: sr.id, data })
    assert.deepEqual(keysOf(reply.result), ['$sendTo'])
    const path: string = reply.result.$sendTo
    assert.match(path, /^\/api\/[\w-]{43}$/)
    assertHookPair(hooks, 'vm.import', { sr: sr.id, data }, reply.result)
    assert.deepEqual(signature(msgs), [], 'nothing before the upload')
    assert.equal(objs().filter((o) => o.type === 'VM').length, vmsBefore)

    const from = c.notifications.length
    const hooksFrom = sink.requests.length
    const res = await fetch(sim.url + path, { method: 'POST', body: Buffer.alloc(64 * 1024, 1) })
    assert.equal(res.status, 200)
    const answer = (await res.json()) as { jsonrpc: string; result: string; id: number }
    assert.deepEqual(keysOf(answer), ['jsonrpc', 'result', 'id'])
    const vm = sim.objects.get(answer.result)
    assert.equal(vm.type, 'VM')
    assert.equal(vm.name_label, 'uploaded')
    assert.equal(vm.power_state, 'Halted')
    assert.deepEqual(networksOf(vm), data.networks)
    assert.equal(sim.objects.get(sim.objects.get(vm.$VBDs[0]).VDI).$SR, sr.id)
    await c.settle(100)
    assert.deepEqual(signature(c.notifications.slice(from)), [
      'enter: task(pending)',
      'enter: VBD,VDI,VIF,VIF,VM,SR,network,network',
      'enter: task(success)',
      'exit: x',
    ])
    assert.equal(sink.requests.length, hooksFrom, 'the upload itself is no API call')
    // one upload per URL
    assert.equal((await fetch(sim.url + path, { method: 'POST', body: 'again' })).status, 404)
  })

  it("backupNg.importVmBackup: a VM with the backed-up VM's MACs on its networks, named after the backup", async () => {
    const src = objs().find((o) => o.type === 'VM' && o.$pool === pool && o.VIFs.length === 2)
    const backupId = sim.takeVmBackup(src.id)
    const listed = (await c.call('backupNg.listVmBackups', { remotes: [backupId.split('/')[0]] })) as Record<
      string,
      Record<string, Array<{ id: string }>>
    >
    assert.deepEqual(
      Object.values(listed)[0][src.id].map((b) => b.id),
      [backupId],
    )
    const sr = objs().find((o) => o.type === 'SR' && o.$pool === pool && o.SR_type === 'nfs')
    const params = { id: backupId, sr: sr.id, settings: {} }
    const { reply, msgs, hooks } = await observe('backupNg.importVmBackup', params)
    const id = reply.result
    assertHookPair(hooks, 'backupNg.importVmBackup', params, id)
    assert.deepEqual(signature(msgs), [
      'enter: task(pending)',
      'enter: VBD,VDI,VIF,VIF,VM,SR,network,network',
      'enter: task(success)',
      'enter: VM',
      'exit: x',
    ])
    const vm = sim.objects.get(id)
    assert.equal(vm.type, 'VM')
    assert.equal(vm.power_state, 'Halted')
    assert.match(vm.name_label, new RegExp(`^${src.name_label} \\(\\d{8}T\\d{6}Z\\)$`))
    assert.ok(vm.tags.includes('restored from backup'))
    assert.deepEqual(macsOf(vm), macsOf(src), "XAPI's import keeps the MACs")
    assert.deepEqual(networksOf(vm), networksOf(src))

    const fresh = await c.call('backupNg.importVmBackup', {
      id: backupId,
      sr: sr.id,
      settings: { newMacAddresses: true },
    })
    assert.ok(macsOf(sim.objects.get(fresh)).every((m) => !macsOf(src).includes(m)))
    const unknown = await c.request('backupNg.importVmBackup', { id: 'nope', sr: sr.id, settings: {} })
    assert.deepEqual(unknown.error.data, { id: 'nope', type: 'backup' })
    await c.settle(100)
    assert.equal(await c.call('backupNg.deleteVmBackup', { id: backupId }), true)
    assert.deepEqual(await c.call('backupNg.listVmBackups', { remotes: [backupId.split('/')[0]] }), {
      [backupId.split('/')[0]]: {},
    })
    assert.equal((await c.request('backupNg.importVmBackup', params)).error.code, 1)
  })

  it("a snapshot's VIFs carry its VM's MACs; vm.delete of the snapshot as captured, the VM keeps its VIFs", async () => {
    // captured: web-01's snapshot VIFs have web-01's MACs
    assert.deepEqual(capturedOperation(10).check.details.VIFs, ['02:f1:00:00:a1:00', '02:f1:00:00:a1:01'])
    const vm = objs().find(
      (o) =>
        o.type === 'VM' &&
        o.$pool === pool &&
        o.power_state === 'Running' &&
        o.VIFs.length === 2 &&
        o.$VBDs.length === 1,
    )
    const snapId = await c.call('vm.snapshot', { id: vm.id, name: 'snap' })
    const snap = sim.objects.get(snapId)
    assert.equal(snap.type, 'VM-snapshot')
    assert.deepEqual(macsOf(snap), macsOf(vm))
    assert.deepEqual(networksOf(snap), networksOf(vm))
    assert.ok(
      snap.VIFs.every((v: string) => !vm.VIFs.includes(v)),
      'VIFs of its own',
    )
    await c.settle(100)

    const { reply, msgs, hooks } = await observe('vm.delete', { id: snapId })
    assert.equal(reply.result, true)
    assert.deepEqual(signature(msgs), capturedStep(16))
    assertHookPair(hooks, 'vm.delete', { id: snapId }, true)
    const after = sim.objects.get(vm.id)
    assert.deepEqual(after.snapshots, [])
    assert.equal(after.power_state, 'Running')
    assert.deepEqual(macsOf(after), macsOf(vm))
    for (const v of snap.VIFs) assert.equal(sim.objects.get(v), undefined)
  })

  it('guestShutdown: one batch like the end of vm.stop, no call, no web-hook, no task', async () => {
    const vm = objs().find(
      (o) =>
        o.type === 'VM' &&
        o.$pool === pool &&
        o.power_state === 'Running' &&
        o.VIFs.length === 2 &&
        o.$VBDs.length === 1,
    )
    const host = vm.$container
    const [callsBefore, hooksBefore, auditBefore, from] = [
      calls.length,
      sink.requests.length,
      audited(),
      c.notifications.length,
    ]
    await sim.guestShutdown(vm.id)
    await c.settle(100)
    const msgs = c.notifications.slice(from)
    // the captured vm.stop's halting batch (step 6), alone
    const halting = capturedStep(6).filter((s) => s.includes('host'))
    assert.deepEqual(signature(msgs), halting)
    assert.equal(calls.length, callsBefore)
    assert.equal(sink.requests.length, hooksBefore)
    assert.equal(audited(), auditBefore)
    const halted = sim.objects.get(vm.id)
    assert.equal(halted.power_state, 'Halted')
    assert.equal(halted.$container, pool)
    assert.deepEqual(halted.current_operations, {})
    // the captured final shape of a stopped VM: no guest data, no IP
    const capturedHalted: any = Object.values(captured.filter((m) => m.step === 6).at(-3)!.msg.params.items).find(
      (o: any) => o.type === 'VM',
    )
    assert.equal(capturedHalted.power_state, 'Halted')
    const known = keysOf(capturedHalted)
    assert.deepEqual(
      keysOf(halted).filter((k) => k !== 'creation'),
      known.filter((k) => k !== 'creation' && k in halted),
    )
    for (const k of keysOf(halted))
      assert.ok(known.includes(k) || k === 'creation', `${k} is not in a captured halted VM`)
    assert.deepEqual(halted.addresses, {})
    assert.equal(halted.os_version, null)
    assert.ok(!sim.objects.get(host).residentVms.includes(vm.id))
    for (const v of [...halted.VIFs, ...halted.$VBDs]) assert.equal(sim.objects.get(v).attached, false)
    await assert.rejects(sim.guestShutdown(vm.id), /not running/)
  })

  it('hostPowerLoss: the host not live, then its VMs Halted, no call nor web-hook; host.start brings it back', async () => {
    // two running VMs on host B
    const guests = () => sim.objects.get(hostB.id).residentVms.filter((v: string) => sim.objects.get(v).type === 'VM')
    for (const vm of objs()
      .filter((o) => o.type === 'VM' && o.$pool === pool && o.power_state === 'Halted' && o.$VBDs.length > 0)
      .slice(0, 2)) {
      if (guests().length >= 2) break
      await c.call('vm.start', { id: vm.id, host: hostB.id })
    }
    const victims: string[] = guests()
    assert.ok(victims.length >= 2)
    const ctrl = sim.objects.get(hostB.id).controlDomain
    await c.settle(100)
    const [callsBefore, hooksBefore, auditBefore, from] = [
      calls.length,
      sink.requests.length,
      audited(),
      c.notifications.length,
    ]
    await sim.hostPowerLoss(hostB.id)
    await c.settle(100)
    const msgs = c.notifications.slice(from)
    // each VM halted with vm.stop's batch (host, VBDs, VIFs, VM) in one XAPI batch, then the control domain
    const perVm = victims.flatMap((v) => {
      const o = sim.objects.get(v)
      return [...o.$VBDs.map(() => 'VBD'), ...o.VIFs.map(() => 'VIF'), 'VM']
    })
    assert.deepEqual(signature(msgs), ['enter: host', `enter: ${['host', ...perVm, 'VM-controller'].join(',')}`])
    // first: the host alone, not live, while XAPI still shows its VMs running
    const lost: any = msgs[0].items[hostB.id]
    assert.equal(lost.power_state, 'Halted')
    assert.deepEqual(
      lost.residentVms.filter((v: string) => victims.includes(v)),
      victims,
    )
    // then: every VM it ran, Halted and off the host, and its control domain
    const reset = msgs[1].items as Record<string, any>
    for (const v of victims) {
      assert.equal(reset[v].power_state, 'Halted')
      assert.equal(reset[v].$container, pool)
    }
    assert.equal(reset[ctrl].power_state, 'Halted')
    assert.deepEqual(reset[hostB.id].residentVms, [ctrl])
    assert.equal(reset[hostB.id].memory.usage, 0)
    assert.equal(calls.length, callsBefore)
    assert.equal(sink.requests.length, hooksBefore)
    assert.equal(audited(), auditBefore)
    await assert.rejects(sim.hostPowerLoss(hostB.id), /not running/)

    const back = await observe('host.start', { id: hostB.id })
    assert.equal(back.reply.result, true)
    assert.deepEqual(signature(back.msgs), capturedStep(22))
    assertHookPair(back.hooks, 'host.start', { id: hostB.id }, true)
    assert.equal(sim.objects.get(hostB.id).power_state, 'Running')
    assert.equal(sim.objects.get(ctrl).power_state, 'Running')
    await c.call('vm.start', { id: victims[0], host: hostB.id })
    assert.equal(sim.objects.get(victims[0]).$container, hostB.id)
  })

  it('host.stop evacuates running VMs; host.emergencyShutdownHost suspends them (captured)', async () => {
    const guests = () => sim.objects.get(hostB.id).residentVms.filter((v: string) => sim.objects.get(v).type === 'VM')
    if (guests().length === 0) {
      const vm = objs().find(
        (o) => o.type === 'VM' && o.$pool === pool && o.power_state === 'Halted' && o.$VBDs.length > 0,
      )
      await c.call('vm.start', { id: vm.id, host: hostB.id })
      await c.settle(100)
    }
    const moved: string[] = guests()
    const stop = await observe('host.stop', { id: hostB.id })
    assertHookPair(stop.hooks, 'host.stop', { id: hostB.id }, true)
    for (const v of moved) {
      assert.equal(sim.objects.get(v).power_state, 'Running')
      assert.equal(sim.objects.get(v).$container, hostA.id)
    }
    assert.equal(sim.objects.get(hostB.id).power_state, 'Halted')
    await c.call('host.start', { id: hostB.id })
    await c.call('vm.migrate', { vm: moved[0], targetHost: hostB.id })
    await c.settle(100)
    const emergency = await observe('host.emergencyShutdownHost', { host: hostB.id })
    assertHookPair(emergency.hooks, 'host.emergencyShutdownHost', { host: hostB.id }, true)
    assert.deepEqual(signature(emergency.msgs), capturedStep(25))
    assert.equal(sim.objects.get(moved[0]).power_state, 'Suspended')
    assert.equal(sim.objects.get(moved[0]).$container, pool)
    await c.call('host.start', { id: hostB.id })
  })
})
