// `all` notifications per operation compared with captures/usecases.notifications.json: same
// messages in the same order, each with the same kind and the same object types (tasks with status).
import assert from 'node:assert/strict'
import { XoSimulator } from '../../src/simulator'
import { capture, keysOf, type Notification, RpcClient } from './helpers'

const SCALE = 0.04
const captured: any[] = capture('usecases.notifications.json')

const describeItem = (v: any) => (v === 0 ? 'x' : v.type === 'task' ? `task(${v.status})` : v.type)
const signature = (msgs: Array<{ type: string; items: Record<string, any> }>) =>
  msgs.map((m) => `${m.type}: ${Object.values(m.items).map(describeItem).join(',')}`)
const capturedStep = (step: number) => signature(captured.filter((m) => m.step === step).map((m) => m.msg.params))

describe('simulator: notifications per operation (vs captures)', () => {
  let sim: XoSimulator
  let c: RpcClient
  const objs = () => [...sim.objects.values()]

  /** Runs one call and returns what the connection received until things calmed down. */
  async function observe(method: string, params: object): Promise<{ reply: any; msgs: Notification[] }> {
    const from = c.notifications.length
    const reply = await c.request(method, params)
    await c.settle(100)
    return { reply, msgs: c.notifications.slice(from) }
  }
  async function expectLikeCapture(step: number, method: string, params: object): Promise<any> {
    const { reply, msgs } = await observe(method, params)
    assert.equal(reply.error, undefined, JSON.stringify(reply.error))
    assert.deepEqual(signature(msgs), capturedStep(step), `step ${step} ${method}`)
    return reply.result
  }

  before(async () => {
    sim = await XoSimulator.start({ timeScale: SCALE, seed: 7, size: 10 })
    c = await RpcClient.connect(sim.url)
    await c.call('session.signIn', { email: 'admin@admin.net', password: 'admin' })
  })
  after(async () => {
    await c.close()
    await sim.stop()
  })

  it('VM and host operations produce the captured message sequences', async () => {
    const tpl = objs().find((o) => o.name_label === 'Debian 12 template')
    const pool = tpl.$pool
    const [hostA, hostB] = objs()
      .filter((o) => o.type === 'host' && o.$pool === pool)
      .sort((a, b) => a.name_label.localeCompare(b.name_label))
    const nets = objs().filter((o) => o.type === 'network' && o.$pool === pool && o.bridge !== 'xenapi')
    // step 1: vm.create with two VIFs
    const id = await expectLikeCapture(1, 'vm.create', {
      name_label: 'nr-vm',
      template: tpl.id,
      VIFs: nets.map((n) => ({ network: n.id })),
    })
    const created = sim.objects.get(id)
    assert.equal(created.type, 'VM')
    assert.deepEqual(keysOf(created.creation), ['date', 'template', 'user'])
    assert.equal(created.VIFs.length, 2)
    const macs = created.VIFs.map((v: string) => sim.objects.get(v).MAC)
    assert.equal(new Set([...macs, sim.objects.get(tpl.VIFs[0]).MAC]).size, 3)

    await expectLikeCapture(2, 'vm.start', { id, host: hostB.id })
    assert.equal(sim.objects.get(id).$container, hostB.id)
    assert.ok(sim.objects.get(id).mainIpAddress)
    await expectLikeCapture(3, 'vm.restart', { id })
    await expectLikeCapture(4, 'vm.suspend', { id })
    await expectLikeCapture(5, 'vm.resume', { id })
    await expectLikeCapture(6, 'vm.stop', { id })
    assert.equal(sim.objects.get(id).$container, pool)
    await expectLikeCapture(7, 'vm.start', { id })
    await expectLikeCapture(8, 'vm.stop', { id, force: true })

    // a running VM with two VIFs on host A (like web-01), a halted one with one VIF (like test-01)
    const web = objs().find(
      (o) =>
        o.type === 'VM' &&
        o.power_state === 'Running' &&
        o.$container === hostA.id &&
        o.VIFs.length === 2 &&
        o.$VBDs.length === 1,
    )
    const halted = objs().find(
      (o) => o.type === 'VM' && o.power_state === 'Halted' && o.VIFs.length === 1 && o.$VBDs.length === 1,
    )
    await expectLikeCapture(9, 'vm.migrate', { vm: web.id, targetHost: hostB.id })
    assert.equal(sim.objects.get(web.id).$container, hostB.id)
    const snap = await expectLikeCapture(10, 'vm.snapshot', { id: web.id, name: 'web-snap' })
    assert.equal(sim.objects.get(snap).type, 'VM-snapshot')
    const clone = await expectLikeCapture(11, 'vm.clone', { id: halted.id, name: 'clone', full_copy: false })
    await expectLikeCapture(12, 'tag.add', { tag: 'nr-test', id: web.id })
    await expectLikeCapture(13, 'tag.remove', { tag: 'nr-test', id: web.id })
    await expectLikeCapture(14, 'vm.set', { id: clone, name_label: 'clone-renamed' })
    await expectLikeCapture(15, 'vm.delete', { id: clone, deleteDisks: true })
    await expectLikeCapture(16, 'vm.delete', { id: snap })
    await expectLikeCapture(17, 'vm.delete', { id, deleteDisks: true })

    // maintenance: one [host, host, VM] batch per evacuated VM, then host + task success
    const guests = sim.objects.get(hostB.id).residentVms.filter((v: string) => sim.objects.get(v).type === 'VM').length
    const m = await observe('host.setMaintenanceMode', { id: hostB.id, maintenance: true })
    const sig = signature(m.msgs)
    assert.equal(sig[0], 'enter: host')
    assert.equal(sig[1], 'enter: task(pending),host,VM')
    assert.equal(sig.filter((s) => s === 'enter: host,host,VM').length, guests)
    assert.deepEqual(sig.slice(-2), ['enter: host,task(success)', 'exit: x'])
    assert.equal(sim.objects.get(hostB.id).residentVms.length, 1)
    await expectLikeCapture(19, 'host.setMaintenanceMode', { id: hostB.id, maintenance: false })
    await expectLikeCapture(20, 'vm.migrate', { vm: web.id, targetHost: hostB.id })
    await expectLikeCapture(21, 'host.stop', { id: hostB.id })
    assert.equal(sim.objects.get(hostB.id).power_state, 'Halted')
    await expectLikeCapture(22, 'host.start', { id: hostB.id })
    await expectLikeCapture(23, 'host.restart', { id: hostB.id })
    await expectLikeCapture(24, 'vm.migrate', { vm: web.id, targetHost: hostB.id })
    await expectLikeCapture(25, 'host.emergencyShutdownHost', { host: hostB.id })
    assert.equal(sim.objects.get(web.id).power_state, 'Suspended')
    await expectLikeCapture(26, 'host.start', { id: hostB.id })
    await expectLikeCapture(27, 'vm.resume', { id: web.id })

    // expected errors (steps 28 and 30)
    const e28 = await observe('vm.start', { id: web.id })
    assert.deepEqual(keysOf(e28.reply.error), ['message', 'code', 'data'])
    assert.deepEqual(e28.reply.error.data, { objectId: web.id, expected: 'halted', actual: 'running' })
    assert.deepEqual(signature(e28.msgs), [])
    const e30 = await observe('vm.clone', { id: web.id, name: 'x', full_copy: false })
    assert.equal(e30.reply.error.code, 13)
    assert.deepEqual(signature(e30.msgs), capturedStep(30))
  })

  it('objects keep the captured key order in every notification', () => {
    const order = new Map<string, string[]>()
    for (const m of captured)
      for (const v of Object.values(m.msg.params.items) as any[]) if (v !== 0) order.set(v.type, keysOf(v))
    for (const n of c.notifications) {
      for (const v of Object.values(n.items)) {
        if (v === 0 || !order.has(v.type)) continue
        const ref = order.get(v.type)!
        const known = keysOf(v).filter((k) => ref.includes(k))
        assert.deepEqual(
          known,
          ref.filter((k) => k in v),
          `${v.type} key order`,
        )
      }
    }
  })
})
