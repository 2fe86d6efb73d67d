/** Properties every destination node may have; each secret `x` may instead name an environment variable `xEnv`. */
export interface DestinationConfig {
  [property: string]: unknown
}

/** A credential, or else the environment variable the node names (examples ship with variable names only). */
export function secretOf(credential: string | undefined, envName: unknown): string | undefined {
  if (credential) return credential
  if (typeof envName === 'string' && envName.trim() !== '') return process.env[envName.trim()] || undefined
  return undefined
}

/** `{"DMZ": 2, "<network id>": 1}` (JSON) or `DMZ=2, Pool-wide network=1` -> Kea subnet ids by XO network. */
export function parseSubnets(value: unknown): Record<string, number> {
  if (value && typeof value === 'object') return value as Record<string, number>
  const text = String(value ?? '').trim()
  if (text === '') return {}
  if (text.startsWith('{')) return JSON.parse(text) as Record<string, number>
  const subnets: Record<string, number> = {}
  for (const pair of text.split(',')) {
    const at = pair.lastIndexOf('=')
    const id = Number(pair.slice(at + 1))
    if (at > 0 && Number.isInteger(id)) subnets[pair.slice(0, at).trim()] = id
  }
  return subnets
}
