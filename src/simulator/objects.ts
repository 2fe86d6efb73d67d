// Factories for XO objects with the field names, value types and key order captured from
// xo-server 5.207.2 (see shapes.ts). Values are plausible XCP-ng 8.3 values.
import { KEY_ORDER, type XoObject } from './shapes'

export const GiB = 1024 ** 3

// Shared frozen constants for the many empty or identical nested values: 50 000 VMs would otherwise
// allocate millions of tiny objects (GC time dominated generation). Snapshots are never mutated in
// place (updates replace values), and freezing makes any accidental mutation fail loudly.
const EMPTY_OBJ: Record<string, never> = Object.freeze({}) as Record<string, never>
const EMPTY_ARR: never[] = Object.freeze([]) as unknown as never[]
const BOOT = Object.freeze({ order: 'cd', firmware: 'bios' })
const VULNERABILITIES = Object.freeze({ xsa468: false })
const OS_VERSION = Object.freeze({
  name: 'Debian GNU/Linux 12 (bookworm)',
  distro: 'debian',
  major: '12',
  minor: '5',
  uname: '6.1.0-18-amd64',
})
const XEN_TOOLS = Object.freeze({ major: 8, minor: 3, version: 8.3 })
const TEMPLATE_INFO = Object.freeze({ disks: EMPTY_ARR, install_methods: EMPTY_ARR })
const VM_KEY_ORDER = KEY_ORDER.VM
export const nowSec = (): number => Math.floor(Date.now() / 1000)

export interface Common {
  id: string
  poolId: string
  ref: string
}

const tail = (c: Common) => ({ id: c.id, uuid: c.id, $pool: c.poolId, $poolId: c.poolId, _xapiRef: c.ref })
const tailT = (c: Common, type: string) => ({
  id: c.id,
  type,
  uuid: c.id,
  $pool: c.poolId,
  $poolId: c.poolId,
  _xapiRef: c.ref,
})

export function makePool(
  c: Common,
  o: { name: string; master: string; sr: string; cores: number; sockets: number },
): XoObject {
  return {
    auto_poweron: false,
    crashDumpSr: o.sr,
    current_operations: {},
    default_SR: o.sr,
    HA_enabled: false,
    haRebootVmOnInternalShutdown: true,
    haSrs: [],
    master: o.master,
    tags: [],
    name_description: `${o.name} (simulated XCP-ng pool)`,
    name_label: o.name,
    migrationCompression: false,
    otherConfig: { auto_poweron: 'false' },
    cpus: { cores: o.cores, sockets: o.sockets },
    suspendSr: o.sr,
    zstdSupported: true,
    vtpmSupported: true,
    platform_version: '3.4.0',
    ...tailT(c, 'pool'),
  }
}

export function makeHost(
  c: Common,
  o: {
    name: string
    address: string
    controlDomain: string
    master: boolean
    memUsage: number
    bootTime: number
    residentVms: string[]
    PIFs: string[]
    PBDs: string[]
    serial: number
  },
): XoObject {
  return {
    CPUs: {
      cpu_count: '16',
      socket_count: '2',
      vendor: 'GenuineIntel',
      speed: '2394.374',
      modelname: 'Intel(R) Xeon(R) CPU E5-2640 v4 @ 2.40GHz',
      family: '6',
      model: '79',
      stepping: '1',
      flags: 'fpu de tsc msr pae mce cx8 apic sep mca cmov pat clflush acpi mmx fxsr sse sse2 ht syscall nx lm',
      features: '',
    },
    address: o.address,
    bios_strings: {
      'bios-vendor': 'Simulated BIOS',
      'bios-version': '1.0',
      'system-manufacturer': 'Simulated Computers',
      'system-product-name': 'SimServer 1U',
      'system-version': '1',
      'system-serial-number': `SIM-SN-${o.serial}`,
    },
    build: 'release/yangtze/master/58',
    chipset_info: { iommu: true },
    enabled: true,
    controlDomain: o.controlDomain,
    cpus: { cores: 16, sockets: 2 },
    current_operations: {},
    hostname: o.name,
    iscsiIqn: `iqn.2025-01.com.example:${o.name}`,
    zstdSupported: true,
    license_params: { restrict_zstd_export: 'false', sku_type: 'free', sku_marketing_name: 'XCP-ng' },
    license_server: { address: 'localhost', port: '27000' },
    license_expiry: null,
    logging: {},
    name_description: o.master ? 'pool master' : 'pool member',
    name_label: o.name,
    memory: { usage: o.memUsage, size: 256 * GiB },
    multipathing: false,
    otherConfig: {
      boot_time: `${o.bootTime}.`,
      agent_start_time: `${o.bootTime}.`,
      iscsi_iqn: `iqn.2025-01.com.example:${o.name}`,
    },
    patches: [],
    powerOnMode: 'wake-on-lan',
    power_state: 'Running',
    residentVms: o.residentVms,
    startTime: o.bootTime,
    supplementalPacks: [],
    agentStartTime: o.bootTime,
    rebootRequired: false,
    tags: [],
    version: '8.3.0',
    productBrand: 'XCP-ng',
    hvmCapable: true,
    certificates: [],
    PIFs: o.PIFs,
    $PIFs: o.PIFs,
    PCIs: [],
    $PCIs: [],
    PGPUs: [],
    $PGPUs: [],
    $PBDs: o.PBDs,
    ...tailT(c, 'host'),
  }
}

