import { type Done, type Msg, nodeType, type Send } from './node-red/define-node'
import type { XoHookNode } from './node-red/hook-routes'

type HeldMessage = Msg & { xo?: { hold?: { node?: unknown; id?: unknown } } }

/**
 * Lets XO go on with a call whose pre hook an `xo-hook` node holds ("XO waits for the flow"). XO cannot be
 * vetoed: it proceeds anyway when the hook times out; this node only says "done, go on" sooner.
 */
export = nodeType('xo-proceed', ({ RED, node, t }) => {
  let released = 0
  node.on('input', (msg: HeldMessage, send: Send, done: Done) => {
    const hold = msg.xo?.hold
    if (!hold || typeof hold.node !== 'string' || typeof hold.id !== 'string') {
      return done(new Error(t('errors.notHeld')))
    }
    const hook = RED.nodes.getNode(hold.node) as Partial<Pick<XoHookNode, 'proceed'>> | null
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
})
