import type { Node } from 'node-red'

/**
 * A node whose configuration cannot work: the reason shows in its status and the log, and every message it is
 * given fails with it (so Catch nodes see it), instead of the node failing later in a less clear way.
 */
export function refuseToRun(node: Node, text: string): void {
  node.status({ fill: 'red', shape: 'ring', text })
  node.error(text)
  node.on('input', (_msg: unknown, _send: unknown, done: (error?: Error) => void) => done(new Error(text)))
}
