import type { XoEventSummary } from './summary'
import { trimSlashes } from './request'

// Routes of XO's web UI (xo-web) for the objects it has a page for.
const PAGES: Record<string, string> = { VM: 'vms', host: 'hosts', pool: 'pools', SR: 'srs' }

/**
 * The XO page of the event's subject (or XO's home page), from XO's URL as configured (`/api/` and a
 * `ws(s)://` scheme are accepted, as for the connection). Undefined unless the result is an http(s) URL:
 * it ends up in a clickable link.
 */
export function xoLink(xoUrl: string | undefined, s: XoEventSummary): string | undefined {
  if (!xoUrl) return undefined
  let base: URL
  try {
    base = new URL(xoUrl.replace(/^ws(s?):/i, 'http$1:'))
  } catch {
    return undefined
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') return undefined
  const root = trimSlashes(`${base.origin}${base.pathname.replace(/\/api\/?$/, '/')}`)
  const page = s.subject?.type ? PAGES[s.subject.type] : undefined
  const gone = s.kind.endsWith('.removed') || s.kind.endsWith('.delete')
  return page && !gone ? `${root}/#/${page}/${encodeURIComponent(s.subject!.id)}` : `${root}/`
}
