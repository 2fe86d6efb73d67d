import assert from 'node:assert/strict'
import {
  DESTINATION_TYPES,
  type DestinationNodeView,
  type DestinationType,
} from '../../src/destinations/destination-types'
import { summarizeMessage, type XoEventSummary } from '../../src/destinations/event'
import type { HttpRequestMessage } from '../../src/destinations/request'
import type { XoHookMessage } from '../../src/hooks/message'

/** Translation as the test helper does it: the key, with its substitutions for the test to read. */
export const t = (key: string, subs?: Record<string, string | number>) =>
  subs ? `${key} ${JSON.stringify(subs)}` : key

export const USER = { id: 'u1', name: 'admin@admin.net', ip: '10.0.0.5' }
export const VM = { id: 'vm1', type: 'VM', name: 'web-01' }

export function hook(
  method: string,
  phase: 'pre' | 'post',
  ok = true,
  object: Record<string, unknown> = VM,
): XoEventSummary {
  const payload = {
    callId: `c-${method}-${phase}`,
    userId: USER.id,
    userName: USER.name,
    userIp: USER.ip,
    method,
    params: { id: object.id },
    timestamp: 1_800_000_000_000,
    type: phase,
    ...(phase === 'post'
      ? ok
        ? { result: true, duration: 20 }
        : { error: { message: 'no', code: 1 }, duration: 20 }
      : {}),
  }
  const msg = {
    topic: method,
    payload,
    xo: {
      phase,
      callId: payload.callId,
      method,
      user: USER,
      ...(phase === 'post' ? { ok, durationMs: 20 } : {}),
      objects: { vm: object },
    },
  } as unknown as XoHookMessage
  const s = summarizeMessage(msg)
  if (!('kind' in s)) throw new Error(s.error)
  return s
}

export const typeOf = (name: string): DestinationType => DESTINATION_TYPES.find((d) => d.type === name)!

/** A node of a destination type: its properties, its credentials (no variables set), its context. */
export function view(config: Record<string, unknown>, credentials: Record<string, string> = {}) {
  const context = new Map<string, unknown>()
  const node: DestinationNodeView = {
    config,
    t,
    secret: (name) => credentials[name],
    context: { get: (key) => context.get(key), set: (key, value) => void context.set(key, value) },
  }
  return { node, context }
}

export const requests = (out: ReturnType<DestinationType['build']>): HttpRequestMessage[] => {
  assert.ok(Array.isArray(out), `requests, not ${JSON.stringify(out)}`)
  return out
}
