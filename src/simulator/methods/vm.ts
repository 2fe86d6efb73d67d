// vm.*, tag.* handlers: parameter plumbing around the timelines in vm-power.ts / vm-lifecycle.ts.
import type { Handler } from '../core'
import { noSuchObject, notImplemented } from '../errors'
import { describeUpload, importVm } from '../vm-import'
import { copyVm, createVm, cloneVm, deleteVm, snapshotVm } from '../vm-lifecycle'
import { migrateVm, restartVm, resumeVm, startVm, stopVm, suspendVm } from '../vm-power'

const VM_TYPES = ['VM', 'VM-snapshot', 'VM-template', 'VM-controller']

export const vmMethods: Record<string, Handler> = {
  'vm.create': (core, session, p) => createVm(core.xapi, session.user?.id ?? '', p),
  'vm.start': (core, _s, p) => startVm(core.xapi, core.xapi.get(p.id, 'VM'), p.host),
  'vm.stop': (core, _s, p) => stopVm(core.xapi, core.xapi.get(p.id, 'VM'), p.force === true),
  'vm.restart': (core, _s, p) => restartVm(core.xapi, core.xapi.get(p.id, 'VM'), p.force === true),
  'vm.suspend': (core, _s, p) => suspendVm(core.xapi, core.xapi.get(p.id, 'VM')),
  'vm.resume': (core, _s, p) => resumeVm(core.xapi, core.xapi.get(p.id, 'VM')),
  'vm.migrate': (core, _s, p) => migrateVm(core.xapi, core.xapi.get(p.vm, 'VM'), p.targetHost),
  'vm.clone': (core, _s, p) => cloneVm(core.xapi, core.xapi.get(p.id, 'VM'), p.name, p.full_copy),
  'vm.copy': (core, _s, p) => copyVm(core.xapi, core.xapi.get(p.vm, 'VM'), p.sr, p.name),
  // XO answers with an upload URL; the VM is made once the upload is received, and the upload's answer is the
  // new VM's id as a JSON-RPC response (assumed from XO's import handler: `{"jsonrpc":"2.0","result":id,"id":0}`).
  // An import from `url` (XO downloads it itself) is not simulated.
  'vm.import': (core, _s, p) => {
    const sr = core.xapi.get(p.sr, 'SR')
    if (p.url !== undefined) throw notImplemented()
    const desc = describeUpload(core.xapi, sr.$pool, p.data)
    const $sendTo = core.registerUpload({
      receive: async () => {
        const id = await importVm(core.xapi, sr.id, desc, { newMacs: false })
        return { jsonrpc: '2.0', result: id, id: 0 }
      },
    })
    return { $sendTo }
  },
  'vm.snapshot': (core, _s, p) => snapshotVm(core.xapi, core.xapi.get(p.id, 'VM'), p.name),
  'vm.delete': (core, _s, p) => {
    const vm = core.xapi.get(p.id, ['VM', 'VM-snapshot', 'VM-template'], 'VM')
    // snapshots lose their disks with them (captured: VDI.destroy without deleteDisks)
    return deleteVm(core.xapi, vm, p.deleteDisks ?? vm.type === 'VM-snapshot')
  },
  'vm.set': async (core, _s, p) => {
    const vm = core.xapi.get(p.id, VM_TYPES, 'VM')
    await core.xapi.step(5)
    const patch: Record<string, unknown> = {}
    for (const k of ['name_label', 'name_description', 'auto_poweron', 'high_availability', 'tags']) {
      if (p[k] !== undefined) patch[k] = p[k]
    }
    if (typeof p.CPUs === 'number') patch.CPUs = { max: Math.max(vm.CPUs.max, p.CPUs), number: p.CPUs }
    if (typeof p.memory === 'number') {
      patch.memory = {
        dynamic: [p.memory, p.memory],
        static: [vm.memory.static[0], Math.max(p.memory, vm.memory.static[1])],
        size: p.memory,
      }
    }
    if (p.creation !== undefined && typeof p.creation === 'object') {
      const creation = { ...(vm.creation ?? {}), ...p.creation }
      patch.creation = creation
      patch.other = { ...vm.other, [`xo:${vm.id.slice(0, 8)}`]: JSON.stringify({ creation }) }
    }
    core.store.update(vm.id, patch)
  },
  'tag.add': async (core, _s, p) => {
    const obj = core.store.get(p.id)
    if (obj === undefined || !Array.isArray(obj.tags)) throw noSuchObject(p.id, 'object')
    await core.xapi.step(10)
    core.store.update(obj.id, { tags: obj.tags.includes(p.tag) ? obj.tags : [...obj.tags, p.tag] })
  },
  'tag.remove': async (core, _s, p) => {
    const obj = core.store.get(p.id)
    if (obj === undefined || !Array.isArray(obj.tags)) throw noSuchObject(p.id, 'object')
    await core.xapi.step(10)
    core.store.update(obj.id, { tags: obj.tags.filter((t: string) => t !== p.tag) })
  },
}
