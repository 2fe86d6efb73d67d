import type { HookPost } from '../hooks/delivery'
import type { StateStore, Stored } from '../state/state-store'
import { ThrottledWriter } from '../state/throttled-writer'
import { XoApiError, XO_ERROR } from '../xo/errors'
import { type AuditSource, newestRecord, readSince } from './reader'
import { type AuditRecord, postDeliveryOf } from './records'

/** What a node keeps across restarts to catch up: where it is in XO's audit log, and what came live since. */
export interface CatchUpSaved {
  /** the XO the cursor belongs to */
  xo: string
  /** the newest record accounted for; null: the log was empty when the node started following it */
  cursor: string | null
  /** post deliveries that came live and that no pass has met in the log yet: [callId, when (ms)] */
  live: Array<[string, number]>
  /** when XO recorded the cursor's record, near enough (XO's clock, ms), for the operator's view */
  cursorTime?: number
}

export type CatchUpStatus =
  | { state: 'waiting' }
  | { state: 'catching-up' }
  | {
      state: 'caught-up'
      replayed: number
      cut?: 'age' | 'count' | 'lost'
      /** when XO recorded the newest call the node accounted for (XO's clock, ms); none: the log was empty */
      cursorTime?: number
    }
  | { state: 'unavailable'; reason: 'not-loaded' | 'inactive' | 'not-admin' | 'failed'; message?: string }

/** What the catch-up needs of XO's connection: calls, downloads, and word of every (re)connection. */
export interface CatchUpSource extends AuditSource {
  readonly isConnected: boolean
  on(event: 'connected', listener: () => void): unknown
  off(event: 'connected', listener: () => void): unknown
}

/** A claim on emitting a call, taken from a store shared with another instance (see `CatchUpOptions.claim`). */
export interface CatchUpClaim {
  /** gives it back unused */
  release(): void
}

export type CatchUpClaimAnswer<C> = { state: 'mine'; claim: C } | { state: 'sent' } | { state: 'held'; retryMs: number }

export interface CatchUpOptions<C extends CatchUpClaim = CatchUpClaim> {
  /** the state store's key (one per node) */
  key: string
  /** which XO this is (its URL, known once connected): a cursor of another XO means nothing here */
  xo(): string
  store: StateStore
  source: CatchUpSource
  /** the node's methods */
  selects(method: string): boolean
  /** calls older than this are not caught up */
  maxAgeMs: number
  /** calls caught up in one pass at most (the newest ones) */
  maxCalls: number
  /** how often the log is read while connected: deliveries XO could not make while Node-RED ran are found so */
  periodMs: number
  /** a call this recent may still be on its way live: the log gives it only once it is older */
  graceMs: number
  /**
   * With a store shared with another instance: claims the call before it goes out, checking and claiming in one step
   * ('sent': either instance emitted it already, live or from the log; 'held': another claim, a live delivery on
   * either instance, is about to emit it, for `retryMs` more at most; 'mine': the claim, handed to `emit`, which
   * confirms it right before the message leaves). None: this node's own memory of what came live decides.
   */
  claim?: (callId: string) => Promise<CatchUpClaimAnswer<C>>
  /**
   * Whether this instance may still emit (with a shared store: its lease is still its own), asked right before each
   * call goes out: a leader paused during a pass must not act, once resumed, on what Redis answered before.
   */
  mayEmit?: () => boolean
  /** emits one missed call (XO's order; awaited before the next); false: not emitted (the node is closing, or the claim was lost) */
  emit(body: HookPost, record: AuditRecord, claim?: C): Promise<boolean | void>
  report(status: CatchUpStatus): void
  warn(message: string): void
  log(message: string): void
  now?: () => number
}

// Calls remembered as emitted, to come out once whichever way they arrive; bounded whatever the traffic.
const MAX_REMEMBERED = 50_000
const SAVE_INTERVAL_MS = 1000

/**
 * Catches up the post deliveries of one xo-hook node that XO's web-hooks plugin could not make (Node-RED stopped,
 * restarting, unreachable): after every (re)connection and every `periodMs`, reads XO's audit log back to the
 * newest record it has accounted for, and emits each call of the node's methods that did not come live, once, in
 * the order XO ran them. The cursor and the calls that came live are saved (throttled, and on stop), so a restart
 * of Node-RED neither loses nor repeats calls.
 */
