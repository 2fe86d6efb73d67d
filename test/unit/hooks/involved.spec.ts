import assert from 'node:assert/strict'
import { isSettled, macOwnersOf, summarize } from '../../../src/hooks/involved'
import type { XoObject } from '../../../src/xo/object-store'
import { capture } from '../../support/captures'

describe('object summaries', () => {
  const objects = capture<{ response: { result: Record<string, XoObject> } }>('xo.getAllObjects.fake-xapi.json')
    .response.result
  const lookup = (id: string) => objects[id]

  it('names a VM, its pool and its host from a real object map', () => {
    const running = Object.values(objects).find((o) => o.type === 'VM' && o.power_state === 'Running')
    const vm = running ?? Object.values(objects).find((o) => o.type === 'VM')!
    const summary = summarize(vm, lookup)
    assert.equal(summary.id, vm.id)
    assert.equal(summary.type, 'VM')
    assert.equal(summary.name, vm.name_label)
    assert.equal(summary.powerState, vm.power_state)
    assert.equal(summary.pool?.name, (objects[vm.$pool as string] as XoObject).name_label)
    if (objects[vm.$container as string]?.type === 'host') assert.equal(summary.host?.id, vm.$container)
    assert.ok(Array.isArray(summary.vifs))
  })

  it('describes VIFs with MAC and network name, and waits for a created VM to settle', () => {
    const vm: XoObject = {
      id: 'vm1',
      type: 'VM',
      name_label: 'web',
      power_state: 'Halted',
      $pool: 'p',
      $container: 'p',
      VIFs: ['vif1'],
    }
    const table: Record<string, XoObject> = {
      p: { id: 'p', type: 'pool', name_label: 'pool-a' },
      vif1: { id: 'vif1', type: 'VIF', MAC: 'ea:f3:39:8a:74:ca', device: '0', $network: 'net', $VM: 'vm1' },
      net: { id: 'net', type: 'network', name_label: 'DMZ' },
    }
    const get = (id: string) => table[id]
    assert.deepEqual(summarize(vm, get), {
      id: 'vm1',
      type: 'VM',
      name: 'web',
      powerState: 'Halted',
      pool: { id: 'p', name: 'pool-a' },
      vifs: [{ id: 'vif1', mac: 'ea:f3:39:8a:74:ca', device: '0', network: { id: 'net', name: 'DMZ' } }],
    })
    assert.equal(isSettled(vm, get), true)
    assert.equal(isSettled({ ...vm, type: 'VM-template' }, get), false)
    assert.equal(isSettled({ ...vm, VIFs: ['vif1', 'vif2'] }, get), false)
    // the moment between the template's VIF removed and the requested ones added
    assert.equal(isSettled({ ...vm, VIFs: [] }, get, 1), false)
    assert.equal(isSettled(vm, get, 1), true)
  })

  it('says which other VMs carry the MAC of a VIF: VMs only, never the object itself, its snapshots or templates', () => {
    const table: Record<string, XoObject> = {
      original: { id: 'original', type: 'VM', VIFs: ['v1'] },
      restored: { id: 'restored', type: 'VM', VIFs: ['v2'] },
      snap: { id: 'snap', type: 'VM-snapshot', VIFs: ['v3'] },
      other: { id: 'other', type: 'VM', VIFs: ['v4'] },
      v1: { id: 'v1', type: 'VIF', MAC: 'EA:F3:39:8A:74:CA', $VM: 'original' },
      v2: { id: 'v2', type: 'VIF', MAC: 'ea:f3:39:8a:74:ca', $VM: 'restored' },
      v3: { id: 'v3', type: 'VIF', MAC: 'ea:f3:39:8a:74:ca', $VM: 'snap' },
      v4: { id: 'v4', type: 'VIF', MAC: '02:00:00:00:00:01', $VM: 'other' },
    }
    const get = (id: string) => table[id]
    const owners = macOwnersOf(() => Object.values(table), get)
    assert.deepEqual(summarize(table.restored, get, owners).vifs?.[0].sharedWith, ['original'])
    assert.deepEqual(summarize(table.snap, get, owners).vifs?.[0].sharedWith, ['original', 'restored'])
    assert.equal(summarize(table.other, get, owners).vifs?.[0].sharedWith, undefined)
    assert.equal(summarize(table.restored, get).vifs?.[0].sharedWith, undefined, 'only when asked')
  })
})
