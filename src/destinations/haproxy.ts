import type { HttpRequestMessage } from './request'
import { basicAuth, jsonRequest, trimSlashes } from './request'

/**
 * HAProxy Data Plane API (v3): set a server's runtime admin state, e.g. `drain` before a VM migrates or shuts
 * down and `ready` once it is back. Runtime only: no reload, not persisted, nothing to version.
 * `PUT /v3/services/haproxy/runtime/backends/{backend}/servers/{server}` with `{"admin_state": …}`, Basic auth.
 */
export function haproxyServerState(opts: {
  baseUrl: string
  backend: string
  server: string
  state: 'drain' | 'ready' | 'maint'
  user: string
  password: string
}): HttpRequestMessage {
  // The base URL may be given with or without the API version (http://lb:5555 or http://lb:5555/v3).
  const base = trimSlashes(opts.baseUrl)
  const root = /\/v\d+$/.test(base) ? base : `${base}/v3`
  const url = `${root}/services/haproxy/runtime/backends/${encodeURIComponent(opts.backend)}/servers/${encodeURIComponent(opts.server)}`
  const authorization = basicAuth(opts.user, opts.password)
  return jsonRequest(url, { admin_state: opts.state }, { Authorization: authorization }, 'PUT')
}
