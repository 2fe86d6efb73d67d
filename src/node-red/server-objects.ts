import { ChangeFeed } from '../events/change-feed'
import type { XoConnection } from '../xo/connection'
import { ObjectStore } from '../xo/object-store'
import type { CleanupScope } from '../common/cleanup-scope'
import type { MethodInfo } from './xo-server-node'

/** What the objects of a config node's connection report: a failed load, and what XO sent that made no sense. */
export interface ObjectsReport {
  failed(reason: string): void
  warning(message: string): void
}

/**
 * The object store of a config node's connection, started by the first node that needs objects and widened by
 * the next ones, and its change feed (shared by every xo-events node). `connection()` is undefined once the config
 * node closes: nothing is started any more.
 */
export class ServerObjects {
  #store: ObjectStore | undefined
  #feed: ChangeFeed | undefined

  constructor(
    private readonly connection: () => XoConnection | undefined,
    private readonly report: ObjectsReport,
  ) {}

  /** The store, keeping at least `types`; started on first use. */
  openStore(types: Iterable<string>): ObjectStore | undefined {
    const connection = this.connection()
    if (!connection) return undefined
    if (!this.#store) {
      this.#store = new ObjectStore(connection, types)
      this.#store.on('error', (error) => this.report.failed(error.message))
      this.#store.on('warning', (message) => this.report.warning(message))
      this.#store.start()
    } else {
      this.#store.addTypes(types)
    }
    return this.#store
  }

  /** The store if some node started it (never starts one: look-ups must not load XO for nothing). */
  objectStore(): ObjectStore | undefined {
    return this.#store
  }

  /** The store's changes (call `openStore()` first). */
  changeFeed(): ChangeFeed | undefined {
    const store = this.#store
    return store ? (this.#feed ??= new ChangeFeed(store, (message) => this.report.warning(message))) : undefined
  }

  stop(): void {
    this.#feed?.stop()
    this.#store?.stop()
  }
}

/**
 * XO's method catalogue (`system.getMethodsInfo`), fetched once per sign-in (XO may have been upgraded meanwhile),
 * again after a failure. Its listener on the connection lives in `scope`; `open()` is false once the config node
 * closes, when the catalogue fails with `configError` as a config node without a connection does.
 */
export function methodCatalogue(
  connection: XoConnection | undefined,
  scope: CleanupScope,
  o: { open: () => boolean; configError: string | undefined },
) {
  let methods: Promise<Record<string, MethodInfo>> | undefined
  if (connection) scope.on(connection, 'connected', () => (methods = undefined))
  return (): Promise<Record<string, MethodInfo>> => {
    if (!connection || !o.open()) return Promise.reject(new Error(o.configError))
    methods ??= connection.call<Record<string, MethodInfo>>('system.getMethodsInfo', {})
    methods.catch(() => (methods = undefined))
    return methods
  }
}
