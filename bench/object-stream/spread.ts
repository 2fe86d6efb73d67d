/** The median of a series and how far its values spread, for figures measured over several rounds. */
export interface Spread {
  median: number
  /** the interquartile range: half of the values lie between p25 and p75 */
  p25: number
  p75: number
  min: number
  max: number
  count: number
}

/** Quantile `q` (0..1) of sorted values, interpolated between the two nearest (the usual "type 7"). */
function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q
  const below = Math.floor(at)
  const above = Math.min(below + 1, sorted.length - 1)
  return sorted[below] + (sorted[above] - sorted[below]) * (at - below)
}

export function spreadOf(values: number[]): Spread {
  if (values.length === 0) throw new Error('no value to summarise')
  const sorted = [...values].sort((a, b) => a - b)
  return {
    median: quantile(sorted, 0.5),
    p25: quantile(sorted, 0.25),
    p75: quantile(sorted, 0.75),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    count: sorted.length,
  }
}

/** `1.62 (IQR 1.58-1.66, min-max 1.50-1.75, 15 rounds)` */
export function spreadText(s: Spread, digits: number, unit = ''): string {
  const f = (v: number) => v.toFixed(digits) + unit
  return `${f(s.median)} (IQR ${f(s.p25)}-${f(s.p75)}, min-max ${f(s.min)}-${f(s.max)}, ${s.count} rounds)`
}
