import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'

interface ProceedTarget extends Node {
  proceed?: (key: string) => boolean
}

type HeldMessage = NodeMessage & { xo?: { hold?: { node?: unknown; id?: unknown } } }

/**
 * Lets XO go on with a call whose pre hook an `xo-hook` node holds ("XO waits for the flow"). XO cannot be
 * vetoed: it proceeds anyway when the hook times out; this node only says "done, go on" sooner.
 */
export = function register(RED: NodeAPI) {
  const t = (key: string, substitutions?: Record<string, string | number>) => RED._(`xo-proceed.${key}`, substitutions)

  function XoProceed(this: Node, config: NodeDef) {
    RED.nodes.createNode(this, config)
    const node = this
    let released = 0
    node.on('input', (msg: HeldMessage, send: (msg: NodeMessage) => void, done: (error?: Error) => void) => {
      const hold = msg.xo?.hold
      if (!hold || typeof hold.node !== 'string' || typeof hold.id !== 'string') {
        return done(new Error(t('errors.notHeld')))
      }
      const hook = RED.nodes.getNode(hold.node) as ProceedTarget | null
      if (hook?.proceed?.(hold.id)) {
        released++
        node.status({ fill: 'green', shape: 'dot', text: t('status.released', { count: released }) })
      } else {
        // Timed out, or the hook node was redeployed: XO has already gone on.
        node.status({ fill: 'yellow', shape: 'ring', text: t('status.alreadyGone') })
      }
      send(msg)
      done()
    })
  }

  RED.nodes.registerType('xo-proceed', XoProceed)
}