export type VmType = 'VM' | 'VM-template' | 'VM-snapshot' | 'VM-controller'

export interface VmInit {
  type: VmType
  name: string
  description: string
  cpus: number
  memory: number
  container: string
  VIFs: string[]
  VBDs: string[]
  tags?: string[]
  installTime: number
  other?: Record<string, string>
  parent?: string
  creation?: { date: string; template: string; user: string }
  startTime?: number | null
}

export function makeVm(c: Common, o: VmInit, state?: Record<string, unknown>): XoObject {
  const controller = o.type === 'VM-controller'
  // Every field this VM kind has, then one pass in canonical order: the cheapest way to build
  // 50 000 VMs (no intermediate copies), `state` overriding defaults (e.g. a running VM's fields).
  const f: Record<string, unknown> = {
    type: o.type,
    addresses: EMPTY_OBJ,
    auto_poweron: false,
    bios_strings: EMPTY_OBJ,
    blockedOperations: EMPTY_OBJ,
    boot: controller ? EMPTY_OBJ : BOOT,
    CPUs: { max: o.cpus, number: o.cpus },
    creation: o.creation,
    current_operations: EMPTY_OBJ,
    expNestedHvm: false,
    isNestedVirtEnabled: false,
    vulnerabilities: o.type === 'VM' ? VULNERABILITIES : undefined,
    viridian: false,
    high_availability: '',
    isFirmwareSupported: true,
    memory: {
      dynamic: [o.memory, o.memory],
      static: [controller ? o.memory : 512 * 1024 ** 2, o.memory],
      size: o.memory,
    },
    installTime: o.installTime,
    name_description: o.description,
    name_label: o.name,
    needsVtpm: false,
    other: o.other ?? EMPTY_OBJ,
    os_version: null,
    parent: o.parent,
    power_state: 'Halted',
    hasVendorDevice: false,
    snapshots: EMPTY_ARR,
    startDelay: 0,
    startTime: o.startTime ?? null,
    secureBoot: false,
    tags: o.tags ?? EMPTY_ARR,
    VIFs: o.VIFs,
    VTPMs: EMPTY_ARR,
    virtualizationMode: controller ? 'pv' : 'hvm',
    $container: o.container,
    $VBDs: o.VBDs,
    VGPUs: EMPTY_ARR,
    $VGPUs: EMPTY_ARR,
    xenStoreData: EMPTY_OBJ,
    vga: controller ? undefined : 'cirrus',
    videoram: controller ? undefined : 4,
    coresPerSocket: o.cpus,
    isDefaultTemplate: o.type === 'VM-template' ? false : undefined,
    template_info: o.type === 'VM-template' ? TEMPLATE_INFO : undefined,
    PV_args: controller ? '' : undefined,
    id: c.id,
    uuid: c.id,
    $pool: c.poolId,
    $poolId: c.poolId,
    _xapiRef: c.ref,
  }
  if (state !== undefined) Object.assign(f, state)
  const vm: Record<string, unknown> = {}
  for (const k of VM_KEY_ORDER) if (f[k] !== undefined) vm[k] = f[k]
  return vm as XoObject
}

/** Fields a running VM with guest tools reports (captured ~1.2 s after boot). */
export function guestMetrics(ips: string[]): Record<string, unknown> {
  const addresses: Record<string, string> = {}
  ips.forEach((ip, i) => (addresses[`${i}/ipv4/0`] = ip))
  return {
    addresses,
    os_version: OS_VERSION,
    xenTools: XEN_TOOLS,
    mainIpAddress: ips[0],
    managementAgentDetected: true,
    pvDriversDetected: true,
    pvDriversVersion: '8.3.0-1',
    pvDriversUpToDate: true,
  }
}

/** Removing these is what XO shows when a VM halts or suspends. */
export const NO_GUEST = {
  xenTools: undefined,
  managementAgentDetected: undefined,
  pvDriversDetected: undefined,
  pvDriversVersion: undefined,
  pvDriversUpToDate: undefined,
}

export function makeVif(
  c: Common,
  o: { mac: string; device: string; network: string; vm: string; attached: boolean },
): XoObject {
  return {
    type: 'VIF',
    allowedIpv4Addresses: EMPTY_ARR,
    allowedIpv6Addresses: EMPTY_ARR,
    attached: o.attached,
    device: o.device,
    lockingMode: 'network_default',
    MAC: o.mac,
    MTU: 1500,
    other_config: EMPTY_OBJ,
    txChecksumming: true,
    $network: o.network,
    $VM: o.vm,
    ...tail(c),
  }
}

