/**
 * The audit log the catch-up scenario reads: records shaped exactly like xo-server-audit 0.15.1's (see
 * test/fixtures/xo/audit.json: same keys in the same order, `$5$$<sha-256>` ids chained through `previousId`, the
 * oldest with "nullId"), about a pool of VMs and hosts: power operations, edits, migrations, snapshots, host
 * maintenance, some token.create, and ~5% failures carrying XAPI errors with their stacks as XO stores them.
 * Each record is serialised once, here: the server only writes strings, the same for every variant.
 */
import { createHash } from 'node:crypto'
import { random } from '../deliveries'

export interface AuditLog {
  /** one JSON record per entry, newest first, each ending with "\n" */
  lines: string[]
  /** the records' ids, in the same order */
  ids: string[]
  /** the newest record's `time` */
  newestTime: number
  bytes: number
}

const USERS = [
  { userId: 'a79f5df8-e61f-4e94-869b-1c18d0c36ad9', userIp: '10.0.12.7', userName: 'admin@admin.net' },
  { userId: '3c1e0b5a-7f3d-4c55-9a0e-2f6b8d41c902', userIp: '10.0.12.31', userName: 'ops@example.net' },
  { userId: 'e5d2a6c4-1b8f-4f0a-8d3e-6a9c7b20f514', userIp: '10.0.40.2', userName: 'ci@example.net' },
]

type Rand = () => number

const hex = (rand: Rand, n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('')
const uuid = (rand: Rand) =>
  `${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-${'89ab'[Math.floor(rand() * 4)]}${hex(rand, 3)}-${hex(rand, 12)}`
const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz'
// xo-server's callId is Math.random().toString(36).slice(2): 10 or 11 characters. Drawn one character at a time:
// one 32-bit draw per callId made two of 10,000 calls share one (and the catch-up rightly emitted it once).
const callId = (rand: Rand) =>
  Array.from({ length: 10 + Math.floor(rand() * 2) }, () => BASE36[Math.floor(rand() * 36)]).join('')
const TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const token = (rand: Rand) => Array.from({ length: 43 }, () => TOKEN_CHARS[Math.floor(rand() * 64)]).join('')

/** A XAPI failure as the audit plugin stores it (the capture's VM_BAD_POWER_STATE, and its kind). */
function xapiError(rand: Rand, xapiMethod: string, code: string, params: string[], callParams: unknown[]) {
  const message = `${code}(${params.join(', ')})`
  return {
    code,
    params,
    call: { duration: Math.round(5 + rand() * 40), method: xapiMethod, params: ['* session id *', ...callParams] },
    message,
    name: 'XapiError',
    stack:
      `XapiError: ${message}\n    at Function.wrap (file:///opt/xen-orchestra/packages/xen-api/_XapiError.mjs:16:12)\n` +
      '    at file:///opt/xen-orchestra/packages/xen-api/transports/json-rpc.mjs:38:21\n' +
      '    at runNextTicks (node:internal/process/task_queues:60:5)\n' +
      '    at processImmediate (node:internal/timers:454:9)\n' +
      '    at process.callbackTrampoline (node:internal/async_hooks:130:17)',
  }
}

interface Call {
  method: string
  params: Record<string, unknown>
  duration: number
  outcome: { result: unknown } | { error: unknown }
}

interface Pool {
  vms: string[]
  hosts: string[]
  srs: string[]
}

/** A failed call: a power operation in the wrong state, or a host without the memory for it. */
function failedCall(rand: Rand, pool: Pool, pick: <T>(list: T[]) => T): Call {
  const vm = pick(pool.vms)
  const ref = `OpaqueRef:${uuid(rand)}`
  if (rand() < 0.6) {
    const start = rand() < 0.5
    const [expected, actual] = start ? ['halted', 'running'] : ['running', 'halted']
    const error = xapiError(
      rand,
      start ? 'VM.start' : 'VM.clean_shutdown',
      'VM_BAD_POWER_STATE',
      [ref, expected, actual],
      start ? [ref, false, false] : [ref],
    )
    return {
      method: start ? 'vm.start' : 'vm.stop',
      params: { id: vm },
      duration: Math.round(8 + rand() * 20),
      outcome: { error },
    }
  }
  const host = pick(pool.hosts)
  const hostRef = `OpaqueRef:${uuid(rand)}`
  const needed = String(Math.round(4 + rand() * 60) * 1073741824)
  const error = xapiError(
    rand,
    'VM.pool_migrate',
    'HOST_NOT_ENOUGH_FREE_MEMORY',
    [needed, String(Math.round(rand() * 2 * 1073741824))],
    [ref, hostRef, { force: 'false' }],
  )
  return {
    method: 'vm.migrate',
    params: { vm, targetHost: host },
    duration: Math.round(200 + rand() * 800),
    outcome: { error },
  }
}

/** One API call of the mix XO records (state-changing calls only: read-only ones are not in the audit log). */
function pickCall(rand: Rand, pool: Pool, index: number): Call {
  const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)]
  const ms = (typical: number) => Math.round(typical * (0.5 + rand()))
  const roll = rand()
  if (roll < 0.05) return failedCall(rand, pool, pick)
  if (roll < 0.25) {
    const params: Record<string, unknown> = { id: pick(pool.vms) }
    if (rand() < 0.3) params.host = pick(pool.hosts)
    return { method: 'vm.start', params, duration: ms(900), outcome: { result: true } }
  }
  if (roll < 0.42) {
    const params: Record<string, unknown> = { id: pick(pool.vms) }
    if (rand() < 0.4) params.force = true
    return { method: 'vm.stop', params, duration: ms(900), outcome: { result: true } }
  }
  if (roll < 0.57) {
    const edits = [
      { name_description: `edited by run ${index.toString(36)}` },
      { name_label: `web-${Math.floor(rand() * 900 + 100)}` },
      { memoryMax: Math.round(2 + rand() * 30) * 1073741824 },
      { tags: ['prod', pick(['web', 'db', 'ci'])] },
    ]
    return {
      method: 'vm.set',
      params: { id: pick(pool.vms), ...pick(edits) },
      duration: ms(25),
      outcome: { result: true },
    }
  }
  if (roll < 0.72) {
    const params: Record<string, unknown> = { vm: pick(pool.vms), targetHost: pick(pool.hosts) }
    if (rand() < 0.2) params.sr = pick(pool.srs)
    return { method: 'vm.migrate', params, duration: ms(25_000), outcome: { result: true } }
  }
  if (roll < 0.82) {
    const params = {
      id: pick(pool.vms),
      name: `backup-${new Date(1_796_000_000_000 + index * 60_000).toISOString().slice(0, 16)}`,
    }
    return { method: 'vm.snapshot', params, duration: ms(3000), outcome: { result: uuid(rand) } }
  }
  if (roll < 0.92) {
    const host = pick(pool.hosts)
    const calls: Array<[string, Record<string, unknown>]> = [
      ['host.disable', { id: host }],
      ['host.enable', { id: host }],
      ['host.setMaintenanceMode', { id: host, maintenance: rand() < 0.5 }],
      ['host.set', { id: host, name_description: 'rack B, slot 7' }],
      ['host.restart', { id: host, force: false }],
    ]
    const [method, params] = pick(calls)
    return { method, params, duration: ms(method === 'host.restart' ? 120_000 : 200), outcome: { result: true } }
  }
  const params = {
    description: pick(['node-red', 'ci pipeline', 'audit capture']),
    expiresIn: pick(['1 hour', '30 days']),
  }
  return { method: 'token.create', params, duration: ms(4), outcome: { result: token(rand) } }
}

