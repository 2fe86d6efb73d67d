import type { ObjectRef, XoEventSummary } from './summary'
import { notAVm, notSent, type NotSent } from './not-sent'
import { isRecord, str } from './text'

export interface KeaCommand {
  command: string
  arguments: Record<string, unknown>
}

export interface KeaOptions {
  /** Kea subnet id by XO network id or name: only VIFs on these networks get a reservation */
  subnets: Record<string, number>
  hostnameFrom?: 'name'
  /** where host_cmds writes: Kea's default is `alternate` (the hosts database) */
  operationTarget?: 'alternate' | 'primary' | 'all'
}

type Vif = { id?: string; mac?: string; network?: { id?: string; name?: string }; sharedWith?: unknown[] }

/**
 * Kea host_cmds commands for a VM's DHCP reservations, one per VIF on a mapped network. A VM that came into being
 * (post of vm.create, vm.clone, vm.copy or a backup restore; VM.created) gets `reservation-del` then
 * `reservation-add` for each MAC: Kea refuses to add a reservation that exists, so deleting first (accepting "not
 * found") makes a retried delivery harmless. A deleted VM (pre of vm.delete, while XO still knows its VIFs;
 * VM.removed) gets `reservation-del`. Send the commands in order, one request each.
 *
 * Only VMs: a snapshot carries its VM's MAC addresses, so deleting a snapshot (vm.delete deletes snapshots and
 * templates too) must not delete the live VM's reservations; a template is no machine on the network. For those,
 * and for anything else that is no reservation change, the answer says why nothing is sent.
 */
export function keaReservationCommands(s: XoEventSummary, opts: KeaOptions): KeaCommand[] | NotSent {
  const change = changeOf(s)
  if ('notSent' in change) return change
  const target = opts.operationTarget ? { 'operation-target': opts.operationTarget } : {}
  const hostname = hostLabel(change.vm.name)
  const commands: KeaCommand[] = []
  const seen = new Set<string>()
  let shared = 0
  for (const vif of vifsOf(change.vm)) {
    const mac = normalizeMac(vif.mac)
    const subnetId = subnetOf(vif, opts.subnets)
    if (!mac || subnetId === undefined || seen.has(mac)) continue
    // Another VM has this MAC (a restored backup keeps those of the VM backed up): its reservation is that VM's.
    if (Array.isArray(vif.sharedWith) && vif.sharedWith.length > 0) {
      shared++
      continue
    }
    seen.add(mac)
    commands.push({
      command: 'reservation-del',
      arguments: { 'subnet-id': subnetId, 'identifier-type': 'hw-address', identifier: mac, ...target },
    })
    if (change.action === 'add') {
      const reservation: Record<string, unknown> = { 'subnet-id': subnetId, 'hw-address': mac }
      if (hostname) reservation.hostname = hostname
      commands.push({ command: 'reservation-add', arguments: { reservation, ...target } })
    }
  }
  return commands.length > 0 ? commands : notSent(shared > 0 ? 'sharedMac' : 'noMappedVif')
}

function changeOf(s: XoEventSummary): { action: 'add' | 'del'; vm: ObjectRef } | NotSent {
  let change: { action: 'add' | 'del'; vm: ObjectRef | undefined }
  // A reservation follows one VM's creation or deletion, with its VIFs; a digest lists neither.
  if (s.digest) return notSent('digest')
  // The reservations went at its pre: a deletion that failed (a VM protected from deletion…) gets them back.
  if (s.kind === 'vm.delete' && s.phase === 'post' && !s.ok) change = { action: 'add', vm: s.objects.vm }
  else if (!s.ok) return notSent('failedCall')
  else if (s.created && (s.kind === 'VM.created' || s.source !== 'events')) change = { action: 'add', vm: s.created }
  else if (s.kind === 'vm.delete' && s.phase === 'pre') change = { action: 'del', vm: s.objects.vm }
  else if (s.kind === 'VM.removed') change = { action: 'del', vm: s.objects.vm }
  // From XO's audit log: deleted while Node-RED was away, its pre never came; its MACs are gone with it.
  else if (s.kind === 'vm.delete' && s.replayed) return notSent('deletedWhileAway')
  else if (s.kind === 'vm.delete' || s.phase === 'pre')
    return notSent(s.kind === 'vm.delete' ? 'deletedAlready' : 'beforeCall')
  else return notSent('noVmChange')
  return notAVm(change.vm) ?? { action: change.action, vm: change.vm! }
}

const vifsOf = (vm: ObjectRef): Vif[] => (Array.isArray(vm.vifs) ? vm.vifs.filter(isRecord) : [])

function subnetOf(vif: Vif, subnets: Record<string, number>): number | undefined {
  const network = isRecord(vif.network) ? vif.network : {}
  for (const key of [str(network.id), str(network.name)]) {
    if (key !== undefined && Object.hasOwn(subnets, key) && Number.isInteger(subnets[key])) return subnets[key]
  }
  return undefined
}

/** `aa:bb:cc:dd:ee:ff`, whatever the separator or case XO used; undefined for anything that is not a MAC. */
export function normalizeMac(mac: unknown): string | undefined {
  if (typeof mac !== 'string') return undefined
  const hex = mac.toLowerCase().replace(/[:.-]/g, '')
  return /^[0-9a-f]{12}$/.test(hex) ? hex.match(/../g)!.join(':') : undefined
}

/**
 * A valid DNS label (RFC 1123: letters, digits and inner hyphens, at most 63) from a VM name: "Web 01 (prod)"
 * → "web-01-prod". Undefined when nothing usable is left: the reservation is then made without a hostname.
 */
export function hostLabel(name: string | undefined): string | undefined {
  if (!name) return undefined
  const label = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '')
  return label || undefined
}

/**
 * What Kea answered. Over HTTP, Kea answers `[{result, text}]` (one per service), or a bare object for
 * authentication failures (`{result: 403}`), always with HTTP 200: `result` is the truth. 0 is success; 3
 * (empty) and "not found" are success too, marked `notFound`, as deleting a reservation that is not there is
 * the expected first step of an upsert.
 */
export function keaOutcome(body: unknown): { ok: boolean; notFound?: boolean; text: string; result?: number } {
  let parsed = body
  if (Buffer.isBuffer(parsed)) parsed = parsed.toString('utf8')
  if (typeof parsed === 'string') {
    const text = parsed
    try {
      parsed = JSON.parse(text)
    } catch {
      return { ok: false, text: `not a Kea answer: ${text.slice(0, 200)}` }
    }
  }
  const answers = Array.isArray(parsed) ? parsed : [parsed]
  if (answers.length === 0 || !answers.every((a) => isRecord(a) && typeof a.result === 'number')) {
    return { ok: false, text: 'not a Kea answer (no result)' }
  }
  const worst =
    answers.map((a) => answerOf(a as Record<string, unknown>)).find((a) => !a.ok) ??
    answerOf(answers[0] as Record<string, unknown>)
  return worst
}

function answerOf(a: Record<string, unknown>): { ok: boolean; notFound?: boolean; text: string; result: number } {
  const result = a.result as number
  const text = typeof a.text === 'string' ? a.text : ''
  if (result === 0) return { ok: true, text, result }
  if (result === 3 || (result === 1 && /not found/i.test(text))) return { ok: true, notFound: true, text, result }
  return { ok: false, text, result }
}
