/**
 * What the digest specs feed the engine: messages shaped as xo-hook, xo-events and xo-call send them (built on the
 * destinations' fixtures and captures), and a clock the test moves.
 */
import type { XoDigest } from '../../src/destinations/digest-message'
import { DigestEngine, type DigestOptions } from '../../src/digest/digest-engine'
import type { XoEventMessage } from '../../src/events/message'
import { USER } from './destination-fixtures'
import { FakeClock } from './fake-clock'
import { eventMessage, HOST1, HOST2, host, POOL_ID, usecases } from './destination-messages'

export const POOL_NAME = usecases.initialInventory.pool.name_label
export const POOL = { id: POOL_ID, name: POOL_NAME }

export { FakeClock }

export const SECOND = 1000
export const MINUTE = 60 * SECOND
export const HOUR = 60 * MINUTE

/** An engine on a fake clock with the node's defaults, the digests it sent and what it dropped. */
export function engineOn(clock: FakeClock, options: Partial<DigestOptions> = {}) {
  const sent: XoDigest[] = []
  const dropped: Array<{ reason: string; about: string; count: number }> = []
  const engine = new DigestEngine({
    groupBy: ['kind', 'pool'],
    groupWaitMs: 10 * SECOND,
    groupIntervalMs: 5 * MINUTE,
    repeatIntervalMs: 4 * HOUR,
    resolve: true,
    dedup: true,
    maxItems: 20,
    silences: [],
    inhibit: false,
    clock,
    send: (digest) => sent.push(digest),
    dropped: (reason, about, count) => dropped.push({ reason, about, count }),
    ...options,
  })
  return { engine, sent, dropped }
}

export type VmRef = {
  id: string
  type: 'VM'
  name: string
  pool: { id: string; name: string }
  host?: { id: string; name: string }
  tags?: string[]
}

export const vm = (n: number, on = HOST1): VmRef => ({
  id: `vm-${n}`,
  type: 'VM',
  name: `web-${String(n).padStart(2, '0')}`,
  pool: POOL,
  host: host(on),
})

/**
 * A message of xo-hook (post unless said) for a call on `object`, at `time` (ms): its id is its callId's, as XO's
 * audit log replays it.
 */
export function hookCall(
  method: string,
  object: Record<string, unknown> & { id: string },
  options: { ok?: boolean; time: number; callId?: string; replayed?: boolean; phase?: 'pre' | 'post' },
): Record<string, unknown> {
  const { ok = true, time, phase = 'post' } = options
  const callId = options.callId ?? `call-${method}-${object.id}-${time}`
  const payload = {
    callId,
    userId: USER.id,
    userName: USER.name,
    userIp: USER.ip,
    method,
    params: { id: object.id },
    timestamp: time,
    type: phase,
    ...(phase === 'post'
      ? ok
        ? { result: true, duration: 800 }
        : { error: { message: 'VM_BAD_POWER_STATE', code: 'VM_BAD_POWER_STATE' }, duration: 800 }
      : {}),
  }
  return {
    topic: method,
    payload,
    xo: {
      phase,
      callId,
      method,
      user: USER,
      ...(phase === 'post' ? { ok, durationMs: 800 } : {}),
      ...(options.replayed ? { replayed: true } : {}),
      objects: { [object.type === 'host' ? 'host' : 'vm']: object },
    },
  }
}

/**
 * xo-events' VM.started / VM.stopped of a VM on host `on`, as xo-events sends them: a halted VM's $container is its
 * pool, so a stopped VM's event names no host (the one it ran on is its previous $container).
 */
export function vmPower(
  event: 'started' | 'stopped',
  n: number,
  options: { on?: string; version?: number; time?: number } = {},
): XoEventMessage {
  const on = options.on ?? HOST1
  const running = event === 'started'
  const object = {
    id: `vm-${n}`,
    type: 'VM',
    name_label: vm(n).name,
    power_state: running ? 'Running' : 'Halted',
    $container: running ? on : POOL_ID,
    $pool: POOL_ID,
    version: options.version ?? 0,
  }
  return eventMessage({
    event,
    type: 'VM',
    id: object.id,
    object,
    previous: { ...object, power_state: running ? 'Halted' : 'Running', $container: running ? POOL_ID : on },
    pool: POOL,
    ...(running ? { host: host(on) } : {}),
    from: running ? 'Halted' : 'Running',
    to: running ? 'Running' : 'Halted',
    ...(options.time !== undefined ? { time: options.time } : {}),
  })
}

/** xo-events' host.disabled / host.enabled: the host's object says `enabled`. */
export function hostEnabled(enabled: boolean, id = HOST2): XoEventMessage {
  const object = { id, type: 'host', name_label: host(id).name, power_state: 'Running', $pool: POOL_ID, enabled }
  return eventMessage({
    event: enabled ? 'enabled' : 'disabled',
    type: 'host',
    id,
    object,
    previous: { ...object, enabled: !enabled },
    changes: { enabled: { before: !enabled, after: enabled } },
    pool: POOL,
  })
}

/** xo-events' pool.updated when the pool's master changed (HA elected another host). */
export function masterChanged(): XoEventMessage {
  const object = { id: POOL_ID, type: 'pool', name_label: POOL_NAME, master: HOST2 }
  return eventMessage({
    event: 'updated',
    type: 'pool',
    id: POOL_ID,
    object,
    previous: { ...object, master: HOST1 },
    changes: { master: { before: HOST1, after: HOST2 } },
    pool: POOL,
  })
}

/** Another host of the pool going down or up, shaped as hostDown() / hostUp(). */
export function hostPower(event: 'down' | 'up', id: string): XoEventMessage {
  const running = event === 'up'
  const object = {
    id,
    type: 'host',
    name_label: `xcp-${id}`,
    power_state: running ? 'Running' : 'Halted',
    $pool: POOL_ID,
    enabled: true,
  }
  return eventMessage({
    event,
    type: 'host',
    id,
    object,
    previous: { ...object, power_state: running ? 'Halted' : 'Running' },
    pool: POOL,
    from: running ? 'Halted' : 'Running',
    to: running ? 'Running' : 'Halted',
  })
}

/** xo-events' message.alarm: an XAPI message named ALARM about a host (its body as XAPI words it). */
export function alarm(n: number, body = 'value: 0.970000\nconfig:\n<variable><name value="cpu_usage"/></variable>') {
  const object = {
    id: `msg-${n}`,
    type: 'message',
    name: 'ALARM',
    body,
    time: 1_800_000_000 + n,
    $object: HOST1,
    $pool: POOL_ID,
  }
  return eventMessage({ event: 'alarm', type: 'message', id: object.id, object, pool: POOL })
}

export { HOST1, HOST2, POOL_ID }
