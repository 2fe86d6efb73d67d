// Canonical key orders of XO objects, copied from objects captured on xo-server 5.207.2.
// XO builds each object with a fixed literal, so optional keys (creation, mainIpAddress, xenTools...)
// always appear at the same place. Updates go through `reorder` so that every snapshot we send keeps
// the captured order whatever the order of mutations.

export type XoObject = Record<string, any> & { id: string; type: string }

const TAIL = ['id', 'uuid', '$pool', '$poolId', '_xapiRef']
const TAIL_WITH_TYPE = ['id', 'type', 'uuid', '$pool', '$poolId', '_xapiRef']

// Union of every VM flavour (VM, VM-template, VM-snapshot, VM-controller) in captured order.
const VM_KEYS = [
  'type',
  'addresses',
  'auto_poweron',
  'bios_strings',
  'blockedOperations',
  'boot',
  'CPUs',
  'creation',
  'current_operations',
  'expNestedHvm',
  'isNestedVirtEnabled',
  'vulnerabilities',
  'viridian',
  'mainIpAddress',
  'high_availability',
  'isFirmwareSupported',
  'memory',
  'installTime',
  'name_description',
  'name_label',
  'needsVtpm',
  'other',
  'os_version',
  'parent',
  'power_state',
  'hasVendorDevice',
  'snapshots',
  'startDelay',
  'startTime',
  'secureBoot',
  'tags',
  'VIFs',
  'VTPMs',
  'virtualizationMode',
  'xenTools',
  'managementAgentDetected',
  'pvDriversDetected',
  'pvDriversVersion',
  'pvDriversUpToDate',
  '$container',
  '$VBDs',
  'VGPUs',
  '$VGPUs',
  'xenStoreData',
  'vga',
  'videoram',
  'coresPerSocket',
  'isDefaultTemplate',
  'template_info',
  'snapshot_time',
  '$snapshot_of',
  'PV_args',
  ...TAIL,
]

const HOST_KEYS = [
  'CPUs',
  'address',
  'bios_strings',
  'build',
  'chipset_info',
  'enabled',
  'controlDomain',
  'cpus',
  'current_operations',
  'hostname',
  'iscsiIqn',
  'zstdSupported',
  'license_params',
  'license_server',
  'license_expiry',
  'logging',
  'name_description',
  'name_label',
  'memory',
  'multipathing',
  'otherConfig',
  'patches',
  'powerOnMode',
  'power_state',
  'residentVms',
  'startTime',
  'supplementalPacks',
  'agentStartTime',
  'rebootRequired',
  'tags',
  'version',
  'productBrand',
  'hvmCapable',
  'certificates',
  'PIFs',
  '$PIFs',
  'PCIs',
  '$PCIs',
  'PGPUs',
  '$PGPUs',
  '$PBDs',
  ...TAIL_WITH_TYPE,
]

const POOL_KEYS = [
  'auto_poweron',
  'crashDumpSr',
  'current_operations',
  'default_SR',
  'HA_enabled',
  'haRebootVmOnInternalShutdown',
  'haSrs',
  'master',
  'tags',
  'name_description',
  'name_label',
  'migrationCompression',
  'otherConfig',
  'cpus',
  'suspendSr',
  'zstdSupported',
  'vtpmSupported',
  'platform_version',
  ...TAIL_WITH_TYPE,
]

export const KEY_ORDER: Record<string, string[]> = {
  VM: VM_KEYS,
  'VM-template': VM_KEYS,
  'VM-snapshot': VM_KEYS,
  'VM-controller': VM_KEYS,
  host: HOST_KEYS,
  pool: POOL_KEYS,
  task: [
    'allowedOperations',
    'created',
    'current_operations',
    'finished',
    'name_description',
    'name_label',
    'progress',
    'result',
    'status',
    'xapiRef',
    '$host',
    ...TAIL_WITH_TYPE,
  ],
  VBD: ['type', 'attached', 'bootable', 'device', 'is_cd_drive', 'position', 'read_only', 'VDI', 'VM', ...TAIL],
  VDI: [
    'type',
    'cbt_enabled',
    'missing',
    'name_description',
    'name_label',
    'parent',
    'size',
    'snapshots',
    'tags',
    'usage',
    'VDI_type',
    'current_operations',
    'other_config',
    '$SR',
    '$VBDs',
    'chainPhysicalUsage',
    'snapshot_time',
    '$snapshot_of',
    ...TAIL,
  ],
  VIF: [
    'type',
    'allowedIpv4Addresses',
    'allowedIpv6Addresses',
    'attached',
    'device',
    'lockingMode',
    'MAC',
    'MTU',
    'other_config',
    'txChecksumming',
    '$network',
    '$VM',
    ...TAIL,
  ],
  network: [
    'automatic',
    'bridge',
    'current_operations',
    'defaultIsLocked',
    'MTU',
    'name_description',
    'name_label',
    'other_config',
    'tags',
    'PIFs',
    'VIFs',
    'nbd',
    'insecureNbd',
    'isBonded',
    ...TAIL_WITH_TYPE,
  ],
  SR: [
    'type',
    'content_type',
    'physical_usage',
    'allocationStrategy',
    'current_operations',
    'inMaintenanceMode',
    'name_description',
    'name_label',
    'size',
    'shared',
    'SR_type',
    'tags',
    'usage',
    'VDIs',
    'other_config',
    'sm_config',
    '$container',
    '$PBDs',
    ...TAIL,
  ],
}
KEY_ORDER['VDI-snapshot'] = KEY_ORDER.VDI

/**
 * Returns a new object: `base` with `patch` applied (undefined deletes a key), keys in canonical order.
 * Unknown keys keep their relative order and go before the id/uuid tail.
 */
export function reorder(base: XoObject, patch: Record<string, unknown>): XoObject {
  const merged: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete merged[k]
    else merged[k] = v
  }
  const plan = planFor(merged.type as string)
  if (plan === undefined) return merged as XoObject
  const out: Record<string, unknown> = {}
  for (const k of plan.head) if (k in merged) out[k] = merged[k]
  for (const k of Object.keys(merged)) if (!plan.known.has(k)) out[k] = merged[k]
  for (const k of plan.tail) if (k in merged) out[k] = merged[k]
  return out as XoObject
}

// Precomputed per type: reorder is on the hot path of inventory generation.
const plans = new Map<string, { head: string[]; tail: string[]; known: Set<string> }>()
function planFor(type: string) {
  let plan = plans.get(type)
  if (plan === undefined) {
    const order = KEY_ORDER[type]
    if (order === undefined) return undefined
    const tailStart = order.indexOf('id')
    plan = { head: order.slice(0, tailStart), tail: order.slice(tailStart), known: new Set(order) }
    plans.set(type, plan)
  }
  return plan
}
