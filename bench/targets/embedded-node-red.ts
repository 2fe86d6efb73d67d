/**
 * Node-RED embedded in the bench's process exactly as `npm start` embeds it (src/demo/start.ts): one
 * node:http server that hands each request to the editor's app, then to the flows' app; this package loaded
 * from its compiled nodes/ (nodesDir = the package root). Node-RED is a singleton, so targets (b) and (c) are
 * one instance with different flows deployed in turn.
 */
import { randomBytes } from 'node:crypto'
import { EventEmitter, once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { XoServerNode } from '../../src/node-red/xo-server-node'
import { COUNTER_KEY, FlowNode, HOOK_NODE_ID, SERVER_NODE_ID } from './flows'

export const PACKAGE_ROOT = path.resolve(__dirname, '../..')

interface NodeRedModule {
  init(server: http.Server, settings: Record<string, unknown>): void
  start(): Promise<void>
  stop(): Promise<void>
  httpAdmin: (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void
  httpNode: (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void
  nodes: { getNode(id: string): unknown }
  runtime: { flows: { setFlows(opts: Record<string, unknown>): Promise<unknown> }; events: EventEmitter }
}

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
  if (!existsSync(path.join(PACKAGE_ROOT, 'nodes', 'xo-hook.js'))) throw new Error('nodes/xo-hook.js is missing: run `npm run build` first')
  const directory = nodeRedDirectory()
  const RED = require(require.resolve(directory)) as NodeRedModule
  const version = (JSON.parse(readFileSync(path.join(directory, 'package.json'), 'utf8')) as { version: string }).version

  // Shared by reference with the function node's global context: the bench reads what the flow counted.
  const counter = { n: 0 }
  // Node-RED announces on its runtime events when the flows of a start or a deploy are running.
  const flowsStarted = () =>
    once(RED.runtime.events, 'flows:started', { signal: AbortSignal.timeout(15_000) }).then(
      () => {},
      () => {
        throw new Error('Node-RED did not start the flows within 15 s')
      },
    )
  const userDir = mkdtempSync(path.join(tmpdir(), 'xo-bench-node-red-'))
  const server = http.createServer((req, res) => {
    RED.httpAdmin(req, res, () =>
      RED.httpNode(req, res, () => {
        res.statusCode = 404
        res.end()
      }),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  RED.init(server, {
    userDir,
    flowFile: 'flows.json',
    credentialSecret: randomBytes(16).toString('hex'),
    httpAdminRoot: '/',
    httpNodeRoot: '/',
    nodesDir: [PACKAGE_ROOT],
    uiHost: '127.0.0.1',
    uiPort: port,
    functionGlobalContext: { ...options.globals, [COUNTER_KEY]: counter },
    editorTheme: { tours: false, projects: { enabled: false } },
    logging: { console: { level: process.env.BENCH_NODE_RED_LOG ?? 'warn', metrics: false, audit: false } },
    functionExternalModules: false,
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
  })
  // RED.start() resolves before the flows (of the empty flow file) are started: wait, so no deploy overlaps.
  const firstStart = flowsStarted()
  await RED.start()
  await firstStart

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
      // setFlows resolves once the old flows are stopped, before the new ones start (their http routes too).
      const started = flowsStarted()
      await RED.runtime.flows.setFlows({ flows: { flows, credentials }, deploymentType: 'full' })
      await started
      counter.n = 0
    },
    async hookReady(enrich, timeoutMs) {
      const xo = () => RED.nodes.getNode(SERVER_NODE_ID) as XoServerNode | null
      await waitUntil('the xo-hook node', () => RED.nodes.getNode(HOOK_NODE_ID) !== null, timeoutMs)
      await waitUntil('the XO connection', () => xo()?.connection?.isConnected === true, timeoutMs)
      // No types: the store the xo-hook node asked for at deploy, not a wider one.
      if (enrich) await waitUntil("the XO object store's snapshot", () => xo()?.objects([])?.loaded === true, timeoutMs)
    },
    getNode: (id) => RED.nodes.getNode(id),
    async stop() {
      await RED.stop()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      rmSync(userDir, { recursive: true, force: true })
    },
  }
}