export class CatchUp<C extends CatchUpClaim = CatchUpClaim> {
  readonly #o: CatchUpOptions<C>
  readonly #now: () => number
  #saved: CatchUpSaved | undefined
  /** what the store held at start, taken once the XO is known */
  #stored: CatchUpSaved | undefined
  /** calls that came live before the state was taken */
  #early: Array<[string, number]> = []
  #ready: Promise<void> | undefined
  /** the saved state could not be read: no pass runs until it is */
  #unread = false
  /** calls emitted, live or from the log, with when */
  readonly #emitted = new Map<string, number>()
  /** records met while too recent, with when first met (Node-RED's clock) */
  readonly #firstMet = new Map<string, number>()
  #replayed = 0
  #running: Promise<void> | undefined
  #again = false
  #timer: NodeJS.Timeout | undefined
  #retry: NodeJS.Timeout | undefined
  #stopped = false
  readonly #abort = new AbortController()
  readonly #writer: ThrottledWriter<CatchUpSaved>
  readonly #onConnected = () => this.request()

  constructor(options: CatchUpOptions<C>) {
    this.#o = options
    this.#now = options.now ?? Date.now
    this.#writer = new ThrottledWriter(
      options.store,
      options.key,
      () => this.#snapshot(),
      SAVE_INTERVAL_MS,
      (error) => options.warn(`cannot save the catch-up state: ${error.message}`),
    )
  }

  start(): void {
    this.#ready = this.#load()
    this.#o.source.on('connected', this.#onConnected)
    this.#timer = setInterval(() => this.request(), this.#o.periodMs)
    this.#timer.unref?.()
    this.#o.report({ state: 'waiting' })
    if (this.#o.source.isConnected) this.request()
  }

  /**
   * A post delivery of the node's methods came live: false when the log already gave it (it was emitted then).
   * Remembered, and saved, so that no later pass nor a restart gives it again.
   */
  claim(callId: string): boolean {
    if (this.#emitted.has(callId)) return false
    this.#remember(callId)
    ;(this.#saved?.live ?? this.#early).push([callId, this.#now()])
    if (this.#saved) this.#writer.changed()
    return true
  }

  /** Reads the log now (after the pass running, if any). */
  request(): void {
    if (this.#stopped) return
    if (this.#running) {
      this.#again = true
      return
    }
    this.#running = this.#pass()
      .catch((error: Error) => this.#failed(error))
      .finally(() => {
        this.#running = undefined
        if (this.#again) {
          this.#again = false
          this.request()
        }
      })
  }

  /** Resolves once no pass is running (tests, and stop). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running
  }

  /**
   * Stops reading; saves the state (`forget`: the node is gone, its state with it; `save` false: this instance is
   * no longer the one that writes it).
   */
  async stop(forget: boolean, save = true): Promise<void> {
    this.#stopped = true
    this.#abort.abort()
    clearInterval(this.#timer)
    clearTimeout(this.#retry)
    this.#o.source.off('connected', this.#onConnected)
    await this.#running?.catch(() => {})
    if (!save) {
      this.#writer.cancel()
    } else if (forget) {
      this.#writer.cancel()
      this.#stored = undefined
      await this.#o.store.delete(this.#o.key).catch(() => {})
    } else if (this.#saved) {
      await this.#writer.flush()
    }
  }

  async #load(): Promise<void> {
    let stored: Stored<CatchUpSaved> | undefined
    try {
      stored = await this.#o.store.read<CatchUpSaved>(this.#o.key)
    } catch (error) {
      // Not "nothing saved": starting from now would skip every call missed meanwhile. The next pass reads again.
      this.#o.warn(`cannot read the catch-up state: ${(error as Error).message}`)
      this.#unread = true
      return
    }
    const value = stored?.value
    if (
      value &&
      typeof value.xo === 'string' &&
      (typeof value.cursor === 'string' || value.cursor === null) &&
      Array.isArray(value.live)
    ) {
      const live = value.live.filter(
        (e): e is [string, number] => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number',
      )
      const cursorTime = typeof value.cursorTime === 'number' ? { cursorTime: value.cursorTime } : {}
      this.#stored = { xo: value.xo, cursor: value.cursor, live, ...cursorTime }
      for (const [callId, at] of live) this.#emitted.set(callId, at)
    } else if (value) {
      this.#o.warn('the catch-up state saved is not readable: starting from now')
    }
  }

  /** The saved state for the XO connected to, if it is the one it was saved for. */
  #adopt(): CatchUpSaved | undefined {
    const stored = this.#stored
    this.#stored = undefined
    if (!stored) return undefined
    if (stored.xo === this.#o.xo()) return stored
    this.#o.log(`the catch-up state saved was for ${stored.xo}: starting from now`)
    return undefined
  }

  #snapshot(): CatchUpSaved {
    return this.#saved ?? { xo: this.#o.xo(), cursor: null, live: [] }
  }

  async #pass(): Promise<void> {
    await this.#ready
    if (this.#unread) {
      this.#unread = false
      await (this.#ready = this.#load())
      if (this.#unread) throw new Error('the catch-up state cannot be read')
    }
    const { source } = this.#o
    if (this.#stopped || !source.isConnected) return
    if (!(await this.#available())) return
    const signal = this.#abort.signal
    this.#saved ??= this.#adopt()
    if (!this.#saved) {
      // First time this node follows this XO: from now on, nothing before.
      const newest = await newestRecord(source, { signal })
      const cursorTime = newest ? { cursorTime: newest.time } : {}
      this.#saved = { xo: this.#o.xo(), cursor: newest?.id ?? null, live: this.#early.splice(0), ...cursorTime }
      await this.#save()
      this.#o.report({ state: 'caught-up', replayed: 0, ...cursorTime })
      return
    }
    this.#saved.live.push(...this.#early.splice(0))
    const saved = this.#saved
    const live = new Set(saved.live.map(([callId]) => callId))
    const met = new Set<string>()
    const result = await readSince(
      source,
      saved.cursor ?? undefined,
      {
        notBefore: this.#now() - this.#o.maxAgeMs,
        maxKept: this.#o.maxCalls,
        keep: (record) => {
          const callId = record.data?.callId
          if (record.event !== 'apiCall' || typeof callId !== 'string' || !this.#o.selects(String(record.data?.method)))
            return false
          if (live.has(callId)) met.add(callId)
          return !this.#emitted.has(callId)
        },
        onBadLine: () => this.#o.warn('XO sent an audit line that is not a record: skipped'),
      },
      { signal },
    )
    if (this.#stopped) return
    const cut = this.#cutOf(result.stoppedAt, saved.cursor)
    // Oldest first, as XO ran them; a call too recent stops the pass there, to keep that order.
    if (result.kept.length) this.#o.report({ state: 'catching-up' })
    let cursor: string | null = result.newest?.id ?? saved.cursor
    // When XO recorded what the cursor stands for (a pass that stops before a call: just before that call).
    let cursorTime = result.newest?.time ?? saved.cursorTime
    let replayed = 0
    const now = this.#now()
    // Records met too recent and since gone from the walk (emitted live, cut): forgotten once too old to matter.
    for (const [id, at] of this.#firstMet) if (at < now - this.#o.maxAgeMs) this.#firstMet.delete(id)
    // Saved record by record: a redeploy, a restart or a failover in the middle of a long catch-up repeats nothing.
    const cursorAt = (record: AuditRecord) => {
      saved.cursor = record.id
      saved.cursorTime = record.time
      this.#writer.changed()
    }
    for (let i = result.kept.length - 1; i >= 0; i--) {
      const record = result.kept[i]
      const callId = String(record.data?.callId)
      if (this.#emitted.has(callId)) continue
      const firstMet = this.#firstMet.get(record.id) ?? now
      this.#firstMet.set(record.id, firstMet)
      const ripe = record.time <= (result.newest?.time ?? 0) - this.#o.graceMs || firstMet <= now - this.#o.graceMs
      if (!ripe) {
        cursor = record.previousId
        cursorTime = record.time
        this.#retryAt(firstMet + this.#o.graceMs - now)
        break
      }
      const body = postDeliveryOf(record)
      let claim: C | undefined
      if (body && this.#o.claim) {
        const answer = await this.#o.claim(callId)
        if (answer.state === 'sent') {
          // Another instance emitted it live (or the instance that led before this one, from the log).
          this.#remember(callId)
          this.#firstMet.delete(record.id)
          cursorAt(record)
          continue
        }
        if (answer.state === 'held') {
          // A live delivery of it is about to come out (or its claimer died, and the claim runs out): nothing after
          // it goes before it is decided, and the next pass claims it if its claimer never sent it.
          cursor = record.previousId
          cursorTime = record.time
          this.#retryAt(answer.retryMs + 10)
          break
        }
        claim = answer.claim
      }
      // No longer the leader: the pass ends here, its cursor before this call, for the next leader to give it.
      if (this.#stopped || (this.#o.mayEmit && !this.#o.mayEmit())) return claim?.release()
      this.#remember(callId)
      this.#firstMet.delete(record.id)
      if (!body) {
        this.#o.warn(`the audit record of ${String(record.data?.method)} ${callId} does not describe a call: skipped`)
        continue
      }
      if ((await this.#o.emit(body, record, claim)) === false) return claim?.release()
      replayed++
      cursorAt(record)
      if (this.#stopped) return
    }
    this.#replayed += replayed
    saved.cursor = cursor
    if (cursorTime !== undefined) saved.cursorTime = cursorTime
    const oldest = now - this.#o.maxAgeMs
    // A call met in the log is behind the cursor for good, unless the pass stopped short of the newest record.
    const complete = cursor === (result.newest?.id ?? saved.cursor)
    saved.live = saved.live.filter(([callId, at]) => !(complete && met.has(callId)) && at >= oldest)
    await this.#save()
    if (cut) this.#o.warn(this.#cutMessage(cut, result.kept.length))
    this.#o.report({
      state: 'caught-up',
      replayed: this.#replayed,
      ...(cut ? { cut } : {}),
      ...(cursorTime !== undefined ? { cursorTime } : {}),
    })
  }

  /** Why the walk did not reach the node's cursor, if it did not. */
  #cutOf(stoppedAt: 'since' | 'start' | 'age' | 'count', cursor: string | null): 'age' | 'count' | 'lost' | undefined {
    if (stoppedAt === 'since') return undefined
    if (stoppedAt === 'start') return cursor === null ? undefined : 'lost'
    return stoppedAt
  }

  #cutMessage(cut: 'age' | 'count' | 'lost', kept: number): string {
    if (cut === 'count')
      return `more missed calls than the ${this.#o.maxCalls} caught up at most: the older ones were skipped (${kept} caught up)`
    if (cut === 'age') return `missed calls older than ${Math.round(this.#o.maxAgeMs / 3_600_000)} h were skipped`
    return "XO's audit log no longer holds the last record this node saw (cleaned, or rebuilt): caught up what it holds"
  }

  /** Whether the audit plugin can answer: loaded, active, and this connection's user an admin. */
  async #available(): Promise<boolean> {
    let plugins: unknown
    try {
      plugins = await this.#o.source.call('plugin.get')
    } catch (error) {
      if (error instanceof XoApiError && error.code === XO_ERROR.unauthorized) {
        this.#o.report({ state: 'unavailable', reason: 'not-admin' })
        return false
      }
      throw error
    }
    const audit = Array.isArray(plugins)
      ? (plugins as Array<Record<string, unknown>>).find((p) => p?.id === 'audit')
      : undefined
    if (audit?.loaded !== true) {
      this.#o.report({ state: 'unavailable', reason: 'not-loaded' })
      return false
    }
    if ((audit.configuration as { active?: unknown } | undefined)?.active !== true) {
      this.#o.report({ state: 'unavailable', reason: 'inactive' })
      return false
    }
    return true
  }

  #failed(error: Error): void {
    if (this.#stopped || !this.#o.source.isConnected) return
    const notAdmin = error instanceof XoApiError && error.code === XO_ERROR.unauthorized
    const notLoaded = error instanceof XoApiError && error.code === XO_ERROR.methodNotFound
    if (notAdmin || notLoaded)
      return this.#o.report({ state: 'unavailable', reason: notAdmin ? 'not-admin' : 'not-loaded' })
    this.#o.report({ state: 'unavailable', reason: 'failed', message: error.message })
    this.#o.warn(`could not catch up missed calls: ${error.message}`)
  }

  #retryAt(delayMs: number): void {
    if (this.#retry) return
    this.#retry = setTimeout(
      () => {
        this.#retry = undefined
        this.request()
      },
      Math.max(50, delayMs),
    )
    this.#retry.unref?.()
  }

  #remember(callId: string): void {
    this.#emitted.set(callId, this.#now())
    if (this.#emitted.size > MAX_REMEMBERED) {
      // Maps keep insertion order: the first entries are the oldest.
      for (const key of this.#emitted.keys()) {
        this.#emitted.delete(key)
        if (this.#emitted.size <= MAX_REMEMBERED * 0.9) break
      }
    }
  }

  async #save(): Promise<void> {
    this.#writer.changed()
    await this.#writer.flush()
  }
}
