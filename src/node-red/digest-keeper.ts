import { randomBytes } from 'node:crypto'
import type { CleanupScope, Listenable } from '../common/cleanup-scope'
import type { LeaseRole } from '../coordination/leader-lease'
import type { SharedInbox } from '../coordination/shared-inbox'
import type { DigestEngine, DigestSnapshot, DropReason } from '../digest/digest-engine'
import type { XoDigest } from '../destinations/digest-message'
import type { StateStore } from '../state/state-store'
import { ThrottledWriter } from '../state/throttled-writer'

/** What the keeper needs of an engine (`DigestEngine`). */
export type DigestEngineLike = Pick<
  DigestEngine,
  'add' | 'stats' | 'snapshot' | 'restore' | 'pause' | 'resume' | 'stop'
>
export type AddResult = ReturnType<DigestEngine['add']>

/** Where a follower hands its messages to the leader (`SharedInbox`). */
export type DigestInbox = Pick<SharedInbox, 'push' | 'take' | 'forget'>

/** What the keeper needs of the store and lease shared with another Node-RED (`Coordinator`). */
export interface SharedDigest extends Listenable {
  readonly role: LeaseRole
  leaderState(): StateStore
  inbox(key: string): DigestInbox
}

type Msg = Record<string, unknown>
/** An inbox entry: a message, and which keeper handed it (its drops were counted there already). */
interface Handed {
  from: string
  msg: Msg
}

/** How many messages go to Redis in one push, or come from it in one take. */
const BATCH = 500

export type DigestRole = 'loading' | 'alone' | 'leading' | 'following'

export interface DigestKeeperOptions {
  /** `xo-digest/<node id>` */
  key: string
  /** this Node-RED's own store, where a node alone keeps its groups */
  store: StateStore
  coordinator?: SharedDigest
  /**
   * a new engine, sending through `send`, telling what it did not take through `dropped` and the problems it gave up
   * repeating through `gaveUp`
   */
  create(
    send: (digest: XoDigest) => void,
    dropped: (reason: DropReason, about: string, count: number) => void,
    gaveUp: (title: string) => void,
  ): DigestEngineLike
  /** a digest to put out (only the current engine's, only while it may send) */
  send(digest: XoDigest): void
  /** a message the engine did not take, and why (counted once: not again when given anew on taking the lead) */
  dropped(reason: DropReason, about: string, count: number): void
  /** an open problem no longer repeated, no recovery seen for "Repeat for" */
  gaveUp(title: string): void
  /** the node's: the role listener is removed, and what is open written (or deleted), when it closes */
  scope: CleanupScope
  /** what it shows may have changed */
  changed(): void
  warn(message: string): void
  writeIntervalMs?: number
  /** how long after a failed read of the shared state, on taking the lead, it reads it again */
  retryMs?: number
  /** messages given to a follower that reach no leader (too many waited), and why: counted in the status */
  lost(about: string, count: number): void
  /** messages a follower keeps while it cannot hand them to the leader (Redis unreachable, or its lead not known) */
  keepWhileFollowing?: number
  /** messages waiting in Redis for the leader at most: past that, the oldest are cut */
  handOverAtMost?: number
  /** how often the leader takes what followers handed it */
  takeEveryMs?: number
}

/**
 * Keeps an xo digest node's open groups across restarts and redeploys. Alone, in the package's state store: read
 * before the first message (messages that come meanwhile wait), written a moment after each change, at once after
 * a send (a kill right after must not send it again), and when the node closes; deleted when it is removed. With a
 * Redis shared with another Node-RED, in the leader's state there (writes fenced by the lease): only the leader
 * sends. A follower's engine gathers, paused (its figures for its status), and each message it is given is handed
 * to the leader through a list in Redis, which the leader takes from every moment; while the follower cannot (Redis
 * unreachable), it keeps them, and hands them over once it can, or adds them to what the former leader left when
 * it takes the lead itself.
 */
export class DigestKeeper {
  readonly #o: DigestKeeperOptions
  readonly #store: StateStore
  readonly #writer: ThrottledWriter<DigestSnapshot>
  #engine: DigestEngineLike
  #ready: Promise<void>
  #role: DigestRole = 'loading'
  /** while following: what came and is not handed to the leader yet */
  #kept: Msg[] = []
  #replaying = false
  readonly #inbox: DigestInbox | undefined
  /** this keeper, in the entries it hands over */
  readonly #self = randomBytes(6).toString('hex')
  #handOverSoon: NodeJS.Immediate | undefined
  #handOverRetry: NodeJS.Timeout | undefined
  #handingOver: Promise<void> = Promise.resolve()
  #taking: Promise<void> = Promise.resolve()
  #takeTimer: NodeJS.Timeout | undefined

