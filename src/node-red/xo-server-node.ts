import type { Node } from 'node-red'
import type { XoConnection } from '../xo/connection'
import type { ConnectionHandlers } from './connection-user'
import type { XoServerCredentials } from './server-settings'

/** The `xo-server` config node as the package's other nodes see it (`RED.nodes.getNode(config.server)`). */
export interface XoServerNode extends Node<XoServerCredentials> {
  /** undefined when the configuration is incomplete (see `configError`) */
  connection: XoConnection | undefined
  configError: string | undefined
  /** Uses the shared connection from `node`; returns the function that removes every listener it added. */
  use(node: Node, handlers?: ConnectionHandlers): () => void
}
