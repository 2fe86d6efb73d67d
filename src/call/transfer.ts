/**
 * Some methods answer with a transfer URL instead of data: `{$getFrom}` (download, e.g. `vm.export`) or
 * `{$sendTo}` (upload, e.g. `vm.import`). These are one-shot paths on XO's own HTTP server; the path itself is
 * the credential, so an absolute URL is all the core `http request` node needs.
 */
export interface Transfer {
  url: string
  method: 'GET' | 'POST'
}

export function transferOf(result: unknown, httpBase: string): Transfer | undefined {
  if (!result || typeof result !== 'object') return undefined
  const { $getFrom, $sendTo } = result as { $getFrom?: unknown; $sendTo?: unknown }
  const path = typeof $getFrom === 'string' ? $getFrom : typeof $sendTo === 'string' ? $sendTo : undefined
  if (path === undefined) return undefined
  const url = /^https?:\/\//.test(path) ? path : `${httpBase}${path.startsWith('/') ? '' : '/'}${path}`
  return { url, method: typeof $getFrom === 'string' ? 'GET' : 'POST' }
}
