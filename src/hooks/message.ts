import type { HookBody, HookError, HookPre } from './delivery'
import type { ObjectSummary } from './involved'

/** `msg.xo` of an xo-hook message: what the package derives from XO's body (which stays in `msg.payload`). */
export interface XoHookInfo {
  phase: 'pre' | 'post'
  callId: string
  method: string
  /**
   * who called: neither id nor name for calls made before sign-in (an anonymous caller: XO's placeholder name
   * is not kept), no ip for the backup job runner's own pair
   */
  user: { id?: string; name?: string; ip?: string }
  /** post only: whether the call succeeded */
  ok?: boolean
  /** post only */
  durationMs?: number
  /** post only, when the call failed */
  error?: HookError
  /** post only: the pre delivery of the same call, when this node received it */
  pre?: HookPre
  /** the objects the call is about, by role (`vm`, `host`, `targetHost`…): summaries, or just ids */
  objects: Record<string, ObjectSummary>
  /**
   * post only: XO could not deliver this call when it ran (Node-RED stopped or unreachable); it comes from XO's
   * audit log, its objects described as they are now
   */
  replayed?: true
}

/** A message of xo-hook: XO's delivery as it came (`payload`), and what the package derived from it (`xo`). */
export interface XoHookMessage<Body extends HookBody = HookBody> {
  /** the method */
  topic: string
  payload: Body
  /** `hold`: a gated pre held until an xo proceed node gets the message */
  xo: XoHookInfo & { hold?: { node: string; id: string } }
  /** what happened, in one line a person reads at once */
  summary?: string
  /** what the flow adds on its way */
  [property: string]: unknown
}

// What XO puts as the name of a caller it does not know (a call made before sign-in).
export const UNKNOWN_USER = '(unknown user)'

export function describeCall(body: HookBody, pre: HookPre | undefined): XoHookInfo {
  const user: XoHookInfo['user'] = {}
  if (body.userId !== undefined) user.id = body.userId
  const anonymous = body.userId === undefined && body.userName === UNKNOWN_USER
  if (body.userName !== undefined && !anonymous) user.name = body.userName
  if (body.userIp !== undefined) user.ip = body.userIp
  const info: XoHookInfo = { phase: body.type, callId: body.callId, method: body.method, user, objects: {} }
  if (body.type === 'post') {
    info.ok = body.error === undefined
    if (typeof body.duration === 'number') info.durationMs = body.duration
    if (body.error !== undefined) info.error = body.error
    if (pre) info.pre = pre
  }
  return info
}
