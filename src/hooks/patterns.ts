/**
 * Method selections: exact names (`vm.start`) and globs (`vm.*`, `*.delete`, `host.?tart`), compiled once into
 * one matcher when the node is deployed.
 */
export interface MethodMatcher {
  matches(method: string): boolean
  /** the selected methods that exist in `catalogue`, in catalogue order */
  expand(catalogue: Iterable<string>): string[]
  /** patterns that are neither a known method nor a glob matching one */
  unknown(catalogue: Iterable<string>): string[]
}

const VALID = /^[A-Za-z0-9_.*?-]+$/

export function compileMethods(patterns: string[]): MethodMatcher | { error: string } {
  const cleaned = patterns.map((p) => p.trim()).filter((p) => p !== '')
  if (cleaned.length === 0) return { error: 'no method selected' }
  const exact = new Set<string>()
  const globs: RegExp[] = []
  for (const pattern of cleaned) {
    if (!VALID.test(pattern)) return { error: `invalid method pattern: ${pattern}` }
    if (/[*?]/.test(pattern)) globs.push(globToRegExp(pattern))
    else exact.add(pattern)
  }
  const matches = (method: string) => exact.has(method) || globs.some((re) => re.test(method))
  return {
    matches,
    expand: (catalogue) => [...catalogue].filter(matches),
    unknown: (catalogue) => {
      const known = [...catalogue]
      return cleaned.filter((pattern) => {
        const single = compileMethods([pattern]) as MethodMatcher
        return !known.some((method) => single.matches(method))
      })
    },
  }
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${body}$`)
}
