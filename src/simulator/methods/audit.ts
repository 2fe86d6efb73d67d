// audit.* handlers (admin-only per the catalogue). They exist only while the audit plugin is loaded
// (Core.hasMethod); captures/audit.json.
import type { AuditRecord } from '../audit'
import type { Handler } from '../core'

/** NDJSON lines of at most `max` records (the plugin's count-down: 2.5 gives 3, a negative number none). */
function* ndjsonLines(records: Iterable<AuditRecord>, max: number): Generator<string> {
  let left = max
  for (const record of records) {
    if (--left < 0) return
    yield `${JSON.stringify(record)}\n`
  }
}

export const auditMethods: Record<string, Handler> = {
  // Without ndjson: every record from `id` (maxRecords is ignored, as captured). With it: a one-shot download of
  // at most maxRecords (default 10,000; null: all), read from the log when fetched.
  'audit.getRecords': (core, _s, p) => {
    if (p.ndjson === true) {
      const max = p.maxRecords === null ? Infinity : (p.maxRecords ?? 10_000)
      const id: string | undefined = p.id
      const $getFrom = core.registerDownload({
        contentType: 'application/json; charset=utf-8',
        chunks: () => ndjsonLines(core.audit.getFrom(id), max),
      })
      return { $getFrom }
    }
    return [...core.audit.getFrom(p.id)]
  },
  'audit.checkIntegrity': (core, _s, p) => core.audit.checkIntegrity(p.oldest, p.newest),
  'audit.generateFingerprint': (core, _s, p) => core.audit.fingerprint(p.oldest, p.newest),
  'audit.clean': (core) => void core.audit.clean(),
}
