import type { NodeAPI } from 'node-red'
import type { Request, Response } from 'express'
import type { XoServerNode } from './xo-server-node'

/** A method as the editor's pickers need it: small, with the description XO gives. */
export interface MethodChoice {
  name: string
  description?: string
  /** "admin" when only admins may call it */
  permission?: string | null
}

/**
 * Editor look-ups answered from a deployed `xo-server` node's live connection. Behind Node-RED's admin
 * authentication, with the package's own permission.
 */
export function registerServerRoutes(RED: NodeAPI): void {
  RED.httpAdmin.get('/xo-server/:id/methods', RED.auth.needsPermission('xo-server.read'), async (req: Request, res: Response) => {
    const server = RED.nodes.getNode(String(req.params.id)) as XoServerNode | null
    if (!server || server.type !== 'xo-server') {
      return void res.status(404).json({ error: 'deploy the XO server configuration first' })
    }
    if (!server.connection?.isConnected) {
      return void res.status(503).json({ error: `not connected to XO (${server.configError ?? server.connection?.state.status})` })
    }
    try {
      const catalogue = await server.methods()
      const methods: MethodChoice[] = Object.entries(catalogue)
        .map(([name, info]) => ({ name, description: info.description, permission: info.permission ?? null }))
        .sort((a, b) => a.name.localeCompare(b.name))
      res.json({ methods })
    } catch (error) {
      res.status(502).json({ error: (error as Error).message })
    }
  })
}
