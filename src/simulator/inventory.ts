// Seeded inventory generator: same seed and size => same ids, MACs and names.
// Layout mirrors the captured two-host pool: shared NFS SR + ISO SR, one local SR per host,
// three networks, custom templates ("Debian 12 template"...) plus a default one, control domains,
// VMs with VIFs and disks, a few ALARM messages. Big sizes spread VMs over several pools.
import { Rng } from './rng'
import { reorder, type XoObject } from './shapes'
import {
  type Common,
  GiB,
  guestMetrics,
  makeHost,
  makeMessage,
  makeNetwork,
  makePbd,
  makePif,
  makePool,
  makeSr,
  makeVbd,
  makeVdi,
  makeVif,
  makeVm,
  nowSec,
} from './objects'

export interface InventoryOptions {
  seed: number
  size: number
  creatorUserId: string
}

const ROLES = ['web', 'db', 'app', 'proxy-dmz', 'test', 'build', 'cache', 'mail', 'ci', 'monitor']
const VMS_PER_POOL = 200

export function generateInventory(opts: InventoryOptions, sink: (o: XoObject) => void): void {
  const rng = new Rng(opts.seed)
  const size = Math.max(0, Math.floor(opts.size))
  const poolCount = Math.max(1, Math.ceil(size / VMS_PER_POOL))
  const now = nowSec()
  let vmIndex = 0
  for (let p = 0; p < poolCount; p++) {
    const vmsHere = Math.max(0, Math.min(VMS_PER_POOL, size - vmIndex))
    const hostCount = Math.max(2, Math.min(8, Math.ceil(vmsHere / 25)))
    generatePool(rng, p, hostCount, vmsHere, vmIndex, now, opts.creatorUserId, sink)
    vmIndex += vmsHere
  }
}