  constructor(options: DigestKeeperOptions) {
    this.#o = options
    const { coordinator, scope } = options
    this.#store = coordinator ? coordinator.leaderState() : options.store
    this.#inbox = coordinator?.inbox(options.key)
    this.#writer = new ThrottledWriter(
      this.#store,
      options.key,
      () => this.#engine.snapshot(),
      options.writeIntervalMs ?? 1000,
      (error) => {
        if (this.#role !== 'following') options.warn(`could not keep the open groups: ${error.message}`)
      },
    )
    this.#engine = this.#create()
    if (coordinator) {
      this.#engine.pause()
      this.#role = 'following'
      this.#ready = Promise.resolve()
      scope.on(coordinator, 'role', this.#onRole)
      this.#onRole(coordinator.role)
    } else {
      this.#ready = this.#load(this.#engine, 'starting without them').then(() => {
        this.#role = 'alone'
        options.changed()
      })
    }
    scope.defer((removed) => this.#close(removed))
  }

  get role(): DigestRole {
    return this.#role
  }

  stats(): ReturnType<DigestEngineLike['stats']> {
    return this.#engine.stats()
  }

  /** Gives the engine a message once what was kept is back. */
  async add(msg: Msg): Promise<AddResult> {
    await this.#ready
    const result = this.#engine.add(msg)
    if (this.#role === 'following') {
      // The leader's engine decides (what is no event is refused the same there).
      if (result.accepted || result.reason !== 'not an event') this.#keep([msg])
    } else if (result.accepted || result.reason !== 'not an event') {
      // A message refused may still change what is kept (a held problem dropped with its recovery, ids refused).
      this.#writer.changed()
    }
    return result
  }

  #create(): DigestEngineLike {
    const engine = this.#o.create(
      (digest) => {
        if (engine !== this.#engine || this.#role === 'following') return
        this.#o.send(digest)
        // Written at once, once for all the groups sent in this turn: a kill right after must not send it again.
        this.#writer.soon()
        this.#o.changed()
      },
      (reason, about, count) => {
        if (!this.#replaying) this.#o.dropped(reason, about, count)
      },
      (title) => {
        if (engine !== this.#engine || this.#role === 'following') return
        // Its group is closed: kept open, the next start would give it up and say so again.
        this.#writer.changed()
        this.#o.gaveUp(title)
      },
    )
    return engine
  }

  /** Whether what was kept is in `engine` (or nothing was kept). */
  async #load(engine: DigestEngineLike, otherwise: string): Promise<boolean> {
    try {
      const stored = await this.#store.read<DigestSnapshot>(this.#o.key)
      if (stored) engine.restore(stored.value)
      return true
    } catch (error) {
      this.#o.warn(`could not read the open groups, ${otherwise}: ${(error as Error).message}`)
      return false
    }
  }

  readonly #onRole = (role: LeaseRole): void => {
    if (this.#o.scope.closed) return
    const leading = role.role === 'leader'
    if (leading !== (this.#role === 'leading' || this.#role === 'loading')) {
      if (leading) this.#lead()
      else this.#follow()
    }
    // Redis reached, the leader known: what was kept meanwhile goes to it.
    if (role.role === 'follower') this.#handOverNow()
  }

  #follow(): void {
    this.#writer.cancel()
    this.#engine.pause()
    this.#role = 'following'
    this.#o.changed()
  }

  /** Taking the lead: what the former leader left, then what was handed to it and what came here, on a fresh engine. */
  #lead(): void {
    this.#role = 'loading'
    this.#o.changed()
    this.#ready = this.#ready.then(async () => {
      // A push or a take under way ends first: what it carries is in Redis, or kept here.
      await Promise.all([this.#handingOver, this.#taking])
      const engine = this.#create()
      engine.pause()
      const loaded = await this.#load(engine, 'trying again in a moment')
      const handed = loaded && this.#role === 'loading' ? await this.#takeAll() : []
      if (this.#role !== 'loading' || !loaded) {
        engine.stop()
        // Not leading after all: what was taken goes to whoever leads.
        this.#keep(handed.map((h) => h.msg))
        // Leading from nothing would write over what the former leader left: following until it can be read.
        if (!loaded && this.#role === 'loading') this.#readAgain()
        return
      }
      const former = this.#engine
      this.#engine = engine
      former.stop()
      this.#addHanded([...handed, ...this.#kept.splice(0).map((msg) => ({ from: this.#self, msg }))])
      this.#role = 'leading'
      engine.resume()
      if (handed.length) this.#writer.soon()
      else this.#writer.changed()
      this.#o.changed()
      this.#takeLater()
    })
  }

