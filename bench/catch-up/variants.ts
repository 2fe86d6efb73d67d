/**
 * What each child does, measured: merely downloading and parsing the whole log (the package's downloader, on
 * node:http, and undici, fresh and warm), and the package's catch-up recovering every record of it as the xo-hook
 * node does. Whatever a variant sets up beforehand (`prepare`) is not measured.
 */
import { CatchUp } from '../../src/audit/catch-up'
import type { HookPost } from '../../src/hooks/delivery'
import { involvedRefs } from '../../src/hooks/involved'
import { describeCall, type XoHookMessage } from '../../src/hooks/message'
import { summaryLine } from '../../src/destinations/event'
import { MemoryStateStore } from '../../src/state/state-store'
import { Agent } from 'undici'
import { type BenchAuditSource, undiciDownload } from './audit-source'
import type { ChildResult, RunSpec, Variant } from './protocol'

export type Outcome = Pick<ChildResult, 'emitted' | 'summaries' | 'warnings'>

export interface Prepared {
  run(): Promise<Outcome>
  /** after the memory figures: what the variant kept alive until then is let go */
  close(): Promise<void>
}

type Prepare = (spec: RunSpec, source: BenchAuditSource) => Promise<Prepared>

const DAY_MS = 24 * 3_600_000
const STATE_KEY = 'xo-hook/catch-up-bench'

/** All the log in one download (maxRecords: null), each line parsed by the downloader, nothing kept. */
const baseline: Prepare = async (_spec, source) => ({
  run: async () => {
    const { $getFrom } = await source.call<{ $getFrom: string }>('audit.getRecords', { ndjson: true, maxRecords: null })
    await source.download($getFrom, () => {})
    return {}
  },
  close: async () => {},
})

/** The same download with undici, lines cut the same way: what the package would use if it were not slower. */
const undici: Prepare = async (spec, source) => {
  const agent = new Agent({ keepAliveTimeout: 4_000, connections: 4 })
  return {
    run: async () => {
      const { $getFrom } = await source.call<{ $getFrom: string }>('audit.getRecords', {
        ndjson: true,
        maxRecords: null,
      })
      source.downloads++
      source.lines += await undiciDownload(spec.baseUrl + $getFrom, () => {}, agent)
      return {}
    },
    close: () => agent.close(),
  }
}

/**
 * The package's CatchUp, its saved cursor on the oldest record (so every other one was missed), limits that cut
 * nothing, and an emit that builds the message as the xo-hook node does (enrichment off: objects by id, no
 * store), without Node-RED's send. Done once it says caught-up and its pass is over.
 */
const catchUp: Prepare = async (spec, source) => {
  const xo = `${spec.baseUrl.replace(/^http/, 'ws')}/api/`
  const store = new MemoryStateStore()
  await store.write(STATE_KEY, { xo, cursor: spec.oldestId, live: [] })
  const outcome = { emitted: 0, summaries: 0, warnings: [] as string[] }
  let running: CatchUp | undefined
  const emit = async (body: HookPost) => {
    const info = describeCall(body, undefined)
    info.replayed = true
    for (const ref of involvedRefs(body.method, body.params, body.result)) info.objects[ref.role] = { id: ref.id }
    const msg: XoHookMessage = { topic: body.method, payload: body, xo: info }
    msg.summary = summaryLine(msg)
    if (msg.summary) outcome.summaries++
    outcome.emitted++
    return true
  }
  return {
    run: () =>
      new Promise<Outcome>((resolve, reject) => {
        running = new CatchUp({
          key: STATE_KEY,
          xo: () => xo,
          store,
          source,
          selects: () => true,
          emit,
          maxAgeMs: 365 * DAY_MS,
          maxCalls: spec.records * 2,
          periodMs: DAY_MS,
          graceMs: 0,
          report: (status) => {
            if (status.state === 'caught-up') running!.idle().then(() => resolve(outcome), reject)
            else if (status.state === 'unavailable')
              reject(new Error(`the catch-up is unavailable: ${status.reason} ${status.message ?? ''}`))
          },
          warn: (message) => outcome.warnings.push(message),
          log: () => {},
        })
        running.start()
      }),
    close: async () => {
      await running?.stop(false)
      running = undefined
    },
  }
}

// Downloads made before measuring: the transport's code compiled and optimised, as in a Node-RED that has run a while.
const WARM_UP_DOWNLOADS = 3

/** `prepare` of `variant` after the same whole download made WARM_UP_DOWNLOADS times, unmeasured and uncounted. */
const warm =
  (variant: Prepare): Prepare =>
  async (spec, source) => {
    const prepared = await variant(spec, source)
    for (let i = 0; i < WARM_UP_DOWNLOADS; i++) await prepared.run()
    source.calls = source.downloads = source.lines = 0
    return prepared
  }

export const PREPARE: Record<Variant, Prepare> = {
  baseline,
  catchUp,
  undici,
  baselineWarm: warm(baseline),
  undiciWarm: warm(undici),
}
