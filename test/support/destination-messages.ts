/**
 * Shared fixtures of the destinations specs: the captured XO bodies, turned into messages shaped as the package's
 * nodes send them (xo-hook, xo-events, xo-call), and the summaries the format specs build on.
 */
import type { XoCallInfo, XoCallMessage } from '../../src/call/message'
import { isXoEventSummary, summarizeMessage } from '../../src/destinations/event'
import type { XoEventSummary } from '../../src/destinations/summary'
import type { ObjectEventPayload, XoEventMessage } from '../../src/events/message'
import type { HookBody, HookPre } from '../../src/hooks/delivery'
import { involvedRefs, summarize } from '../../src/hooks/involved'
import { describeCall, type XoHookMessage } from '../../src/hooks/message'
import type { XoObject } from '../../src/xo/object-store'
import { capture } from './captures'

type Msg = XoHookMessage | XoEventMessage | XoCallMessage

export const NOW = new Date('2026-11-30T08:00:00.000Z')
export const now = () => NOW
export const ADMIN_ID = 'a79f5df8-e61f-4e94-869b-1c18d0c36ad9'

export function summary(msg: Msg): XoEventSummary {
  const result = summarizeMessage(msg, now)
  if (!isXoEventSummary(result)) throw new Error(result.error)
  return result
}

// ---- webhooks-scenarios.json: every hook body the real xo-server sent

interface Scenario {
  name: string
  webhookEvents: Array<{ json?: Record<string, unknown> }>
}

export const scenarios = capture<{ scenarios: Scenario[] }>('webhooks-scenarios.json').scenarios

export function scenarioBodies(): Array<{ scenario: string; body: HookBody }> {
  return scenarios.flatMap((s) =>
    s.webhookEvents
      .map((e) => e.json)
      .filter((json): json is Record<string, unknown> => !!json && (json.type === 'pre' || json.type === 'post'))
      .map((json) => ({ scenario: s.name, body: json as unknown as HookBody })),
  )
}

/** A message as xo-hook sends it, its objects resolved against `lookup` as xo-hook's enrichment does. */
export function hookMessage(
  body: HookBody,
  lookup: (id: string) => XoObject | undefined = () => undefined,
  pre?: HookPre,
): XoHookMessage {
  const xo = describeCall(body, pre)
  const result = body.type === 'post' ? body.result : undefined
  for (const ref of involvedRefs(body.method, body.params, result)) {
    const object = lookup(ref.id)
    xo.objects[ref.role] = object ? summarize(object, lookup) : { id: ref.id }
  }
  return { topic: body.method, payload: body, xo }
}

// ---- usecases.json: the seed's operations over a two-host pool, with the object stream around them

interface Inventory {
  pool: { id: string; name_label: string }
  hosts: Array<Record<string, unknown> & { id: string }>
  networks: Array<Record<string, unknown> & { id: string; name_label: string }>
  VMs: Array<Record<string, unknown> & { id: string; VIFs: Array<Record<string, unknown> & { id: string }> }>
  templates: Array<Record<string, unknown> & { id: string; VIFs: Array<Record<string, unknown> & { id: string }> }>
}
interface Item {
  relMs: number
  kind: 'enter' | 'exit'
  id: string
  type?: string
  [field: string]: unknown
}
interface Operation {
  step: number
  name: string
  webhooks: { requests: Array<Record<string, unknown> & { type: 'pre' | 'post'; relMs: number; receivedAt: string }> }
  notifications: { items: Item[] }
}

export const usecases = capture<{ initialInventory: Inventory; operations: Operation[] }>('usecases.json')
export const POOL_ID = usecases.initialInventory.pool.id
export const [HOST1, HOST2] = usecases.initialInventory.hosts.map((h) => h.id)
export const [NET_ETH0, NET_DMZ] = usecases.initialInventory.networks.map((n) => n.id)
export const WEB01 = usecases.initialInventory.VMs.find((vm) => vm.name_label === 'web-01')!

