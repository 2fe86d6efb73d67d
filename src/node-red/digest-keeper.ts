import type { CleanupScope, Listenable } from '../common/cleanup-scope'
import type { LeaseRole } from '../coordination/leader-lease'
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

/** What the keeper needs of the store and lease shared with another Node-RED (`Coordinator`). */
export interface SharedDigest extends Listenable {
  readonly role: LeaseRole
  leaderState(): StateStore
}

export type DigestRole = 'loading' | 'alone' | 'leading' | 'following'

export interface DigestKeeperOptions {
  /** `xo-digest/<node id>` */
  key: string
  /** this Node-RED's own store, where a node alone keeps its groups */
  store: StateStore
  coordinator?: SharedDigest
  /** a new engine, sending through `send`, telling what it did not take through `dropped` */
  create(
    send: (digest: XoDigest) => void,
    dropped: (reason: DropReason, about: string, count: number) => void,
  ): DigestEngineLike
  /** a digest to put out (only the current engine's, only while it may send) */
  send(digest: XoDigest): void
  /** a message the engine did not take, and why (counted once: not again when given anew on taking the lead) */
  dropped(reason: DropReason, about: string, count: number): void
  /** the node's: the role listener is removed, and what is open written (or deleted), when it closes */
  scope: CleanupScope
  /** what it shows may have changed */
  changed(): void
  warn(message: string): void
  writeIntervalMs?: number
  /** how long after a failed read of the shared state, on taking the lead, it reads it again */
  retryMs?: number
  /** messages a follower keeps to give its next lead (its own gathering re-read from the shared state) */
  keepWhileFollowing?: number
}

/**
 * Keeps an xo digest node's open groups across restarts and redeploys. Alone, in the package's state store: read
 * before the first message (messages that come meanwhile wait), written a moment after each change and when the
 * node closes, deleted when it is removed. With a Redis shared with another Node-RED, in the leader's state there
 * (writes fenced by the lease): only the leader sends; a follower's engine gathers, paused, and keeps the messages
 * it was given, so that on taking the lead it reads what the former leader left and adds them to it.
 */
export class DigestKeeper {
  readonly #o: DigestKeeperOptions
  readonly #store: StateStore
  readonly #writer: ThrottledWriter<DigestSnapshot>
  #engine: DigestEngineLike
  #ready: Promise<void>
  #role: DigestRole = 'loading'
  /** while following: what came, for the next lead */
  #kept: Array<Record<string, unknown>> = []
  #replaying = false

  constructor(options: DigestKeeperOptions) {
    this.#o = options
    const { coordinator, scope } = options
    this.#store = coordinator ? coordinator.leaderState() : options.store
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
  async add(msg: Record<string, unknown>): Promise<AddResult> {
    await this.#ready
    const result = this.#engine.add(msg)
    if (this.#role === 'following') {
      this.#kept.push(msg)
      if (this.#kept.length > (this.#o.keepWhileFollowing ?? 1000)) this.#kept.shift()
    } else if (result.accepted) {
      this.#writer.changed()
    }
    return result
  }

  #create(): DigestEngineLike {
    const engine = this.#o.create(
      (digest) => {
        if (engine !== this.#engine || this.#role === 'following') return
        this.#o.send(digest)
        this.#writer.changed()
        this.#o.changed()
      },
      (reason, about, count) => {
        if (!this.#replaying) this.#o.dropped(reason, about, count)
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
    if (leading === (this.#role === 'leading' || this.#role === 'loading')) return
    if (!leading) {
      this.#writer.cancel()
      this.#engine.pause()
      this.#role = 'following'
      this.#o.changed()
      return
    }
    // Taking the lead: what the former leader left, then what came here meanwhile, on a fresh engine.
    this.#role = 'loading'
    this.#o.changed()
    this.#ready = this.#ready.then(async () => {
      const engine = this.#create()
      engine.pause()
      const loaded = await this.#load(engine, 'trying again in a moment')
      if (this.#role !== 'loading' || !loaded) {
        engine.stop()
        // Leading from nothing would write over what the former leader left: following until it can be read.
        if (!loaded && this.#role === 'loading') this.#readAgain()
        return
      }
      const former = this.#engine
      this.#engine = engine
      former.stop()
      this.#replaying = true
      try {
        for (const msg of this.#kept.splice(0)) engine.add(msg)
      } finally {
        this.#replaying = false
      }
      this.#role = 'leading'
      engine.resume()
      this.#writer.changed()
      this.#o.changed()
    })
  }

  #readAgain(): void {
    const { coordinator, scope } = this.#o
    this.#role = 'following'
    this.#o.changed()
    if (coordinator && !scope.closed) scope.timeout(() => this.#onRole(coordinator.role), this.#o.retryMs ?? 1000)
  }

  async #close(removed: boolean): Promise<void> {
    await this.#ready
    this.#engine.stop()
    if (this.#role === 'following') return
    if (!removed) return this.#writer.flush()
    this.#writer.cancel()
    await this.#store
      .delete(this.#o.key)
      .catch((error: Error) => this.#o.warn(`could not forget the open groups: ${error.message}`))
  }
}
