/**
 * The deliveries the bench sends: pre/post pairs shaped exactly like xo-server 5.207.2's web-hooks plugin
 * (copied from the captures: same keys in the same order, `callId` shared by the pair, `duration` and
 * `result` or `error` on the post), about VMs, hosts, templates and networks of the simulator's inventory so
 * that enrichment finds every object and has summaries to build.
 */

interface InventoryObject {
  id: string
  type: string
  [field: string]: unknown
}

export interface Inventory {
  vms: string[]
  hosts: string[]
  templates: string[]
  /** the networks of each VM's VIFs, in order: what a vm.create of that VM asked for */
  vifNetworks: Map<string, string[]>
}

export function inventoryOf(objects: Iterable<InventoryObject>): Inventory {
  const inventory: Inventory = { vms: [], hosts: [], templates: [], vifNetworks: new Map() }
  const vifs: InventoryObject[] = []
  for (const o of objects) {
    if (o.type === 'VM') inventory.vms.push(o.id)
    else if (o.type === 'host') inventory.hosts.push(o.id)
    else if (o.type === 'VM-template') inventory.templates.push(o.id)
    else if (o.type === 'VIF') vifs.push(o)
  }
  // Templates have VIFs too: only VMs are what a vm.create ends up as.
  const vms = new Set(inventory.vms)
  for (const vif of vifs) {
    if (typeof vif.$VM !== 'string' || !vms.has(vif.$VM) || typeof vif.$network !== 'string') continue
    const networks = inventory.vifNetworks.get(vif.$VM) ?? []
    networks.push(vif.$network)
    inventory.vifNetworks.set(vif.$VM, networks)
  }
  for (const kind of ['vms', 'hosts', 'templates'] as const) {
    if (inventory[kind].length === 0) throw new Error(`the simulator's inventory has no ${kind}`)
  }
  if (inventory.vifNetworks.size === 0) throw new Error("the simulator's inventory has no VM with VIFs")
  return inventory
}

/** Deterministic (mulberry32): every run sends the same deliveries. */
export function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const USERS = [
  { userId: 'a79f5df8-e61f-4e94-869b-1c18d0c36ad9', userName: 'admin@admin.net', userIp: '10.0.12.7' },
  { userId: '3c1e0b5a-7f3d-4c55-9a0e-2f6b8d41c902', userName: 'ops@example.net', userIp: '10.0.12.31' },
  { userId: 'e5d2a6c4-1b8f-4f0a-8d3e-6a9c7b20f514', userName: 'ci@example.net', userIp: '10.0.40.2' },
]

// The captured failure of vm.start on an unknown VM (scenario A3), a realistic large post body.
const noSuchVm = (id: string) => ({
  code: 1,
  data: { id, type: 'VM' },
  message: `no such VM ${id}`,
  name: 'XoError',
  stack:
    `XoError: no such VM ${id}\n    at noSuchObject (/opt/xen-orchestra/packages/xo-common/api-errors.js:26:11)\n` +
    '    at Xo.getObject (file:///opt/xen-orchestra/packages/xo-server/src/xo.mjs:88:13)\n' +
    '    at file:///opt/xen-orchestra/packages/xo-server/src/xo-mixins/api.mjs:172:25\n' +
    '    at /opt/xen-orchestra/node_modules/lodash/_createBaseFor.js:17:11\n' +
    '    at baseForOwn (/opt/xen-orchestra/node_modules/lodash/_baseForOwn.js:13:20)\n' +
    '    at /opt/xen-orchestra/node_modules/lodash/_createBaseEach.js:17:14\n' +
    '    at forEach (/opt/xen-orchestra/node_modules/lodash/forEach.js:38:10)\n' +
    '    at Xo.call (file:///opt/xen-orchestra/packages/xo-server/src/xo-mixins/api.mjs:163:3)\n' +
    '    at Api.#callApiMethod (file:///opt/xen-orchestra/packages/xo-server/src/xo-mixins/api.mjs:417:50)',
})

interface Call {
  method: string
  params: Record<string, unknown>
  durationMs: number
  outcome: { result: unknown } | { error: unknown }
}

/** One API call of the mix: mostly power operations and migrations, some creations, a few failures. */
function pickCall(rand: () => number, inv: Inventory, index: number): Call {
  const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)]
  const roll = rand()
  const ms = (typical: number) => Math.round(typical * (0.5 + rand()))
  if (roll < 0.32) {
    const params: Record<string, unknown> = { id: pick(inv.vms) }
    if (rand() < 0.3) params.host = pick(inv.hosts)
    return { method: 'vm.start', params, durationMs: ms(1000), outcome: { result: true } }
  }
  if (roll < 0.35) {
    const id = `bogus-vm-${index}`
    return { method: 'vm.start', params: { id }, durationMs: ms(10), outcome: { error: noSuchVm(id) } }
  }
  if (roll < 0.55)
    return { method: 'vm.stop', params: { id: pick(inv.vms) }, durationMs: ms(800), outcome: { result: true } }
  if (roll < 0.85) {
    return {
      method: 'vm.migrate',
      params: { vm: pick(inv.vms), targetHost: pick(inv.hosts) },
      durationMs: ms(900),
      outcome: { result: true },
    }
  }
  // The "new" VM is one already in the object store, asked for with the VIFs it has: a VM that has fully
  // reached XO's stream by the time its post arrives. Enrichment then summarises it at once; with an id that
  // never shows up (or a VIF count that never matches) it would wait enrichWait (5 s) for every vm.create.
  const created = pick([...inv.vifNetworks.keys()])
  const params = {
    name_label: `nr-vm-${index.toString(36)}`,
    name_description: 'created by the hook-ingest bench',
    template: pick(inv.templates),
    VIFs: inv.vifNetworks.get(created)!.map((network) => ({ network })),
  }
  return { method: 'vm.create', params, durationMs: ms(1500), outcome: { result: created } }
}

/** `pairs` calls as JSON bodies, each pre followed by its post. */
export function deliveryBodies(inv: Inventory, pairs: number, seed = 1): string[] {
  const rand = random(seed)
  const bodies: string[] = []
  let clock = Date.UTC(2026, 10, 29, 21, 0, 0)
  for (let i = 0; i < pairs; i++) {
    const call = pickCall(rand, inv, i)
    const user = USERS[Math.floor(rand() * USERS.length)]
    // xo-server's callId: Math.random().toString(36).slice(2)
    const callId = rand().toString(36).slice(2, 13)
    clock += Math.round(rand() * 2000)
    const common = { callId, ...user, method: call.method, params: call.params }
    bodies.push(JSON.stringify({ ...common, timestamp: clock, type: 'pre' }))
    bodies.push(
      JSON.stringify({
        ...common,
        timestamp: clock + call.durationMs,
        duration: call.durationMs,
        ...call.outcome,
        type: 'post',
      }),
    )
  }
  return bodies
}
