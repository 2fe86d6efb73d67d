/**
 * Node-RED as users run it: the stock `node-red` entry point (red.js) in a child process, which exits on any
 * uncaught exception or unhandled `error` event. The package is loaded from this repository (nodesDir); flows
 * are deployed through the admin API as the editor does (`full` by default); node statuses are read from the
 * editor's own comms socket; the log is kept for assertions. It can be stopped and started again on the same
 * user directory (a restart of Node-RED).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import WebSocket from 'ws'
import { nodeRedPath, waitFor, waitForEvent } from './node-red'

const PACKAGE_ROOT = path.resolve(__dirname, '../..')

export interface NodeStatus {
  fill?: string
  shape?: string
  text?: string
}

export type DeploymentType = 'full' | 'flows' | 'nodes'

export class StockNodeRed {
  url = ''
  log = ''
  /** every exit of the process, with its code: a test fails when one happens that it did not ask for */
  exits: Array<{ code: number | null; signal: string | null; asked: boolean }> = []
  statuses = new Map<string, NodeStatus>()
  #child: ChildProcess | undefined
  #comms: WebSocket | undefined
  #userDir: string
  #stopping = false

  private constructor(userDir: string) {
    this.#userDir = userDir
  }

  static async start(settings: Record<string, unknown> = {}): Promise<StockNodeRed> {
    const userDir = mkdtempSync(path.join(tmpdir(), 'xo-stock-node-red-'))
    const settingsFile = path.join(userDir, 'test-settings.js')
    writeFileSync(
      settingsFile,
      `module.exports = ${JSON.stringify({
        uiHost: '127.0.0.1',
        uiPort: 0,
        flowFile: 'flows.json',
        credentialSecret: 'stock-node-red-test',
        nodesDir: [PACKAGE_ROOT],
        httpAdminRoot: '/',
        httpNodeRoot: '/',
        editorTheme: { tours: false, projects: { enabled: false } },
        telemetry: { enabled: false },
        logging: { console: { level: 'info', metrics: false, audit: false } },
        externalModules: { autoInstall: false, palette: { allowInstall: false } },
        ...settings,
      })}\n`,
    )
    const red = new StockNodeRed(userDir)
    await red.launch()
    return red
  }

  /** Starts the process (again) on the same user directory and waits until it serves its editor. */
  async launch(): Promise<void> {
    this.#stopping = false
    this.statuses.clear()
    const child = spawn(process.execPath, [path.join(nodeRedPath(), 'red.js'), '--userDir', this.#userDir, '--settings', path.join(this.#userDir, 'test-settings.js')], {
      env: { ...process.env, NODE_RED_DISABLE_TELEMETRY: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.#child = child
    const append = (chunk: Buffer) => {
      this.log += chunk.toString()
      if (process.env.NODE_RED_LOG) process.stdout.write(chunk)
    }
    child.stdout!.on('data', append)
    child.stderr!.on('data', append)
    child.once('exit', (code, signal) => this.exits.push({ code, signal, asked: this.#stopping }))
    const started = this.log.length
    const running = /Server now running at (http:\/\/[^/\s]+)\//
    const match = await waitFor(() => running.exec(this.log.slice(started)) ?? (child.exitCode !== null ? 'exited' : undefined), {
      timeoutMs: 45_000,
      what: 'Node-RED to serve its editor',
    })
    if (typeof match === 'string') throw new Error(`Node-RED exited at start:\n${this.log.slice(started)}`)
    this.url = match[1]
    await this.#subscribeToStatuses()
  }

  get alive(): boolean {
    return this.#child?.exitCode === null && this.#child.signalCode === null
  }

  /** Exits nobody asked for (uncaught exceptions end the stock entry point). */
  get crashes(): string[] {
    return this.exits.filter((e) => !e.asked).map((e) => `exit code ${e.code} signal ${e.signal}`)
  }

  /** Deploys like the editor: the whole flow file, with credentials inline on the nodes that have them. */
  async deploy(flows: unknown[], type: DeploymentType = 'full'): Promise<void> {
    const response = await fetch(`${this.url}/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': type },
      body: JSON.stringify({ flows }),
    })
    if (!response.ok) throw new Error(`deploy answered HTTP ${response.status}: ${await response.text()}`)
  }

  async request(pathname: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.url}${pathname}`, init)
  }

  /** Resolves with the node's status once `accept` takes it (statuses come from the editor's comms socket). */
  waitForStatus(id: string, accept: (status: NodeStatus) => boolean, timeoutMs = 15_000): Promise<NodeStatus> {
    return waitFor(() => {
      const status = this.statuses.get(id)
      return status && accept(status) ? status : undefined
    }, { timeoutMs, what: `a status of node ${id} (last: ${JSON.stringify(this.statuses.get(id))})` })
  }

  /** Resolves once the log, from `from` on, matches `pattern`. */
  waitForLog(pattern: RegExp, from = 0, timeoutMs = 15_000): Promise<RegExpExecArray> {
    return waitFor(() => pattern.exec(this.log.slice(from)), { timeoutMs, what: `the log to show ${pattern}` })
  }

  /** Stops Node-RED the way an operator does (SIGINT: nodes are closed, the process exits). */
  async stop(): Promise<void> {
    this.#comms?.terminate()
    const child = this.#child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    this.#stopping = true
    const exited = waitForEvent(child, 'exit', 20_000)
    child.kill('SIGINT')
    await exited
  }

  async dispose(): Promise<void> {
    await this.stop()
    rmSync(this.#userDir, { recursive: true, force: true })
  }

  async #subscribeToStatuses(): Promise<void> {
    const comms = new WebSocket(`${this.url.replace(/^http/, 'ws')}/comms`)
    this.#comms = comms
    comms.on('error', () => {}) // the process may be stopped under it
    comms.on('message', (data) => {
      let messages: unknown
      try {
        messages = JSON.parse(String(data))
      } catch {
        return
      }
      for (const message of Array.isArray(messages) ? messages : [messages]) {
        const { topic, data: status } = (message ?? {}) as { topic?: string; data?: NodeStatus }
        if (typeof topic === 'string' && topic.startsWith('status/')) this.statuses.set(topic.slice('status/'.length), status ?? {})
      }
    })
    await waitForEvent(comms, 'open', 10_000)
    comms.send(JSON.stringify({ subscribe: 'status/#' }))
  }
}