export function makeVdi(
  c: Common,
  o: {
    name: string
    size: number
    sr: string
    VBDs: string[]
    parent?: string
    vdiType?: string
    description?: string
    snapshotOf?: string
    snapshotTime?: number
  },
): XoObject {
  const v: Record<string, unknown> = {
    type: o.snapshotOf === undefined ? 'VDI' : 'VDI-snapshot',
    cbt_enabled: false,
    missing: false,
    name_description: o.description ?? '',
    name_label: o.name,
  }
  if (o.parent !== undefined) v.parent = o.parent
  Object.assign(v, {
    size: o.size,
    snapshots: EMPTY_ARR,
    tags: EMPTY_ARR,
    usage: Math.min(o.size, 4 * 1024 ** 2),
    VDI_type: o.vdiType ?? 'user',
    current_operations: EMPTY_OBJ,
    other_config: EMPTY_OBJ,
    $SR: o.sr,
    $VBDs: o.VBDs,
  })
  if (o.snapshotOf === undefined) v.chainPhysicalUsage = Math.round(o.size * 0.35)
  else Object.assign(v, { snapshot_time: o.snapshotTime ?? nowSec(), $snapshot_of: o.snapshotOf })
  return { ...v, ...tail(c) } as unknown as XoObject
}

export function makeVbd(c: Common, o: { vdi: string; vm: string; position: string; attached: boolean }): XoObject {
  return {
    type: 'VBD',
    attached: o.attached,
    bootable: o.position === '0',
    device: null,
    is_cd_drive: false,
    position: o.position,
    read_only: false,
    VDI: o.vdi,
    VM: o.vm,
    ...tail(c),
  }
}

export function makeNetwork(
  c: Common,
  o: { name: string; bridge: string; PIFs: string[]; VIFs: string[]; automatic: boolean },
): XoObject {
  return {
    automatic: o.automatic,
    bridge: o.bridge,
    current_operations: {},
    defaultIsLocked: false,
    MTU: 1500,
    name_description: '',
    name_label: o.name,
    other_config: o.automatic ? { automatic: 'true' } : {},
    tags: [],
    PIFs: o.PIFs,
    VIFs: o.VIFs,
    nbd: false,
    insecureNbd: false,
    isBonded: false,
    ...tailT(c, 'network'),
  }
}

export function makeSr(
  c: Common,
  o: {
    name: string
    description: string
    srType: string
    contentType: string
    shared: boolean
    size: number
    container: string
    VDIs: string[]
    PBDs: string[]
    usage: number
  },
): XoObject {
  return {
    type: 'SR',
    content_type: o.contentType,
    physical_usage: Math.round(o.usage * 0.35),
    allocationStrategy: 'thin',
    current_operations: {},
    inMaintenanceMode: false,
    name_description: o.description,
    name_label: o.name,
    size: o.size,
    shared: o.shared,
    SR_type: o.srType,
    tags: [],
    usage: o.usage,
    VDIs: o.VDIs,
    other_config: o.shared ? { auto_scan: 'true' } : {},
    sm_config: {},
    $container: o.container,
    $PBDs: o.PBDs,
    ...tail(c),
  }
}

export function makeTask(c: Common, o: { name: string; host: string }): XoObject {
  return {
    allowedOperations: ['cancel'],
    created: nowSec(),
    current_operations: {},
    finished: null,
    name_description: '',
    name_label: o.name,
    progress: 0,
    result: '',
    status: 'pending',
    xapiRef: c.ref,
    $host: o.host,
    ...tailT(c, 'task'),
  }
}

// PIF, PBD and message shapes were not captured: fields follow api.md §3, order is our choice.
export function makePif(
  c: Common,
  o: { device: string; host: string; network: string; mac: string; ip: string; management: boolean },
): XoObject {
  return {
    type: 'PIF',
    attached: true,
    isBondMaster: false,
    isBondSlave: false,
    device: o.device,
    deviceName: '',
    dns: '',
    disallowUnplug: o.management,
    gateway: '',
    ip: o.ip,
    ipv6: [],
    mac: o.mac,
    management: o.management,
    carrier: true,
    mode: o.ip ? 'Static' : 'None',
    mtu: 1500,
    netmask: o.ip ? '255.255.255.0' : '',
    physical: true,
    primaryAddressType: 'IPv4',
    vlan: -1,
    speed: 10000,
    $host: o.host,
    $network: o.network,
    ...tail(c),
  }
}

export function makePbd(c: Common, o: { host: string; sr: string }): XoObject {
  return { type: 'PBD', attached: true, host: o.host, SR: o.sr, device_config: {}, otherConfig: {}, ...tail(c) }
}

export function makeMessage(c: Common, o: { name: string; body: string; time: number; object: string }): XoObject {
  return { body: o.body, name: o.name, time: o.time, $object: o.object, ...tailT(c, 'message') }
}
