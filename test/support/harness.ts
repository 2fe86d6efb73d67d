import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { NodeAPI } from 'node-red'
import { XoSimulator, type SimulatorOptions } from '../../src/simulator'
import xoCall from '../../src/xo-call'
import xoEvents from '../../src/xo-events'
import xoHook from '../../src/xo-hook'
import xoProceed from '../../src/xo-proceed'
import xoServer from '../../src/xo-server'
import { initHelper, type NodeTestHelper } from './node-red'

type NodeModule = (RED: NodeAPI) => void

/**
 * A simulated XO plus the test helper's Node-RED whose `httpNode` app listens on a real port, so that the
 * simulator's web-hook deliveries travel over real HTTP, as they would from xo-server.
 */
export class Harness {
  helper: NodeTestHelper
  sim!: XoSimulator
  token = ''
  nodeUrl = ''
  #server!: http.Server
  #app: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | undefined

  constructor() {
    this.helper = initHelper()
  }

  async start(options: SimulatorOptions = {}): Promise<this> {
    this.sim = await XoSimulator.start({
      timeScale: 0.02,
      ...(process.env.SIM_LOG ? { log: (l: string) => console.log('[sim]', l) } : {}),
      ...options,
    })
    this.token = this.sim.issueToken('admin@admin.net')
    this.#server = http.createServer((req, res) => {
      if (this.#app) this.#app(req, res)
      else res.writeHead(503).end()
    })
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
    this.nodeUrl = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
    await this.helper.startServer()
    return this
  }

  /** Loads a flow with every node of the package; the xo-server node `server` points at the simulator. */
  async load(
    flow: Array<Record<string, unknown>>,
    credentials: Record<string, Record<string, unknown>> = {},
  ): Promise<void> {
    const capture: NodeModule = (RED) => {
      this.#app = RED.httpNode as unknown as (req: http.IncomingMessage, res: http.ServerResponse) => void
      xoServer(RED)
    }
    await this.helper.load([capture, xoHook, xoProceed, xoEvents, xoCall] as NodeModule[], flow, {
      server: { token: this.token },
      ...credentials,
    })
  }

  serverNode(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      id: 'server',
      type: 'xo-server',
      url: this.sim.url,
      authMethod: 'token',
      hookBaseUrl: this.nodeUrl,
      ...overrides,
    }
  }

  /** The hook entries the simulated XO acts on: none while the web-hooks plugin is not loaded. */
  async hookEntries(): Promise<
    Array<{ method: string; type: string; url: string; format: string; waitForResponse?: boolean }>
  > {
    const plugins = (await this.sim.invoke('plugin.get', {})) as Array<{
      id: string
      loaded?: boolean
      configuration?: { hooks?: [] }
    }>
    const plugin = plugins.find((p) => p.id === 'web-hooks')
    return plugin?.loaded ? (plugin.configuration?.hooks ?? []) : []
  }

  async stop(): Promise<void> {
    await this.helper.unload()
    await this.helper.stopServer()
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
    await this.sim.stop()
  }
}