  /** Gives the engine what followers handed over; a message this keeper was given counted its drops already. */
  #addHanded(handed: Handed[]): void {
    try {
      for (const { from, msg } of handed) {
        this.#replaying = from === this.#self
        this.#engine.add(msg)
      }
    } finally {
      this.#replaying = false
    }
  }

  /** Keeps messages for the leader (the oldest let go past the bound, counted) and hands them over once it can. */
  #keep(msgs: Msg[]): void {
    if (!msgs.length) return
    this.#kept.push(...msgs)
    const over = this.#kept.length - (this.#o.keepWhileFollowing ?? 1000)
    if (over > 0) {
      this.#kept.splice(0, over)
      this.#o.lost('the oldest of the messages kept for the leader while Redis was unreachable', over)
    }
    this.#handOverNow()
  }

  get #mayHandOver(): boolean {
    return this.#role === 'following' && this.#o.coordinator?.role.role === 'follower'
  }

  /** Hands what is kept to the leader at the end of this turn (every message given in it in one push). */
  #handOverNow(): void {
    if (this.#handOverSoon || !this.#kept.length || !this.#mayHandOver || this.#o.scope.closed) return
    this.#handOverSoon = setImmediate(() => {
      this.#handOverSoon = undefined
      void this.#handOver()
    })
  }

  #handOver(): Promise<void> {
    this.#handingOver = this.#handingOver.then(async () => {
      while (this.#kept.length && this.#mayHandOver) {
        const batch: Msg[] = []
        const entries: string[] = []
        for (const msg of this.#kept.splice(0, BATCH)) {
          const json = this.#entry(msg)
          if (json === undefined) {
            this.#o.lost('a message that cannot be written as JSON, for the leader', 1)
            continue
          }
          batch.push(msg)
          entries.push(json)
        }
        try {
          const cut = await this.#inbox!.push(entries, this.#o.handOverAtMost ?? 10_000)
          if (cut) this.#o.lost('the oldest of the messages waiting in Redis for the leader', cut)
        } catch {
          // Redis went away meanwhile: kept again, handed over once it answers (or added here on taking the lead).
          this.#kept.unshift(...batch)
          this.#handOverLater()
          return
        }
      }
    })
    return this.#handingOver
  }

  #handOverLater(): void {
    const { scope } = this.#o
    if (this.#handOverRetry || scope.closed) return
    this.#handOverRetry = scope.timeout(() => {
      this.#handOverRetry = undefined
      this.#handOverNow()
    }, this.#o.retryMs ?? 1000)
  }

  /** The message as the engine reads it (its topic, payload, xo and any property a group is labelled by). */
  #entry(msg: Msg): string | undefined {
    // What an HTTP input or Node-RED itself adds does not travel.
    const { req: _req, res: _res, _msgid, ...rest } = msg
    try {
      return JSON.stringify({ from: this.#self, msg: rest } satisfies Handed)
    } catch {
      return undefined
    }
  }

  /** While leading: takes what followers handed over every moment. */
  #takeLater(): void {
    const { scope } = this.#o
    if (this.#takeTimer || scope.closed || this.#role !== 'leading') return
    this.#takeTimer = scope.timeout(() => {
      this.#takeTimer = undefined
      this.#takeNow()
    }, this.#o.takeEveryMs ?? 500)
  }

  #takeNow(): void {
    this.#taking = this.#taking.then(async () => {
      if (this.#role !== 'leading') return
      const handed = await this.#takeAll()
      if (this.#role === 'leading') {
        this.#addHanded(handed)
        // Taken off the list: written at once, not to be lost to a kill.
        if (handed.length) {
          this.#writer.soon()
          this.#o.changed()
        }
      } else {
        // The lead was lost meanwhile: for whoever leads now.
        this.#keep(handed.map((h) => h.msg))
      }
      this.#takeLater()
    })
  }

  /** Everything waiting in the inbox (what could be taken before Redis went away, or the lead was lost). */
  async #takeAll(): Promise<Handed[]> {
    const handed: Handed[] = []
    for (;;) {
      let entries: string[]
      try {
        entries = await this.#inbox!.take(BATCH)
      } catch {
        // Redis away, or no longer leading: the list keeps them for whoever takes next.
        return handed
      }
      for (const json of entries) {
        const entry = parseEntry(json)
        if (entry) handed.push(entry)
        else this.#o.lost('a message in Redis for the leader that is not one', 1)
      }
      if (entries.length < BATCH) return handed
    }
  }

  #readAgain(): void {
    const { coordinator, scope } = this.#o
    this.#role = 'following'
    this.#o.changed()
    if (coordinator && !scope.closed) scope.timeout(() => this.#onRole(coordinator.role), this.#o.retryMs ?? 1000)
  }

  async #close(removed: boolean): Promise<void> {
    if (this.#handOverSoon) clearImmediate(this.#handOverSoon)
    this.#handOverSoon = undefined
    await this.#ready
    // What was taken is in the engine (and so in the last write), or kept for the leader.
    await this.#taking
    this.#engine.stop()
    // A removed node's list goes with it (whichever instance is removed first; it expires otherwise).
    await this.#handingOver
    const forget = removed ? this.#inbox?.forget().catch(() => {}) : undefined
    if (this.#role === 'following') {
      if (!removed) await this.#handOver()
      if (!removed && this.#kept.length)
        this.#o.warn(`${this.#kept.length} messages not handed to the leader: Redis is not reachable as it closes`)
      return forget
    }
    if (!removed) return this.#writer.flush()
    this.#writer.cancel()
    await Promise.all([
      this.#store
        .delete(this.#o.key)
        .catch((error: Error) => this.#o.warn(`could not forget the open groups: ${error.message}`)),
      forget,
    ])
  }
}

function parseEntry(json: string): Handed | undefined {
  try {
    const entry = JSON.parse(json) as Handed
    return typeof entry?.from === 'string' && entry.msg && typeof entry.msg === 'object' ? entry : undefined
  } catch {
    return undefined
  }
}
