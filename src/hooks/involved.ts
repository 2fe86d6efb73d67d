import type { XoObject } from '../xo/object-store'

/** An object a call is about, and the part it plays in the call (`vm`, `targetHost`, `template`…). */
export interface InvolvedRef {
  role: string
  id: string
  /** the call created it: it may not be in the object stream yet */
  created?: boolean
  /** a created VM is complete once it has this many VIFs (the networks the call asked for) */
  expectedVifs?: number
  /**
   * say which other VMs carry the MAC addresses of its VIFs: a VM made or deleted, whose reservations (DHCP…)
   * must not be taken from a VM that shares them (a restored backup keeps the MACs of the VM backed up)
   */
  macOwners?: boolean
}

// Parameters that name objects, across XO's API (`id` takes the name of the method's namespace).
const PARAM_ROLES = ['id', 'vm', 'host', 'targetHost', 'sr', 'template', 'pool'] as const

// Methods whose result is the id of an object they created.
const CREATED_BY: Record<string, string> = {
  'vm.create': 'vm',
  'vm.clone': 'clone',
  'vm.copy': 'copy',
  'vm.snapshot': 'snapshot',
  // a restored backup: a new VM (with the MAC addresses of the VM backed up)
  'backupNg.importVmBackup': 'vm',
}

export function involvedRefs(
  method: string,
  params: Record<string, unknown> | undefined,
  result?: unknown,
): InvolvedRef[] {
  const refs: InvolvedRef[] = []
  const namespace = method.slice(0, method.indexOf('.')) || method
  for (const key of PARAM_ROLES) {
    const value = params?.[key]
    if (typeof value === 'string' && value !== '')
      refs.push({
        role: key === 'id' ? namespace : key,
        id: value,
        ...(method === 'vm.delete' ? { macOwners: true } : {}),
      })
  }
  const createdRole = CREATED_BY[method]
  if (createdRole && typeof result === 'string' && result !== '') {
    const ref: InvolvedRef = { role: createdRole, id: result, created: true, macOwners: true }
    if (method === 'vm.create' && Array.isArray(params?.VIFs)) ref.expectedVifs = params.VIFs.length
    refs.push(ref)
  }
  return refs
}

export interface ObjectSummary {
  id: string
  type?: string
  name?: string
  powerState?: string
  tags?: string[]
  pool?: { id: string; name?: string }
  host?: { id: string; name?: string }
  address?: string
  mainIpAddress?: string
  vifs?: Array<{
    id: string
    mac?: string
    device?: string
    network?: { id: string; name?: string }
    sharedWith?: string[]
  }>
  /** the call removed it: this is how it last was */
  removed?: boolean
}

type Lookup = (id: string) => XoObject | undefined

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)

/** The VMs (of type VM: not snapshots or templates) that have a VIF with this MAC address (lower case). */
export type MacOwners = (mac: string) => string[]

/** MAC owners from every VIF of `objects`: built once, when a summary asks. */
export function macOwnersOf(objects: () => Iterable<XoObject>, lookup: Lookup): MacOwners {
  let owners: Map<string, string[]> | undefined
  return (mac) => {
    if (!owners) {
      owners = new Map()
      for (const o of objects()) {
        const vm = o.type === 'VIF' ? str(o.$VM) : undefined
        const vifMac = str(o.MAC)?.toLowerCase()
        if (!vm || !vifMac || lookup(vm)?.type !== 'VM') continue
        owners.set(vifMac, [...(owners.get(vifMac) ?? []), vm])
      }
    }
    return owners.get(mac.toLowerCase()) ?? []
  }
}

/**
 * What a flow usually needs to know about an object, with the names of its pool, host and networks; with
 * `macOwners`, which other VMs carry the MAC address of each of its VIFs (`sharedWith`).
 */
export function summarize(object: XoObject, lookup: Lookup, macOwners?: MacOwners): ObjectSummary {
  const summary: ObjectSummary = { id: object.id, type: object.type }
  const name = str(object.name_label)
  if (name !== undefined) summary.name = name
  const powerState = str(object.power_state)
  if (powerState !== undefined) summary.powerState = powerState
  if (Array.isArray(object.tags))
    summary.tags = (object.tags as unknown[]).filter((tag): tag is string => typeof tag === 'string')
  const poolId = str(object.$pool)
  if (poolId && object.type !== 'pool') summary.pool = named(poolId, lookup)
  // A VM's $container is its host while resident, else its pool: there is no `$host`.
  const containerId = str(object.$container)
  if (containerId && lookup(containerId)?.type === 'host') summary.host = named(containerId, lookup)
  if (object.type === 'host') {
    const address = str(object.address)
    if (address) summary.address = address
  }
  const mainIp = str(object.mainIpAddress)
  if (mainIp) summary.mainIpAddress = mainIp
  if (Array.isArray(object.VIFs)) {
    summary.vifs = (object.VIFs as unknown[])
      .filter((id): id is string => typeof id === 'string')
      .map((id) => {
        const vif = lookup(id)
        const networkId = str(vif?.$network)
        const mac = str(vif?.MAC)
        const sharedWith = mac && macOwners ? macOwners(mac).filter((vm) => vm !== object.id) : []
        return {
          id,
          ...(vif ? { mac, device: str(vif.device) } : {}),
          ...(networkId ? { network: named(networkId, lookup) } : {}),
          ...(sharedWith.length ? { sharedWith } : {}),
        }
      })
  }
  return summary
}

function named(id: string, lookup: Lookup): { id: string; name?: string } {
  const name = str(lookup(id)?.name_label)
  return name === undefined ? { id } : { id, name }
}

/**
 * A created VM is ready to describe once it is a VM (XO provisions it as a template first) with the VIFs the
 * call asked for, all known: XO first copies the template's VIF, removes it, then adds the requested ones.
 */
export function isSettled(object: XoObject, lookup: Lookup, expectedVifs?: number): boolean {
  if (object.type === 'VM-template' && !object.isDefaultTemplate) return false
  if (!Array.isArray(object.VIFs)) return true
  const vifs = object.VIFs as unknown[]
  if (expectedVifs !== undefined && vifs.length !== expectedVifs) return false
  return vifs.every((id) => typeof id === 'string' && lookup(id)?.$VM === object.id)
}
