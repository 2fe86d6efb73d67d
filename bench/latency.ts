import type { LatencySummary } from './protocol'

/** Latencies of one phase, in ms; kept whole (a few hundred thousand numbers at most) so percentiles are exact. */
export class LatencyRecorder {
  #samples = new Float64Array(1 << 16)
  #count = 0

  record(ms: number): void {
    if (this.#count === this.#samples.length) {
      const grown = new Float64Array(this.#samples.length * 2)
      grown.set(this.#samples)
      this.#samples = grown
    }
    this.#samples[this.#count++] = ms
  }

  summary(): LatencySummary {
    const sorted = this.#samples.slice(0, this.#count).sort()
    const n = sorted.length
    // Nearest rank: p99 of 5,000 samples is the 4,950th, a latency that really happened.
    const at = (p: number) => (n ? sorted[Math.min(n - 1, Math.ceil((p / 100) * n) - 1)] : 0)
    let sum = 0
    for (const v of sorted) sum += v
    return { count: n, p50: at(50), p90: at(90), p99: at(99), max: n ? sorted[n - 1] : 0, mean: n ? sum / n : 0 }
  }
}
