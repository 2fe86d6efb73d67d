import { createHash } from 'node:crypto'
import { Coordinator, type CoordinatorOptions } from './coordinator'

interface Shared {
  coordinator: Coordinator
  users: number
  closing: NodeJS.Timeout | undefined
}

// Kept this long after its last user left: a redeploy gets the same connection and lease back (the other instance
// does not take over for a redeploy).
const KEEP_MS = 3000

/** The coordinators of one Node-RED, one per Redis and XO connection identity, kept across redeploys. */
export class CoordinatorPool {
  readonly #shared = new Map<string, Shared>()
  #shuttingDown = false

  /** The process is about to stop: a coordinator whose last user leaves gives its lease back at once. */
  shuttingDown(): void {
    this.#shuttingDown = true
    void this.stopUnused()
  }

  /**
   * The flows stopped for good (Node-RED stops, or its flows were stopped), not for a deploy: the leases go back
   * now, so the other instance takes over within a second rather than when the lease runs out.
   */
  async stopUnused(): Promise<void> {
    const unused = [...this.#shared].filter(([, shared]) => shared.users === 0)
    for (const [key, shared] of unused) {
      clearTimeout(shared.closing)
      this.#shared.delete(key)
    }
    await Promise.all(unused.map(([, shared]) => shared.coordinator.stop()))
  }

  acquire(options: CoordinatorOptions): { coordinator: Coordinator; release(): void } {
    const key = createHash('sha256')
      .update(
        JSON.stringify([
          options.url ?? options.sentinel,
          options.password ?? '',
          options.ca ?? '',
          options.replicas ?? 0,
          options.identity,
        ]),
      )
      .digest('hex')
    let shared = this.#shared.get(key)
    if (!shared) {
      const coordinator = new Coordinator(options)
      coordinator.setMaxListeners(0)
      shared = { coordinator, users: 0, closing: undefined }
      this.#shared.set(key, shared)
      coordinator.start()
    }
    const taken = shared
    clearTimeout(taken.closing)
    taken.users++
    let released = false
    return {
      coordinator: taken.coordinator,
      release: () => {
        if (released) return
        released = true
        if (--taken.users > 0) return
        if (this.#shuttingDown) return void this.stopUnused()
        taken.closing = setTimeout(() => {
          if (taken.users > 0) return
          this.#shared.delete(key)
          void taken.coordinator.stop()
        }, KEEP_MS)
        taken.closing.unref?.()
      },
    }
  }
}
