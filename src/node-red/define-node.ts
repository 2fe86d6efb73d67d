import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { CleanupScope } from '../common/cleanup-scope'
import type { Translate } from '../common/status'

/** A message as the package's nodes read and write it. */
export type Msg = NodeMessage & Record<string, unknown>
/** `send` of an input handler: one message, or one (or several, or none) per output. */
export type Send = (msg: Msg | Array<Msg | Msg[] | null>) => void
/** `done` of an input handler: an error goes to Catch nodes. */
export type Done = (error?: Error) => void

/** What a node type's setup is given: the node, its configuration, its texts, and the scope closed with it. */
export interface NodeSetup<Config, Credentials extends object> {
  RED: NodeAPI
  node: Node<Credentials>
  config: NodeDef & Config
  t: Translate
  /** undone when the node closes (a redeploy, a deletion, Node-RED stopping), last first */
  scope: CleanupScope
  /**
   * The configuration cannot work: the reason shows in the status and the log, and every message the node is
   * given fails with it (so Catch nodes see it), instead of the node failing later in a less clear way.
   */
  refuse(reason: string): void
}

export interface NodeTypeOptions<Credentials extends object> {
  credentials?: { [K in keyof Credentials]: { type: 'text' | 'password' } }
  /**
   * The section of the node set's catalogue its texts are under, when not the type's own: a file registering
   * several types whose texts are shared (`xo-destinations`).
   */
  catalogue?: string
}

/**
 * Defines a node type: the module a node file exports (`export = nodeType(...)`), which Node-RED calls with its API.
 * `setup` builds the node's collaborators and wires them; what it adds to `scope` is undone when the node closes,
 * awaited, before Node-RED is told the node has closed (a close never takes longer than Node-RED's 15 s).
 */
export function nodeType<Config, Credentials extends object = Record<string, never>>(
  type: string,
  setup: (setup: NodeSetup<Config, Credentials>) => void,
  options: NodeTypeOptions<Credentials> = {},
): (RED: NodeAPI) => void {
  return (RED) => {
    const catalogue = options.catalogue ?? type
    const t = translator(RED, catalogue)
    const build = (node: Node<Credentials>, config: NodeDef & Config) => {
      const scope = new CleanupScope()
      node.on('close', (removed: boolean, done: () => void) => {
        scope.close(removed === true).then(done, (error: unknown) => {
          node.error(error instanceof Error ? error.message : String(error))
          done()
        })
      })
      const refuse = (reason: string) => {
        node.status({ fill: 'red', shape: 'ring', text: reason })
        node.error(reason)
        node.on('input', (_msg: unknown, _send: unknown, done: Done) => done(new Error(reason)))
      }
      setup({ RED, node, config, t, scope, refuse })
    }
    function NodeOfType(this: Node<Credentials>, config: NodeDef & Config) {
      RED.nodes.createNode(this, config)
      build(this, config)
    }
    RED.nodes.registerType<Node<Credentials>, NodeDef & Config, unknown, Credentials>(
      type,
      NodeOfType,
      options.credentials ? { credentials: options.credentials } : {},
    )
  }
}

/** The texts of one catalogue (`locales/en-US/<catalogue>.json`), with their substitutions. */
export function translator(RED: NodeAPI, catalogue: string): Translate {
  return (key, substitutions) => RED._(`${catalogue}.${key}`, substitutions)
}
