/**
 * The catch-up scenario: the xo-hook node's recovery of missed calls from XO's audit log, judged only against
 * merely downloading and parsing the same NDJSON, side by side in the same process tree. The log (generated once,
 * newest first) is served by a stand-in for XO here in the parent; each variant runs in a freshly forked child,
 * one after another, every round in a rotated order (no variant always first), and the round with the median
 * CPU ratio catch-up / baseline is the one reported.
 */
import http from 'node:http'
import type { CatchUpConfig } from '../config'
import { auditLog } from './audit-records'
import { startAuditServer } from './audit-server'
import { runChild, stopCurrent } from './child-process'
import type { ChildResult, RunSpec, Variant } from './protocol'
import { VARIANTS } from './protocol'

// The catch-up's records per download (readSince's default): said in the output.
export const PAGE_SIZE = 1000

export type RoundResult = Record<Variant, ChildResult> & { order: Variant[]; cpuRatio: number }

export interface CatchUpResults {
  records: number
  logBytes: number
  rounds: RoundResult[]
  median: RoundResult
  /** checks that failed: a variant that did not see every record */
  failures: string[]
}

const cpuMs = (r: ChildResult) => (r.cpuUserUs + r.cpuSystemUs) / 1000

/** What a variant must have seen: every record downloaded; the catch-up, all but its cursor's emitted. */
function check(result: ChildResult, records: number): string[] {
  const problems: string[] = []
  if (result.lines !== records) problems.push(`read ${result.lines} of ${records} records`)
  if (result.variant === 'catchUp') {
    if (result.emitted !== records - 1) problems.push(`emitted ${result.emitted} of ${records - 1} missed calls`)
    if (result.summaries !== result.emitted)
      problems.push(`${result.summaries} summary lines for ${result.emitted} messages`)
    if (result.warnings?.length) problems.push(`warned: ${result.warnings.slice(0, 3).join('; ')}`)
  } else if (result.downloads !== 1) {
    problems.push(`${result.downloads} downloads instead of 1`)
  }
  return problems
}

/** A whole download read and thrown away: the server's own code warmed before the first child. */
async function warmServer(baseUrl: string): Promise<void> {
  const post = (body: string) =>
    new Promise<string>((resolve, reject) => {
      const request = http.request(`${baseUrl}/rpc`, { method: 'POST' }, (response) => {
        let text = ''
        response
          .setEncoding('utf8')
          .on('data', (chunk: string) => (text += chunk))
          .on('end', () => resolve(text))
      })
      request.on('error', reject).end(body)
    })
  const { result } = JSON.parse(
    await post(JSON.stringify({ method: 'audit.getRecords', params: { ndjson: true, maxRecords: null } })),
  )
  await new Promise<void>((resolve, reject) => {
    http
      .get(baseUrl + result.$getFrom, (response) =>
        response
          .on('data', () => {})
          .on('end', resolve)
          .on('error', reject),
      )
      .on('error', reject)
  })
}

export async function runCatchUp(
  config: CatchUpConfig,
  stops: Array<() => Promise<void>>,
  log: (line: string) => void,
): Promise<CatchUpResults> {
  const audit = auditLog(config.records)
  const server = await startAuditServer(audit)
  stops.push(() => server.stop(), stopCurrent)
  log(
    `  catch-up: ${config.records} audit records (${(audit.bytes / 1024 / 1024).toFixed(1)} MB of NDJSON) served at ${server.url}`,
  )
  await warmServer(server.url)

  const spec: RunSpec = { baseUrl: server.url, records: config.records, oldestId: audit.ids[audit.ids.length - 1] }
  const variants = Object.keys(VARIANTS) as Variant[]
  const rounds: RoundResult[] = []
  const failures: string[] = []
  for (let round = 0; round < config.rounds; round++) {
    const order = variants.map((_, i) => variants[(i + round) % variants.length])
    const results: Partial<Record<Variant, ChildResult>> = {}
    for (const variant of order) {
      const result = await runChild(variant, spec)
      results[variant] = result
      for (const problem of check(result, config.records))
        failures.push(`round ${round + 1}, ${VARIANTS[variant]}: ${problem}`)
    }
    const done = results as Record<Variant, ChildResult>
    const cpuRatio = cpuMs(done.catchUp) / cpuMs(done.baseline)
    rounds.push({ ...done, order, cpuRatio })
    log(
      `  catch-up, round ${round + 1} (${order.join(', ')}): ` +
        order.map((v) => `${v} ${done[v].wallMs.toFixed(0)} ms wall, ${cpuMs(done[v]).toFixed(0)} ms CPU`).join('; '),
    )
  }
  const median = [...rounds].sort((a, b) => a.cpuRatio - b.cpuRatio)[Math.floor((rounds.length - 1) / 2)]
  return { records: config.records, logBytes: audit.bytes, rounds, median, failures }
}
