import type { XoConnection } from '../xo/connection'
import { XoConnectionError } from '../xo/errors'
import { checkParams, type MethodSchema, normalizeParams } from './params'
import type { CallSettings } from './settings'
import type { Translate } from '../common/status'

/** The call could not be made as asked: wrong method or parameters (nothing was sent to XO). */
export class XoCallError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'XoCallError'
  }
}

/** What a call needs of the XO server it goes to: its connection (when configured) and its method catalogue. */
export interface CallTarget {
  connection: Pick<XoConnection, 'isConnected' | 'state' | 'whenConnected' | 'call'> | undefined
  configError: string | undefined
  methods(): Promise<Record<string, unknown>>
}

/** The parameters configured on the node, overridden by those of `msg.payload` when it is an object and allowed. */
export function withPayload(
  configured: Record<string, unknown>,
  payload: unknown,
  payloadParams: boolean,
): Record<string, unknown> {
  const fromPayload = payloadParams && payload && typeof payload === 'object' && !Array.isArray(payload)
  return fromPayload ? { ...configured, ...(payload as Record<string, unknown>) } : configured
}

/**
 * Evaluates the parameters configured on the node (each a typed input: string, number, JSON, msg, flow, global,
 * env…); a parameter that evaluates to undefined is left out, one that cannot be evaluated fails the call.
 */
export async function configuredParams(
  params: CallSettings['params'],
  evaluate: (param: CallSettings['params'][number], callback: (error: Error | null, value: unknown) => void) => void,
  t: Translate,
): Promise<Record<string, unknown>> {
  const entries = await Promise.all(
    params.map(
      (p) =>
        new Promise<[string, unknown]>((resolve, reject) =>
          evaluate(p, (error, value) =>
            error
              ? reject(new XoCallError(t('errors.param', { name: p.name, reason: error.message })))
              : resolve([p.name, value]),
          ),
        ),
    ),
  )
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined))
}

/**
 * Calls `method` on XO once the connection is up (or fails at once, as the node says), after checking the method
 * exists and normalising and checking its parameters against XO's catalogue: answers the parameters sent and XO's
 * result.
 */
export async function invokeXo(
  xo: CallTarget,
  settings: Pick<CallSettings, 'whenDown' | 'waitMs' | 'timeoutMs'>,
  method: string,
  params: Record<string, unknown>,
  signal: AbortSignal,
  t: Translate,
): Promise<{ params: Record<string, unknown>; result: unknown }> {
  const connection = xo.connection
  if (!connection) throw new XoConnectionError(xo.configError ?? 'no connection')
  if (!connection.isConnected) {
    if (settings.whenDown === 'fail') throw new XoConnectionError(t('errors.down', { state: connection.state.status }))
    const up = await connection.whenConnected(settings.waitMs, signal)
    if (!up) throw new XoConnectionError(t('errors.stillDown', { seconds: settings.waitMs / 1000 }))
  }
  const catalogue = (await xo.methods()) as Record<string, MethodSchema>
  const schema = catalogue[method]
  if (!schema) throw new XoCallError(t('errors.unknownMethod', { method }))
  const normalized = normalizeParams(method, schema, params)
  const problem = checkParams(method, schema, normalized)
  if (problem) throw new XoCallError(problem)
  return { params: normalized, result: await connection.call(method, normalized, settings.timeoutMs) }
}
