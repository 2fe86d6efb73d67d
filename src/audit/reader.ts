import type { DownloadOptions, DownloadResult } from '../xo/ndjson'
import { asAuditRecord, type AuditRecord, NULL_ID } from './records'

/** What reading the audit log needs of an XO connection. */
export interface AuditSource {
  call<T = unknown>(method: string, params?: Record<string, unknown>, timeoutMs?: number): Promise<T>
  download(
    getFrom: string,
    onItem: (item: unknown) => boolean | void,
    options?: DownloadOptions,
  ): Promise<DownloadResult>
}

export interface ReadLimits {
  /** records written before this time (ms, XO's clock) are not read: the catch-up goes back no further */
  notBefore: number
  /** kept records at most: the walk stops once it holds this many */
  maxKept: number
  /** records per download (XO's default limit is 10,000) */
  pageSize?: number
  /** the walk keeps only the records this accepts (others are read past) */
  keep(record: AuditRecord): boolean
  /** a line that is not a record: said, skipped */
  onBadLine?(line: unknown): void
}

export interface ReadResult {
  /** the records kept, newest first */
  kept: AuditRecord[]
  /** the newest record of the log (undefined: the log is empty) */
  newest: AuditRecord | undefined
  /** why the walk stopped: the record given as `since`, the start of the log, the age or the count limit */
  stoppedAt: 'since' | 'start' | 'age' | 'count'
  /** records read, kept or not */
  read: number
  /** the oldest record read (where a walk cut by age or count ended) */
  oldestRead: AuditRecord | undefined
}

/**
 * Walks XO's audit log from its newest record back to `since` (excluded), through NDJSON downloads of `pageSize`
 * records (never the whole log in one frame; `audit.getRecords` without NDJSON ignores its limit), each download
 * stopped as soon as the walk has what it needs. `since` undefined: the whole log, within the limits.
 */
export async function readSince(
  source: AuditSource,
  since: string | undefined,
  limits: ReadLimits,
  options?: DownloadOptions,
): Promise<ReadResult> {
  const pageSize = limits.pageSize ?? 1000
  const result: ReadResult = { kept: [], newest: undefined, stoppedAt: 'start', read: 0, oldestRead: undefined }
  let from: string | undefined
  for (;;) {
    const params: Record<string, unknown> = { ndjson: true, maxRecords: pageSize }
    if (from !== undefined) params.id = from
    const { $getFrom } = await source.call<{ $getFrom?: unknown }>('audit.getRecords', params)
    if (typeof $getFrom !== 'string') throw new Error('audit.getRecords gave no download URL')
    let inPage = 0
    let last: AuditRecord | undefined
    let done = false
    await source.download(
      $getFrom,
      (line) => {
        inPage++
        const record = asAuditRecord(line)
        if (!record) {
          limits.onBadLine?.(line)
          return true
        }
        if (record.id === since) {
          result.stoppedAt = 'since'
          done = true
          return false
        }
        if (record.time < limits.notBefore) {
          result.stoppedAt = 'age'
          done = true
          return false
        }
        result.newest ??= record
        result.read++
        result.oldestRead = record
        last = record
        if (limits.keep(record)) {
          result.kept.push(record)
          if (result.kept.length >= limits.maxKept) {
            result.stoppedAt = 'count'
            done = true
            return false
          }
        }
        return true
      },
      // A line that is not JSON still took its place in the page: counted, said, skipped.
      {
        ...options,
        onBadLine: (error) => {
          inPage++
          limits.onBadLine?.(error.message)
        },
      },
    )
    // A page shorter than asked for is the start of the log; so is a record with no previous one.
    if (done || inPage < pageSize || !last || last.previousId === NULL_ID) return result
    from = last.previousId
  }
}

/** The newest record of the log (one line downloaded), undefined when the log is empty. */
export async function newestRecord(source: AuditSource, options?: DownloadOptions): Promise<AuditRecord | undefined> {
  const { $getFrom } = await source.call<{ $getFrom?: unknown }>('audit.getRecords', { ndjson: true, maxRecords: 1 })
  if (typeof $getFrom !== 'string') throw new Error('audit.getRecords gave no download URL')
  let newest: AuditRecord | undefined
  await source.download($getFrom, (line) => !(newest = asAuditRecord(line)), options)
  return newest
}
