import { EventEmitter } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressMatcher } from '../hooks/receiver'
import { HookListener, type ListenerRoutes, type ListenerState, type ListenerTls } from './hook-listener'

export interface ListenerSettings {
  host: string
  port: number
  tls: ListenerTls | undefined
  /** who may deliver to, and read the health and metrics of, this config node's listener; undefined: anyone */
  allowFrom: AddressMatcher | undefined
}

/** What the pool needs from the runtime: where deliveries go, the health and metrics it serves. */
export type PoolRoutes = Omit<ListenerRoutes, 'readable'>

/** One config node's use of a shared listener. */
export interface SharedListener extends EventEmitter<{ state: [ListenerState] }> {
  readonly state: ListenerState
  readonly settings: ListenerSettings
  /** `http(s)://host:port` as the listener binds it (a wildcard host shown as loopback) */
  readonly localUrl: string
  release(): void
}

interface Shared {
  listener: HookListener
  leases: Set<PooledListener>
  closing: NodeJS.Timeout | undefined
}

// A listener whose last user left stays open this long: a redeploy gives it back to the new nodes, port kept.
const KEEP_OPEN_MS = 3000

class PooledListener extends EventEmitter<{ state: [ListenerState] }> implements SharedListener {
  constructor(
    private readonly shared: Shared,
    readonly settings: ListenerSettings,
    private readonly leave: (lease: PooledListener) => void,
  ) {
    super()
    this.setMaxListeners(0)
  }

  get state(): ListenerState {
    return this.shared.listener.state
  }

  get localUrl(): string {
    const { host, port, tls } = this.settings
    const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
    return `${tls ? 'https' : 'http'}://${shown}:${port}`
  }

  release(): void {
    this.leave(this)
    this.removeAllListeners()
  }
}

/**
 * The listeners of one Node-RED, one per address and port, shared by every xo-server node that receives there. The
 * newest configuration's TLS material applies; health and metrics are readable from the sources every user allows.
 */
export class ListenerPool {
  readonly #shared = new Map<string, Shared>()

  constructor(private readonly routes: PoolRoutes) {}

  acquire(settings: ListenerSettings): SharedListener {
    const key = `${settings.host}|${settings.port}`
    let shared = this.#shared.get(key)
    if (!shared) {
      const leases = new Set<PooledListener>()
      const readable = (address: string) =>
        [...leases].some((lease) => !lease.settings.allowFrom || lease.settings.allowFrom(address))
      const listener = new HookListener(settings.host, settings.port, { ...this.routes, readable })
      shared = { listener, leases, closing: undefined }
      const forward = shared
      listener.on('state', (state) => forward.leases.forEach((lease) => lease.emit('state', state)))
      this.#shared.set(key, shared)
    }
    clearTimeout(shared.closing)
    shared.closing = undefined
    const lease = new PooledListener(shared, settings, (gone) => this.#leave(key, gone))
    shared.leases.add(lease)
    shared.listener.configure(settings.tls)
    return lease
  }

  /** Closes every listener at once (Node-RED stopping, tests). */
  async closeAll(): Promise<void> {
    const all = [...this.#shared.values()]
    this.#shared.clear()
    await Promise.all(
      all.map((shared) => {
        clearTimeout(shared.closing)
        return shared.listener.close()
      }),
    )
  }

  #leave(key: string, lease: PooledListener): void {
    const shared = this.#shared.get(key)
    if (!shared?.leases.delete(lease) || shared.leases.size) return
    shared.closing = setTimeout(() => {
      if (shared.leases.size || this.#shared.get(key) !== shared) return
      this.#shared.delete(key)
      void shared.listener.close()
    }, KEEP_OPEN_MS)
    shared.closing.unref?.()
  }
}

export type { ListenerState, IncomingMessage, ServerResponse }
