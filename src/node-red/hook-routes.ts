import type { Request, Response } from 'express'
import type { Node, NodeAPI } from 'node-red'
import type { HookEntry } from '../hooks/registrar'
import { hookDispatchOf } from './hook-dispatch'
import { translator } from './define-node'
import type { HookNodeReading } from './overview'

/** An xo-hook node as other nodes and the editor reach it (`RED.nodes.getNode`). */
export interface XoHookNode extends Node<{ secret?: string }> {
  /** lets XO go on with a held pre delivery; false when it was no longer held */
  proceed(key: string): boolean
  /** the entries this node wants in XO's web-hooks plugin */
  entries(): Promise<HookEntry[]>
  /** what the operator's view shows of it: its catch-up */
  reading(): Pick<HookNodeReading, 'catchUp' | 'lastPass'>
}

/**
 * One route for every xo-hook node, dispatching on the node id: redeploys never leave routes behind, and a
 * delivery for a node being redeployed waits for its successor. The listeners of xo-server nodes dispatch there
 * too. The editor asks a deployed node for the entries it wants in XO.
 */
export function hookRoutes(RED: NodeAPI): void {
  const { dispatch } = hookDispatchOf(RED)
  const route = (req: Request, res: Response) =>
    void dispatch(
      'node-red',
      String(req.params.nodeId),
      req.params.secret === undefined ? undefined : String(req.params.secret),
      req,
      res,
    )
  RED.httpNode.all('/xo-hook/:nodeId', route)
  RED.httpNode.all('/xo-hook/:nodeId/:secret', route)

  RED.httpAdmin.get(
    '/xo-hook/:id/entries',
    RED.auth.needsPermission('xo-hook.write'),
    async (req: Request, res: Response) => {
      const node = RED.nodes.getNode(String(req.params.id)) as XoHookNode | null
      if (node?.type !== 'xo-hook')
        return void res.status(404).json({ error: translator(RED, 'xo-hook')('errors.notDeployed') })
      try {
        res.json({ entries: await node.entries() })
      } catch (error) {
        res.status(503).json({ error: (error as Error).message })
      }
    },
  )
}

/** Whether a log handler shows trace lines: Node-RED builds one even when nothing shows it. */
export function tracingWanted(RED: NodeAPI): boolean {
  const logging =
    (RED.settings as unknown as { logging?: Record<string, { level?: string } | undefined> }).logging ?? {}
  return Object.values(logging).some((handler) => handler?.level === 'trace')
}
