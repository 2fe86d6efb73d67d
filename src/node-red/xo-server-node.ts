import type { Node, NodeAPI } from 'node-red'
import type { ChangeFeed } from '../events/change-feed'
import type { HookRegistrar } from '../hooks/registrar'
import type { XoConnection } from '../xo/connection'
import type { ObjectStore } from '../xo/object-store'
import type { ConnectionHandlers, ConnectionUse } from './connection-user'
import type { XoServerCredentials } from './server-settings'
import type { DeliveryPath } from './hook-dispatch'
import type { SharedListener } from '../listener/listener-pool'
import type { Coordinator } from '../coordination/coordinator'

/** One method of XO's catalogue (`system.getMethodsInfo`). */
export interface MethodInfo {
  description?: string
  params?: Record<string, unknown>
  permission?: string | null
}

/** The `xo-server` config node as the package's other nodes see it (`RED.nodes.getNode(config.server)`). */
export interface XoServerNode extends Node<XoServerCredentials> {
  /** undefined when the configuration is incomplete (see `configError`) */
  connection: XoConnection | undefined
  configError: string | undefined
  /** how XO reaches this Node-RED's HTTP endpoints, e.g. `http://node-red.lan:1880` (no trailing slash) */
  hookBaseUrl: string | undefined
  /** Uses the shared connection from `node`: its status follows the connection, `close()` removes every listener. */
  use(node: Node, handlers?: ConnectionHandlers): ConnectionUse
  /** The connection's object store, keeping at least `types`; started on first use. */
  openObjectStore(types: Iterable<string>): ObjectStore | undefined
  /** The connection's object store if some node started it (never starts one: look-ups must not load XO for nothing). */
  objectStore(): ObjectStore | undefined
  /** The changes of the connection's object store, shared by every xo-events node (call `openObjectStore()` first). */
  changeFeed(): ChangeFeed | undefined
  /** `<hookBaseUrl><httpNodeRoot>xo-hook/` (or `<hookBaseUrl>/xo-hook/` on a listener): hook entry URLs begin so */
  hookPrefix: string | undefined
  /** where XO's deliveries for this server's xo-hook nodes come in */
  deliveryPath: DeliveryPath
  /** the listener's lease when deliveries come in on one (its state, its own allow-list) */
  listener: SharedListener | undefined
  /** the store and lease shared with another Node-RED running the same flows, when a Redis is set */
  coordinator: Coordinator | undefined
  /** when XO's latest notification came in (performance.now()), for the object-event lag */
  notifiedAt(): number
  /** The XO's web-hooks registrar (one per XO in this Node-RED, so that nodes never overwrite each other). */
  hookRegistrar(): HookRegistrar | undefined
  /**
   * A stable secret for `purpose`, derived from this server's credentials (HMAC): the same after every restart and
   * redeploy, unguessable without the token or password, and revealing nothing of them. Undefined without credentials.
   */
  deriveSecret(purpose: string): string | undefined
  /** XO's method catalogue, fetched once per sign-in. */
  methods(): Promise<Record<string, MethodInfo>>
}

/** The `xo-server` config node a node's `server` property names, if it is deployed. */
export function serverNode(RED: NodeAPI, id: string | undefined): XoServerNode | undefined {
  return (RED.nodes.getNode(id ?? '') as XoServerNode | null) ?? undefined
}
