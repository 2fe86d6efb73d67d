import type { XoObject } from '../xo/object-store'

/** An object as the editor's pickers show it: small, with what tells two of them apart. */
export interface ObjectChoice {
  id: string
  name: string
  type: string
  pool?: string
  powerState?: string
}

/** Objects of one type whose name or id contains `query` (case-insensitive), named, sorted, at most `limit`. */
export function searchObjects(
  objects: Iterable<XoObject>,
  type: string,
  query: string,
  limit: number,
  lookup: (id: string) => XoObject | undefined,
): ObjectChoice[] {
  const needle = query.trim().toLowerCase()
  const found: ObjectChoice[] = []
  for (const object of objects) {
    if (object.type !== type) continue
    const name = String(object.name_label ?? object.name ?? object.id)
    if (needle && !name.toLowerCase().includes(needle) && !object.id.toLowerCase().includes(needle)) continue
    const choice: ObjectChoice = { id: object.id, name, type }
    const pool =
      typeof object.$pool === 'string' && object.type !== 'pool' ? lookup(object.$pool)?.name_label : undefined
    if (typeof pool === 'string') choice.pool = pool
    if (typeof object.power_state === 'string') choice.powerState = object.power_state
    found.push(choice)
  }
  return found.sort((a, b) => a.name.localeCompare(b.name)).slice(0, limit)
}

/** The object type a parameter usually names, for the editor's pickers (`vm.migrate`'s targetHost: a host). */
export function objectTypeOf(method: string, param: string): string | undefined {
  const byName: Record<string, string> = {
    vm: 'VM',
    template: 'VM-template',
    snapshot: 'VM-snapshot',
    host: 'host',
    targetHost: 'host',
    affinityHost: 'host',
    sr: 'SR',
    SR: 'SR',
    pool: 'pool',
    network: 'network',
    migrationNetwork: 'network',
    vdi: 'VDI',
    vif: 'VIF',
  }
  if (param === 'id') return byName[method.slice(0, method.indexOf('.'))]
  return byName[param]
}