function generatePool(
  rng: Rng,
  p: number,
  hostCount: number,
  vmCount: number,
  vmOffset: number,
  now: number,
  creator: string,
  sink: (o: XoObject) => void,
): void {
  const poolId = rng.uuid()
  const ref = () => `OpaqueRef:${rng.uuid()}`
  const c = (id = rng.uuid()): Common => ({ id, poolId, ref: ref() })
  const poolName = p === 0 ? 'sim-pool' : `sim-pool-${p + 1}`
  const hostIds = Array.from({ length: hostCount }, () => rng.uuid())
  const ctrlIds = hostIds.map(() => rng.uuid())
  const nfsId = rng.uuid()
  const isoId = rng.uuid()
  const localIds = hostIds.map(() => rng.uuid())
  const netIds = [rng.uuid(), rng.uuid(), rng.uuid()]
  const netVifs: string[][] = [[], [], []]
  const netPifs: string[][] = [[], [], []]
  const nfsVdis: string[] = []
  let nfsUsage = 0
  const resident: string[][] = hostIds.map((_, i) => [ctrlIds[i]])
  const memUsage = hostIds.map(() => 4 * GiB)
  const hostPbds: string[][] = hostIds.map(() => [])
  const hostPifs: string[][] = hostIds.map(() => [])

  // PIFs (eth0 management + eth1 for the DMZ) and PBDs, emitted now, referenced by hosts/networks/SRs.
  hostIds.forEach((hostId, h) => {
    for (let n = 0; n < 2; n++) {
      const pif = makePif(c(), {
        device: `eth${n}`,
        host: hostId,
        network: netIds[n],
        mac: rng.mac(),
        ip: n === 0 ? `192.0.${2 + p}.${10 + h}` : '',
        management: n === 0,
      })
      hostPifs[h].push(pif.id)
      netPifs[n].push(pif.id)
      sink(pif)
    }
    for (const sr of [nfsId, isoId, localIds[h]]) {
      const pbd = makePbd(c(), { host: hostId, sr })
      hostPbds[h].push(pbd.id)
      sink(pbd)
    }
  })
  // hostPbds[h] = [NFS, ISO, local] PBDs of host h
  const srPbds = (index: number) => hostPbds.map((list) => list[index])

  const addDisk = (vmId: string, name: string, sizeBytes: number, position: string, attached: boolean) => {
    const vdiId = rng.uuid()
    const vbd = makeVbd(c(), { vdi: vdiId, vm: vmId, position, attached })
    sink(makeVdi(c(vdiId), { name, size: sizeBytes, sr: nfsId, VBDs: [vbd.id] }))
    sink(vbd)
    nfsVdis.push(vdiId)
    nfsUsage += sizeBytes
    return vbd.id
  }
  const addVif = (vmId: string, device: number, net: number, attached: boolean) => {
    const vif = makeVif(c(), { mac: rng.mac(), device: String(device), network: netIds[net], vm: vmId, attached })
    netVifs[net].push(vif.id)
    sink(vif)
    return vif.id
  }

  // Templates: two custom ones like the captures, one default (id "<pool>-<uuid>").
  const templates: Array<[string, number, number, number]> = [
    ['Debian 12 template', 1, 1 * GiB, 10 * GiB],
    ['Ubuntu 22.04 template', 2, 2 * GiB, 20 * GiB],
  ]
  const templateIds: string[] = []
  for (const [name, cpus, mem, disk] of templates) {
    const id = rng.uuid()
    templateIds.push(id)
    const slug = name.split(' ')[0].toLowerCase()
    sink(
      makeVm(c(id), {
        type: 'VM-template',
        name,
        description: `custom template: 1 disk (${disk / GiB} GiB, NFS) + 1 VIF`,
        cpus,
        memory: mem,
        container: poolId,
        VIFs: [addVif(id, 0, 0, false)],
        VBDs: [addDisk(id, `${slug}-template-disk`, disk, '0', false)],
        installTime: now - 90 * 86400,
        other: { base_template_name: 'Debian Bookworm 12' },
      }),
    )
  }
  const defaultTpl = makeVm(c(`${poolId}-${rng.uuid()}`), {
    type: 'VM-template',
    name: 'Debian Bookworm 12',
    description: 'Template which allows VM installation from install media',
    cpus: 1,
    memory: 2 * GiB,
    container: poolId,
    VIFs: [],
    VBDs: [],
    installTime: now - 365 * 86400,
  })
  sink({ ...defaultTpl, isDefaultTemplate: true })

  // VMs: ~70 % running, spread round-robin over the hosts.
  for (let i = 0; i < vmCount; i++) {
    const n = vmOffset + i
    const id = rng.uuid()
    const role = ROLES[n % ROLES.length]
    const name = `${role}-${String(Math.floor(n / ROLES.length) + 1).padStart(2, '0')}`
    const running = rng.next() < 0.7
    const h = i % hostCount
    const cpus = rng.pick([1, 2, 2, 4, 8])
    const mem = rng.pick([1, 2, 4, 8, 16]) * GiB
    const vifCount = role === 'proxy-dmz' || rng.next() < 0.3 ? 2 : 1
    const VIFs = Array.from({ length: vifCount }, (_, d) => addVif(id, d, d, running))
    const VBDs = [addDisk(id, `${name} system disk`, rng.pick([10, 20, 40]) * GiB, '0', running)]
    if (role === 'db') VBDs.push(addDisk(id, `${name} data disk`, 100 * GiB, '1', running))
    const created = rng.next() < 0.3
    const startTime = running ? now - rng.int(30 * 86400) : null
    let state: Record<string, unknown> | undefined
    if (running) {
      resident[h].push(id)
      memUsage[h] += mem
      const ips = VIFs.map((_, d) =>
        d === 0 ? `192.168.${p % 250}.${10 + (i % 240)}` : `10.0.${p % 250}.${10 + (i % 240)}`,
      )
      state = { power_state: 'Running', ...guestMetrics(ips) }
    }
    sink(
      makeVm(
        c(id),
        {
          type: 'VM',
          name,
          description: `${role} server`,
          cpus,
          memory: mem,
          container: running ? hostIds[h] : poolId,
          VIFs,
          VBDs,
          tags: running ? ['prod', role] : [role],
          installTime: now - 60 * 86400 - rng.int(300 * 86400),
          other: { base_template_name: 'Debian Bookworm 12', mac_seed: rng.uuid() },
          creation: created
            ? {
                date: new Date((now - rng.int(60 * 86400)) * 1000).toISOString(),
                template: templateIds[0],
                user: creator,
              }
            : undefined,
          startTime,
        },
        state,
      ),
    )
  }

  // Hosts and their control domains.
  hostIds.forEach((hostId, h) => {
    const name = p === 0 ? `xcp-host-${h + 1}` : `xcp-p${p + 1}-host-${h + 1}`
    const boot = now - 2 * 86400 - h * 3600
    const ctrl = makeVm(c(ctrlIds[h]), {
      type: 'VM-controller',
      name: `Control domain on host: ${name}`,
      description: 'The domain which manages physical devices and manages other domains',
      cpus: 8,
      memory: 4 * GiB,
      container: hostId,
      VIFs: [],
      VBDs: [],
      installTime: now - 400 * 86400,
      startTime: boot,
    })
    sink(reorder(ctrl, { power_state: 'Running', xenTools: false }))
    sink(
      makeHost(c(hostId), {
        name,
        address: `192.0.${2 + p}.${10 + h}`,
        controlDomain: ctrlIds[h],
        master: h === 0,
        memUsage: memUsage[h],
        bootTime: boot,
        residentVms: resident[h],
        PIFs: hostPifs[h],
        PBDs: hostPbds[h],
        serial: p * 100 + h,
      }),
    )
  })

  const netNames = ['Pool-wide network associated with eth0', 'DMZ', 'Host internal management network']
  const bridges = ['xenbr0', 'xenbr1', 'xenapi']
  netIds.forEach((id, n) =>
    sink(
      makeNetwork(c(id), {
        name: netNames[n],
        bridge: bridges[n],
        PIFs: netPifs[n],
        VIFs: netVifs[n],
        automatic: n < 2,
      }),
    ),
  )
  sink(
    makeSr(c(nfsId), {
      name: 'NFS shared storage',
      description: 'NFS SR [192.168.1.5:/export/xcp]',
      srType: 'nfs',
      contentType: 'user',
      shared: true,
      size: Math.max(2048 * GiB, nfsUsage * 2),
      container: poolId,
      VDIs: nfsVdis,
      PBDs: srPbds(0),
      usage: nfsUsage,
    }),
  )
  sink(
    makeSr(c(isoId), {
      name: 'XCP-ng Tools',
      description: 'XCP-ng guest tools ISOs',
      srType: 'iso',
      contentType: 'iso',
      shared: true,
      size: 0,
      container: poolId,
      VDIs: [],
      PBDs: srPbds(1),
      usage: 0,
    }),
  )
  hostIds.forEach((hostId, h) =>
    sink(
      makeSr(c(localIds[h]), {
        name: 'Local storage',
        description: '',
        srType: 'ext',
        contentType: 'user',
        shared: false,
        size: 500 * GiB,
        container: hostId,
        VDIs: [],
        PBDs: [hostPbds[h][2]],
        usage: 0,
      }),
    ),
  )
  sink(
    makePool(c(poolId), {
      name: poolName,
      master: hostIds[0],
      sr: nfsId,
      cores: 16 * hostCount,
      sockets: 2 * hostCount,
    }),
  )
  sink(
    makeMessage(c(), {
      name: 'ALARM',
      time: now - 3600,
      object: hostIds[0],
      body: 'value: 0.962000\nconfig:\n<variable>\n\t<name value="cpu_usage"/>\n\t<alarm_trigger_level value="0.9"/>\n</variable>\n',
    }),
  )
}
