/**
 * Node-RED embedded in the bench's process exactly as `npm start` embeds it (src/demo/start.ts): one
 * node:http server that hands each request to the editor's app, then to the flows' app; this package loaded
 * from its compiled nodes/ (nodesDir = the package root). Node-RED is a singleton, so targets (b) and (c) are
 * one instance with different flows deployed in turn.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { embedNodeRed, PACKAGE_ROOT } from '../../src/demo/embed'
import type { XoServerNode } from '../../src/node-red/xo-server-node'
import { COUNTER_KEY, type FlowNode, HOOK_NODE_ID, SERVER_NODE_ID } from './flows'

export interface EmbeddedNodeRed {
  port: number
  version: string
  /** how many messages the counting function node has seen since the last deploy */
  readonly flowed: number
  resetFlowed(): void
  deploy(flows: FlowNode[], credentials?: Record<string, Record<string, string>>): Promise<void>
  /** resolves once the xo-hook's connection is up and, with enrichment, its object store is loaded */
  hookReady(enrich: boolean, timeoutMs: number): Promise<void>
  /** a node of the deployed flows (RED.nodes.getNode) */
  getNode(id: string): unknown
  stop(): Promise<void>
}

export interface NodeRedOptions {
  /** more of Node-RED's functionGlobalContext, shared by reference with the flows' function nodes */
  globals?: Record<string, unknown>
}

/** The Node-RED tests use: NODE_RED_PATH (CI's Node-RED 5 run) or the `node-red` dev dependency. */
function nodeRedDirectory(): string {
  const fromEnv = process.env.NODE_RED_PATH
  return fromEnv ? path.resolve(fromEnv) : path.dirname(require.resolve('node-red/package.json'))
}

export async function startNodeRed(options: NodeRedOptions = {}): Promise<EmbeddedNodeRed> {
  if (!existsSync(path.join(PACKAGE_ROOT, 'nodes', 'xo-hook.js')))
    throw new Error('nodes/xo-hook.js is missing: run `npm run build` first')
  const directory = nodeRedDirectory()
  const version = (JSON.parse(readFileSync(path.join(directory, 'package.json'), 'utf8')) as { version: string })
    .version

  // Shared by reference with the function node's global context: the bench reads what the flow counted.
  const counter = { n: 0 }
  const embedded = await embedNodeRed({
    nodeRedPath: directory,
    logLevel: process.env.BENCH_NODE_RED_LOG ?? 'warn',
    settings: { functionGlobalContext: { ...options.globals, [COUNTER_KEY]: counter } },
  })
  const { RED, port } = embedded

  const waitUntil = async (what: string, ready: () => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs
    while (!ready()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  return {
    port,
    version,
    get flowed() {
      return counter.n
    },
    resetFlowed() {
      counter.n = 0
    },
    async deploy(flows, credentials = {}) {
      await embedded.deploy(flows, credentials)
      counter.n = 0
    },
    async hookReady(enrich, timeoutMs) {
      const xo = () => RED.nodes.getNode(SERVER_NODE_ID) as XoServerNode | null
      await waitUntil('the xo-hook node', () => RED.nodes.getNode(HOOK_NODE_ID) !== null, timeoutMs)
      await waitUntil('the XO connection', () => xo()?.connection?.isConnected === true, timeoutMs)
      // No types: the store the xo-hook node asked for at deploy, not a wider one.
      if (enrich)
        await waitUntil("the XO object store's snapshot", () => xo()?.objectStore()?.loaded === true, timeoutMs)
      const listener = xo()?.listener
      if (listener)
        await waitUntil("the xo-server node's listener", () => listener.state.status === 'listening', timeoutMs)
    },
    getNode: (id) => RED.nodes.getNode(id),
    stop: () => embedded.stop(),
  }
}
