import type { XoConnectionOptions, XoCredentials } from '../xo/connection'
import { parseXoUrl } from '../xo/url'

/** What the editor stores for an `xo-server` node (secrets live in credentials, never here). */
export interface XoServerConfig {
  name?: string
  /** `simulated`: the package's simulated XO on loopback (nothing else to set); `xo` (default): a real XO */
  source?: 'xo' | 'simulated'
  url?: string
  authMethod?: 'token' | 'password'
  /** PEM of a CA or certificate to trust for this connection only */
  ca?: string
  allowSelfSigned?: boolean
  /** how XO reaches this Node-RED (for web-hook URLs) */
  hookBaseUrl?: string
}

export interface XoServerCredentials {
  token?: string
  email?: string
  password?: string
}

/**
 * Turns a config node's properties and credentials into connection options, or a message that says what is
 * missing. Kept apart from Node-RED so that every case is unit-tested.
 */
export function connectionOptions(config: XoServerConfig, credentials: XoServerCredentials | undefined): (XoConnectionOptions & { simulated?: true }) | { error: string } {
  // Where the simulated XO listens, and its token, are known once it runs: the connection locates it.
  if (config.source === 'simulated') return { url: 'ws://127.0.0.1/', credentials: { token: '' }, simulated: true }
  const url = (config.url ?? '').trim()
  if (!url) return { error: 'no XO URL' }
  try {
    parseXoUrl(url)
  } catch (error) {
    return { error: (error as Error).message }
  }
  const creds = credentials ?? {}
  let credentialsToUse: XoCredentials
  if ((config.authMethod ?? 'token') === 'token') {
    if (!creds.token) return { error: 'no authentication token' }
    credentialsToUse = { token: creds.token }
  } else {
    if (!creds.email || !creds.password) return { error: 'no e-mail or password' }
    credentialsToUse = { email: creds.email, password: creds.password }
  }
  const ca = (config.ca ?? '').trim()
  if (ca && !ca.includes('-----BEGIN CERTIFICATE-----')) return { error: 'trusted CA is not a PEM certificate' }
  return {
    url,
    credentials: credentialsToUse,
    ...(ca ? { ca } : {}),
    allowSelfSigned: config.allowSelfSigned === true,
  }
}
