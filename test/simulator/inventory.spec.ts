// Seeded inventory: deterministic, realistic shapes (captured key orders), fast at 50 000 VMs.
import assert from 'node:assert/strict'
import { generateInventory } from '../../src/simulator/inventory'
import { XoSimulator } from '../../src/simulator'
import { capture, keysOf } from './helpers'

const collect = (seed: number, size: number) => {
  const out: any[] = []
  generateInventory({ seed, size, creatorUserId: 'u' }, (o) => out.push(o))
  return out
}
const identity = (objs: any[]) => objs.map((o) => [o.id, o.type, o.name_label ?? o.name, o.MAC].join('|')).join('\n')

describe('simulator: inventory generator', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    assert.equal(identity(collect(1, 30)), identity(collect(1, 30)))
    assert.notEqual(identity(collect(1, 30)), identity(collect(2, 30)))
  })

  it('small sizes: one pool, two hosts, templates like the captures, VMs with VIFs and disks', () => {
    const objs = collect(1, 10)
    const count = (t: string) => objs.filter((o) => o.type === t).length
    assert.equal(count('pool'), 1)
    assert.equal(count('host'), 2)
    assert.equal(count('VM-controller'), 2)
    assert.equal(count('VM'), 10)
    assert.ok(objs.some((o) => o.type === 'VM-template' && o.name_label === 'Debian 12 template'))
    assert.ok(objs.some((o) => o.type === 'VM' && o.creation?.user === 'u'))
    const byId = new Map(objs.map((o) => [o.id, o]))
    for (const vm of objs.filter((o) => o.type === 'VM')) {
      assert.ok(vm.VIFs.length >= 1 && vm.VIFs.every((v: string) => byId.get(v)?.type === 'VIF'))
      for (const vbd of vm.$VBDs) assert.equal(byId.get(byId.get(vbd).VDI).type, 'VDI')
      if (vm.power_state === 'Running') assert.ok(byId.get(vm.$container).residentVms.includes(vm.id))
      else assert.equal(vm.$container, vm.$pool)
    }
    const macs = objs.filter((o) => o.type === 'VIF').map((o) => o.MAC)
    assert.equal(new Set(macs).size, macs.length)
    for (const mac of macs) assert.match(mac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/)
  })

  it('uses the captured key sets and order for every captured object type', () => {
    const objs = collect(3, 20)
    const ref = new Map<string, any[]>()
    for (const m of capture('usecases.notifications.json')) {
      for (const v of Object.values(m.msg.params.items) as any[])
        if (v !== 0)
          ref.set(
            `${v.type}/${v.power_state ?? ''}/${'mainIpAddress' in v}/${'creation' in v}/${'parent' in v}`,
            keysOf(v),
          )
    }
    let compared = 0
    for (const o of objs) {
      const keys = ref.get(
        `${o.type}/${o.power_state ?? ''}/${'mainIpAddress' in o}/${'creation' in o}/${'parent' in o}`,
      )
      if (keys === undefined) continue
      assert.deepEqual(keysOf(o), keys, `${o.type} ${o.name_label}`)
      compared++
    }
    assert.ok(compared > 20, `compared ${compared}`)
  })

  it('50 000 VMs: several pools, generated and served quickly', async function () {
    this.timeout(30000)
    const t0 = Date.now()
    const sim = await XoSimulator.start({ size: 50000, seed: 5 })
    try {
      const ms = Date.now() - t0
      const vms = [...sim.objects.values()].filter((o) => o.type === 'VM')
      assert.equal(vms.length, 50000)
      assert.ok([...sim.objects.values()].filter((o) => o.type === 'pool').length > 1)
      assert.ok(ms < 15000, `took ${ms} ms`) // ~5 s on a loaded 2-core CI box
    } finally {
      await sim.stop()
    }
  })
})