/** `count` records, newest first, the newest written about a minute ago; deterministic for a given seed. */
export function auditLog(count: number, seed = 7): AuditLog {
  const rand = random(seed)
  const pool: Pool = {
    vms: Array.from({ length: 500 }, () => uuid(rand)),
    hosts: Array.from({ length: 16 }, () => uuid(rand)),
    srs: Array.from({ length: 8 }, () => uuid(rand)),
  }
  // Built oldest first (each id hashes its record and the previous id, as XO's chain does), then reversed.
  const gaps = Array.from({ length: count }, () => Math.round(200 + rand() * 2800))
  let time = Date.now() - 60_000 - gaps.reduce((a, b) => a + b, 0)
  let previousId = 'nullId'
  const lines: string[] = []
  const ids: string[] = []
  let bytes = 0
  for (let i = 0; i < count; i++) {
    time += gaps[i]
    const call = pickCall(rand, pool, i)
    const timestamp = time - Math.round(rand())
    const data = {
      callId: callId(rand),
      method: call.method,
      params: call.params,
      timestamp,
      duration: call.duration,
      ...call.outcome,
    }
    const subject = USERS[Math.floor(rand() * USERS.length)]
    const record = { data, event: 'apiCall', previousId, subject, time }
    const id = `$5$$${createHash('sha256').update(JSON.stringify(record)).digest('hex')}`
    const line = `${JSON.stringify({ ...record, id })}\n`
    lines.push(line)
    ids.push(id)
    bytes += Buffer.byteLength(line)
    previousId = id
  }
  return { lines: lines.reverse(), ids: ids.reverse(), newestTime: time, bytes }
}
