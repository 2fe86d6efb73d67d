/**
 * Where XO's JSON-RPC endpoint is, from what a user types: `xo.example.net`, `https://xo.example.net`,
 * `wss://xo.example.net/api/`, or an XO published under a sub-path (`https://proxy/xo/`).
 * xo-server only upgrades the exact path `<base>/api/`, trailing slash included.
 */
export interface XoEndpoint {
  /** ws:// or wss:// URL of the JSON-RPC endpoint, always ending in `/api/` */
  wsUrl: string
  /** http:// or https:// origin plus base path (no trailing slash), for URLs XO hands out such as `$getFrom` */
  httpBase: string
  secure: boolean
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i

export function parseXoUrl(input: string): XoEndpoint {
  const raw = (input ?? '').trim()
  if (raw === '') throw new Error('XO URL is empty')
  // Like xo-cli, a bare host name means HTTPS: XO appliances serve TLS by default.
  const withScheme = SCHEME.test(raw) ? raw : `https://${raw}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    throw new Error(`XO URL is not a valid URL: ${raw}`)
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase()
  const secure = scheme === 'https' || scheme === 'wss'
  if (!secure && scheme !== 'http' && scheme !== 'ws') {
    throw new Error(`XO URL must use http, https, ws or wss, not ${scheme}`)
  }
  if (url.username || url.password) {
    throw new Error('XO URL must not carry credentials: use the token or e-mail/password fields')
  }
  const basePath = url.pathname.replace(/\/+$/, '').replace(/\/api$/, '')
  const host = url.host
  return {
    wsUrl: `${secure ? 'wss' : 'ws'}://${host}${basePath}/api/`,
    httpBase: `${secure ? 'https' : 'http'}://${host}${basePath}`,
    secure,
  }
}