function initialObjects(): Map<string, XoObject> {
  const inv = usecases.initialInventory
  const objects = new Map<string, XoObject>()
  const put = (o: Record<string, unknown> & { id: string; type: string }) => objects.set(o.id, { $pool: POOL_ID, ...o })
  objects.set(POOL_ID, { id: POOL_ID, type: 'pool', name_label: inv.pool.name_label })
  for (const host of inv.hosts) put({ ...host, type: 'host', residentVms: undefined })
  const networkId = (name: unknown) => inv.networks.find((n) => n.name_label === name)?.id
  for (const network of inv.networks) put({ id: network.id, type: 'network', name_label: network.name_label })
  for (const [type, vms] of [
    ['VM', inv.VMs],
    ['VM-template', inv.templates],
  ] as const) {
    for (const vm of vms) {
      for (const vif of vm.VIFs)
        put({ id: vif.id, type: 'VIF', MAC: vif.MAC, device: vif.device, $network: networkId(vif.network), $VM: vm.id })
      put({ ...vm, type, VIFs: vm.VIFs.map((vif) => vif.id), disks: undefined })
    }
  }
  return objects
}

/** Every pre and post of the use cases, as xo-hook would have sent them, with the object stream as it was. */
export function usecaseMessages(): Array<{ step: number; operation: string; msg: Msg }> {
  const objects = initialObjects()
  const lookup = (id: string) => objects.get(id)
  const out: Array<{ step: number; operation: string; msg: Msg }> = []
  for (const op of usecases.operations) {
    const items = [...op.notifications.items].sort((a, b) => a.relMs - b.relMs)
    let pre: HookPre | undefined
    for (const request of op.webhooks.requests) {
      // The stream as it was when the hook arrived.
      while (items.length && items[0].relMs <= request.relMs) {
        const item = items.shift()!
        if (item.kind === 'exit') objects.delete(item.id)
        else if (item.type) {
          const { relMs: _r, kind: _k, ...object } = item
          objects.set(item.id, { $pool: POOL_ID, ...object } as XoObject)
        }
      }
      const { url: _u, receivedAt, relMs: _rel, ...rest } = request
      const body = {
        ...rest,
        userId: ADMIN_ID,
        userIp: '127.0.0.1',
        timestamp: Date.parse(receivedAt),
      } as unknown as HookBody
      if (body.type === 'pre') pre = body
      out.push({
        step: op.step,
        operation: op.name,
        msg: hookMessage(body, lookup, body.type === 'post' ? pre : undefined),
      })
    }
  }
  return out
}

// ---- xo-events messages, shaped as src/xo-events.ts sends them

const inventoryVm = (name: string) => usecases.initialInventory.VMs.find((vm) => vm.name_label === name)!
export const host = (id: string) => ({
  id,
  name: String(usecases.initialInventory.hosts.find((h) => h.id === id)!.name_label),
})
const pool = { id: POOL_ID, name: usecases.initialInventory.pool.name_label }
export const NEW_VM = 'b8191686-5310-4ce6-aa26-fae7b49fbf04'
export const NEW_VIFS = [
  {
    id: '4055e7d8-05d6-47ca-aebf-f7cb1ad67965',
    mac: '92:cd:09:3f:54:f0',
    device: '0',
    network: { id: NET_ETH0, name: 'Pool-wide network associated with eth0' },
  },
  {
    id: '3b098356-3006-404a-ac27-8cfaf0baa74f',
    mac: '6a:76:60:4d:c1:ed',
    device: '1',
    network: { id: NET_DMZ, name: 'DMZ' },
  },
]

/** Any field a flow adds beside the payload's own; `changes` empty unless given. */
export function eventMessage(
  payload: Omit<ObjectEventPayload, 'changes'> & { changes?: ObjectEventPayload['changes']; [field: string]: unknown },
): XoEventMessage {
  return { topic: `${payload.type}.${payload.event}`, payload: { changes: {}, ...payload } }
}

export function vmMigrated(): XoEventMessage {
  const web = inventoryVm('web-01')
  const before = {
    id: web.id,
    type: 'VM',
    name_label: 'web-01',
    power_state: 'Running',
    $container: HOST1,
    $pool: POOL_ID,
    VIFs: web.VIFs.map((v) => v.id),
  }
  const after = { ...before, $container: HOST2 }
  return eventMessage({
    event: 'migrated',
    type: 'VM',
    id: web.id,
    object: after,
    previous: before,
    changes: { $container: { before: HOST1, after: HOST2 } },
    pool,
    host: host(HOST2),
    from: host(HOST1),
    to: host(HOST2),
  })
}

export function hostDown(): XoEventMessage {
  const before = {
    id: HOST2,
    type: 'host',
    name_label: 'xcp-host-2',
    power_state: 'Running',
    $pool: POOL_ID,
    enabled: true,
  }
  const after = { ...before, power_state: 'Halted' }
  return eventMessage({
    event: 'down',
    type: 'host',
    id: HOST2,
    object: after,
    previous: before,
    changes: { power_state: { before: 'Running', after: 'Halted' } },
    pool,
    from: 'Running',
    to: 'Halted',
  })
}

