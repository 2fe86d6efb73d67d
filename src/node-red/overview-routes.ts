import type { Request, Response } from 'express'
import type { NodeAPI } from 'node-red'
import { compareEntries, type EntryComparison } from '../hooks/entry-check'
import type { XoHookNode } from './hook-routes'
import type { XoOutboxNode } from './outbox-routes'
import { assembleOverview, type HookNodeReading, type OutboxReadingOfNode } from './overview'
import { runtimeOf } from './runtime'
import type { XoServerNode } from './xo-server-node'

// A view polled every few seconds must not wait long on an XO that does not answer.
const INSPECT_TIMEOUT_MS = 4000

/** A node of the deployed flows as Node-RED's runtime keeps its configuration. */
interface DeployedConfig {
  id: string
  type: string
  name?: string
  server?: string
  d?: boolean
}

/** XO's hook entries under this server's prefix, against what its deployed nodes want; or why it cannot tell. */
async function hookEntries(server: XoServerNode): Promise<EntryComparison | { error: string }> {
  const registrar = server.hookRegistrar()
  if (!registrar || !server.hookPrefix) return { error: server.configError ?? 'no Node-RED URL for XO' }
  let timer: NodeJS.Timeout | undefined
  try {
    const { current, wanted } = await Promise.race([
      registrar.inspect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('XO did not answer in time')), INSPECT_TIMEOUT_MS)
      }),
    ])
    return compareEntries(current, [server.hookPrefix], wanted)
  } catch (error) {
    return { error: (error as Error).message }
  } finally {
    clearTimeout(timer)
  }
}

/** The deployed, enabled nodes of a type, with the running node Node-RED made of each. */
function deployedOf<N>(RED: NodeAPI, type: string): Array<{ config: DeployedConfig; node: N }> {
  const found: Array<{ config: DeployedConfig; node: N }> = []
  RED.nodes.eachNode((config) => {
    const deployed = config as unknown as DeployedConfig
    if (deployed.type !== type || deployed.d) return
    const node = RED.nodes.getNode(deployed.id) as N | null
    if (node) found.push({ config: deployed, node })
  })
  return found
}

/** What the editor's operator sidebar shows (`xo-server.read`): see `assembleOverview`. */
export function overviewRoutes(RED: NodeAPI): void {
  RED.httpAdmin.get(
    '/xo/overview',
    RED.auth.needsPermission('xo-server.read'),
    async (_req: Request, res: Response) => {
      // Express 4 leaves a rejected handler to the process: an answer, whatever fails.
      try {
        res.set('Cache-Control', 'no-store').json(await overviewOf(RED))
      } catch (error) {
        if (!res.headersSent) res.status(500).json({ error: (error as Error).message })
      }
    },
  )
}

async function overviewOf(RED: NodeAPI) {
  const runtime = runtimeOf(RED)
  const health = runtime.health()
  const servers = [...runtime.servers]
  const hooks = new Map(
    await Promise.all(servers.map(async (server) => [server.id, await hookEntries(server)] as const)),
  )
  const hookNodes = deployedOf<XoHookNode>(RED, 'xo-hook').map(
    ({ config, node }): HookNodeReading => ({
      id: config.id,
      ...(config.name ? { name: config.name } : {}),
      ...(config.server ? { server: config.server } : {}),
      ...node.reading?.(),
    }),
  )
  const outboxes = deployedOf<XoOutboxNode>(RED, 'xo-outbox')
    .filter(({ node }) => node.outbox)
    .map(
      ({ config, node }): OutboxReadingOfNode => ({
        id: config.id,
        ...(config.name ? { name: config.name } : {}),
        ...(config.server ? { server: config.server } : {}),
        ...node.outbox.list(),
      }),
    )
  return assembleOverview({ servers: health.servers, hooks, hookNodes, outboxes, now: Date.now() })
}
