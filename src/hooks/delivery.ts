/**
 * What XO's web-hooks plugin POSTs (xo-server 5.207.2, see the captures): `pre` right before an API method
 * runs, `post` right after, sharing one `callId`. Calls made before sign-in have no `userId`; the backup job
 * runner's own pair for `backupNg.runJob` has neither `userId` nor `userIp`.
 */
export interface HookPre {
  type: 'pre'
  callId: string
  userId?: string
  userName?: string
  userIp?: string
  method: string
  params: Record<string, unknown>
  timestamp: number
}

export interface HookError {
  message: string
  name?: string
  stack?: string
  code?: number | string
  data?: unknown
  [key: string]: unknown
}

export interface HookPost extends Omit<HookPre, 'type'> {
  type: 'post'
  duration?: number
  result?: unknown
  error?: HookError
}

export type HookBody = HookPre | HookPost

/** Checks that a parsed JSON body is an XO web-hook delivery; says what is wrong otherwise. */
export function validateHookBody(body: unknown): { body: HookBody } | { error: string } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { error: 'body is not a JSON object' }
  const b = body as Record<string, unknown>
  if (b['@type'] === 'MessageCard') return { error: 'office365 format: register the hook with format "json"' }
  if (b.type !== 'pre' && b.type !== 'post') return { error: 'type must be "pre" or "post"' }
  if (typeof b.method !== 'string' || b.method === '') return { error: 'method is missing' }
  if (typeof b.callId !== 'string' || b.callId === '') return { error: 'callId is missing' }
  if (typeof b.timestamp !== 'number') return { error: 'timestamp is missing' }
  if (b.params !== undefined && (typeof b.params !== 'object' || b.params === null || Array.isArray(b.params))) {
    return { error: 'params must be an object' }
  }
  for (const key of ['userId', 'userName', 'userIp'] as const) {
    if (b[key] !== undefined && typeof b[key] !== 'string') return { error: `${key} must be a string` }
  }
  if (b.type === 'post') {
    if (b.duration !== undefined && typeof b.duration !== 'number') return { error: 'duration must be a number' }
    if (b.error !== undefined && (typeof b.error !== 'object' || b.error === null))
      return { error: 'error must be an object' }
  }
  return { body: body as HookBody }
}
