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
import { CommsSocket, type NodeStatus } from './comms'
import { nodeRedPath, waitFor, waitForEvent } from './node-red'

const PACKAGE_ROOT = path.resolve(__dirname, '../..')

export type { NodeStatus } from './comms'

export type DeploymentType = 'full' | 'flows' | 'nodes'

export class StockNodeRed {
  url = ''
  log = ''
  /** every exit of the process, with its code: a test fails when one happens that it did not ask for */
  exits: Array<{ code: number | null; signal: string | null; asked: boolean }> = []
  #child: ChildProcess | undefined
  #comms: CommsSocket | undefined
  #userDir: string
  #stopping = false
  #settings: Record<string, unknown> = {}
  #sentCredentials = new Map<string, string>()

  private constructor(userDir: string) {
    this.#userDir = userDir
  }

  /** `prepare` gets the user directory before Node-RED starts in it (to install a package there, say). */
  static async start(
    settings: Record<string, unknown> = {},
    prepare?: (userDir: string) => void,
  ): Promise<StockNodeRed> {
    const red = new StockNodeRed(mkdtempSync(path.join(tmpdir(), 'xo-stock-node-red-')))
    prepare?.(red.#userDir)
    red.#settings = {
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
    }
    try {
      await red.launch()
    } catch (error) {
      // Half started (or never serving): nothing the test could reach must stay alive.
      await red.dispose().catch(() => {})
      throw error
    }
    return red
  }

  /** Starts the process (again) on the same user directory and waits until it serves its editor. */
  async launch(): Promise<void> {
    // A restarted Node-RED listens where it did before: XO knows it by that URL.
    const port = this.url ? Number(new URL(this.url).port) : this.#settings.uiPort
    writeFileSync(this.#settingsFile, `module.exports = ${JSON.stringify({ ...this.#settings, uiPort: port })}\n`)
    this.#stopping = false
    this.#comms = undefined
    const child = spawn(
      process.execPath,
      [path.join(nodeRedPath(), 'red.js'), '--userDir', this.#userDir, '--settings', this.#settingsFile],
      {
        env: { ...process.env, NODE_RED_DISABLE_TELEMETRY: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
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
    const match = await waitFor(
      () => running.exec(this.log.slice(started)) ?? (child.exitCode !== null ? 'exited' : undefined),
      {
        timeoutMs: 45_000,
        what: 'Node-RED to serve its editor',
      },
    )
    if (typeof match === 'string') throw new Error(`Node-RED exited at start:\n${this.log.slice(started)}`)
    this.url = match[1]
    this.#comms = await CommsSocket.open(this.url)
    // Node-RED's runtime state (retained, or sent once its flows start) counts as a start of flows: seen before the
    // first deploy, it cannot be taken for that deploy's start (which would let a test talk to flows not yet running).
    // Behind adminAuth the socket is told nothing until it signs in: such a test waits on what it reads itself.
    const comms = this.#comms
    if (!this.#settings.adminAuth)
      await waitFor(() => comms.runtimeStates > 0, { timeoutMs: 30_000, what: "Node-RED's runtime state" })
  }

  get #settingsFile(): string {
    return path.join(this.#userDir, 'test-settings.js')
  }

  /** Node-RED's user directory: its flow file, credentials and settings */
  get userDir(): string {
    return this.#userDir
  }

  get alive(): boolean {
    return this.#child?.exitCode === null && this.#child.signalCode === null
  }

  /**
   * Sends a signal to the process: SIGKILL (a crash: the exit counts as asked), SIGSTOP and SIGCONT (a pause, as a
   * hung machine or a long GC would).
   */
  async signal(signal: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): Promise<void> {
    const child = this.#child
    if (!child || child.exitCode !== null) return
    if (signal !== 'SIGKILL') return void child.kill(signal)
    this.#stopping = true
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }

  /** Exits nobody asked for (uncaught exceptions end the stock entry point). */
  get crashes(): string[] {
    return this.exits.filter((e) => !e.asked).map((e) => `exit code ${e.code} signal ${e.signal}`)
  }

  /**
   * Deploys like the editor: the whole flow file; credentials go inline on a node only when they changed since
   * they were last sent (the editor never sends unchanged ones).
   */
  async deploy(flows: unknown[], type: DeploymentType = 'full'): Promise<void> {
    // A node deployed without its credentials after being deleted has none: a new node sends them again.
    const ids = new Set((flows as Array<{ id?: unknown }>).map((node) => String(node.id)))
    for (const id of this.#sentCredentials.keys()) if (!ids.has(id)) this.#sentCredentials.delete(id)
    const sent = (flows as Array<Record<string, unknown>>).map((node) => {
      if (!('credentials' in node)) return node
      const key = JSON.stringify(node.credentials)
      if (this.#sentCredentials.get(String(node.id)) === key) {
        const { credentials: _unchanged, ...rest } = node
        return rest
      }
      this.#sentCredentials.set(String(node.id), key)
      return node
    })
    const starts = this.#comms!.flowStarts
    const response = await fetch(`${this.url}/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': type },
      body: JSON.stringify({ flows: sent }),
    })
    if (!response.ok) throw new Error(`deploy answered HTTP ${response.status}: ${await response.text()}`)
    // Node-RED answers once the old flows stopped; a person deploys again only after the new ones run.
    await waitFor(() => this.#comms!.flowStarts > starts, { timeoutMs: 30_000, what: 'the deployed flows to start' })
  }

  async request(pathname: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.url}${pathname}`, init)
  }

  /** Resolves with the node's status once `accept` takes it (statuses come from the editor's comms socket). */
  waitForStatus(id: string, accept: (status: NodeStatus) => boolean, timeoutMs = 15_000): Promise<NodeStatus> {
    return this.#comms!.waitForStatus(id, accept, timeoutMs)
  }

  /** The last status of each node since the last launch. */
  get statuses(): Map<string, NodeStatus> {
    return this.#comms?.statuses ?? new Map()
  }

  /** Resolves once the log, from `from` on, matches `pattern`. */
  waitForLog(pattern: RegExp, from = 0, timeoutMs = 15_000): Promise<RegExpExecArray> {
    return waitFor(() => pattern.exec(this.log.slice(from)), { timeoutMs, what: `the log to show ${pattern}` })
  }

  /** Stops Node-RED the way an operator does (SIGINT: nodes are closed, the process exits). */
  async stop(): Promise<void> {
    this.#comms?.close()
    const child = this.#child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    this.#stopping = true
    const exited = waitForEvent(child, 'exit', 20_000)
    child.kill('SIGINT')
    try {
      await exited
    } catch (error) {
      // A Node-RED that does not stop is killed, so that a failing test leaves no process behind.
      const killed = waitForEvent(child, 'exit', 5_000)
      child.kill('SIGKILL')
      await killed
      throw error
    }
  }

  async dispose(): Promise<void> {
    await this.stop()
    rmSync(this.#userDir, { recursive: true, force: true })
  }
}