export function hostUp(): XoEventMessage {
  const before = { id: HOST2, type: 'host', name_label: 'xcp-host-2', power_state: 'Halted', $pool: POOL_ID }
  return eventMessage({
    event: 'up',
    type: 'host',
    id: HOST2,
    object: { ...before, power_state: 'Running' },
    previous: before,
    pool,
    from: 'Halted',
    to: 'Running',
  })
}

/** VM.created as the object stream has it (VIF ids), with the VIFs a flow resolved in `payload.vifs`. */
export function vmCreated(withVifs = true): XoEventMessage {
  const object = {
    id: NEW_VM,
    type: 'VM',
    name_label: 'nr-vm-d9ibu',
    power_state: 'Halted',
    $container: POOL_ID,
    $pool: POOL_ID,
    VIFs: NEW_VIFS.map((v) => v.id),
  }
  return eventMessage({
    event: 'created',
    type: 'VM',
    id: NEW_VM,
    object,
    pool,
    ...(withVifs ? { vifs: NEW_VIFS } : {}),
  })
}

/** VM.removed: the last known version, whose VIFs (resolved, as XO objects) say which MACs to release. */
export function vmRemoved(): XoEventMessage {
  const vifs = NEW_VIFS.map((v) => ({
    id: v.id,
    type: 'VIF',
    MAC: v.mac,
    device: v.device,
    $network: v.network.id,
    $VM: NEW_VM,
  }))
  const object = {
    id: NEW_VM,
    type: 'VM',
    name_label: 'nr-vm-d9ibu',
    power_state: 'Halted',
    $pool: POOL_ID,
    VIFs: vifs,
  }
  return eventMessage({ event: 'removed', type: 'VM', id: NEW_VM, object, previous: object, pool })
}

/** An xo-call message: the result in msg.payload, msg.xo {method, params, durationMs, error?}. */
export function callMessage(
  method: string,
  params: Record<string, unknown>,
  result: unknown,
  error?: XoCallInfo['error'],
): XoCallMessage {
  return { topic: method, payload: result, xo: { method, params, durationMs: 12, ...(error ? { error } : {}) } }
}

// The token XO handed out in the captured token.create, read from the capture rather than copied here.
export const TOKEN = String(
  (
    scenarioBodies().find(({ body }) => body.method === 'token.create' && body.type === 'post')!.body as {
      result?: unknown
    }
  ).result,
)

// ---- summaries the format specs share

export const XO_URL = 'https://xo.lab.example/'
export const steps = new Map(
  usecaseMessages().map(({ step, msg }) => [`${step} ${(msg.xo as { phase: string }).phase}`, summary(msg)]),
)
export const step = (key: string) => steps.get(key)!
export const json = (value: unknown) => JSON.stringify(value)

/** The worst case: a 5000-character VM name (multi-byte), a failure with a long message and stack, 100 facts. */
export function extreme(): XoEventSummary {
  const { body } = scenarioBodies().find(({ scenario, body }) => scenario.startsWith('A4') && body.type === 'post')!
  const error = {
    message: `${'VM_BAD_POWER_STATE '.repeat(200)}\nsecond line`,
    code: 'X',
    stack: `Error\n${'    at deep (/opt/xo/stack.js:1:1)\n'.repeat(5000)}`,
  }
  const msg = hookMessage({ ...body, error } as HookBody)
  const name = 'ü<&>'.repeat(1250)
  msg.xo.objects.vm = { id: 'vm-1', type: 'VM', name, pool: { id: POOL_ID, name } }
  const s = summary(msg)
  for (let i = 0; i < 100; i++)
    s.facts.push({ label: `Fact ${i} ${'ł'.repeat(100)}`, value: `${i} ${'€'.repeat(3000)}` })
  return s
}

/** Nothing known but the method: no objects, no user, no pool. */
export const bare = (): XoEventSummary => summary(callMessage('system.getServerVersion', {}, '5.207.2'))

export const tokenSummaries = () => [
  ...scenarioBodies()
    .filter(({ body }) => body.method === 'token.create')
    .map(({ body }) => summary(hookMessage(body))),
  summary(callMessage('token.create', {}, TOKEN)),
]
