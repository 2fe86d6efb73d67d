import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type SimulatorOptions, XoSimulator } from '../../src/simulator'
import { CommsSocket, type NodeStatus } from './comms'
import { waitFor, waitForEvent } from './node-red'

export const EXAMPLES = path.resolve(__dirname, '../../examples')

export interface Received {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: string
  at: number
}

type Answer = { status?: number; headers?: Record<string, string>; body?: string; delayMs?: number }

/** A local HTTP server standing in for the destinations: records every request, answers as told (default 200). */
export class Sink {
  received: Received[] = []
  #answers: Array<(r: Received) => Answer | undefined> = []
  #server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const r: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      }
      this.received.push(r)
      let answer: Answer = { status: 200, body: 'ok' }
      for (const rule of this.#answers) answer = rule(r) ?? answer
      setTimeout(
        () =>
          res
            .writeHead(answer.status ?? 200, answer.headers ?? { 'content-type': 'text/plain' })
            .end(answer.body ?? ''),
        answer.delayMs ?? 0,
      )
    })
  })
  url = ''

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
    return this
  }

  /** Adds an answering rule; later rules win. */
  answer(rule: (r: Received) => Answer | undefined): this {
    this.#answers.push(rule)
    return this
  }

  on(pathPrefix: string): Received[] {
    return this.received.filter((r) => r.url.startsWith(pathPrefix))
  }

  async until(count: number, pathPrefix = '/', timeoutMs = 15_000): Promise<Received[]> {
    await waitFor(() => this.on(pathPrefix).length >= count, { timeoutMs, what: `${count} requests on ${pathPrefix}` })
    return this.on(pathPrefix)
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}

/**
 * One example file as it ships, deployed in a Node-RED process of its own (the demo's embedding) against a
 * simulated XO in this process; destinations are local sinks named through the environment, as a user would.
 */
export class ExampleRun {
  sim!: XoSimulator
  child!: ChildProcess
  url = ''
  /** the statuses of the example's nodes, as the editor sees them */
  comms: CommsSocket | undefined
  nodes: Array<{ id: string; type: string; name?: string }> = []
  #flowDir: string | undefined

  /**
   * `options.size`: the simulated inventory's size (default the simulator's); `options.prepare`: what XO was like
   * before Node-RED started (run on the simulator before the flow deploys: no hook nor event sees it);
   * `options.digestTimers`: the xo digest nodes' first wait and interval (seconds) in place of the example's, so that
   * a test of what its digests say does not wait minutes of real time (the browser test runs the examples as shipped).
   */
  static async start(
    file: string,
    env: Record<string, string>,
    options: {
      size?: SimulatorOptions['size']
      prepare?: (sim: XoSimulator) => Promise<void>
      digestTimers?: { groupWait: number; groupInterval: number }
    } = {},
  ): Promise<ExampleRun> {
    const run = new ExampleRun()
    run.nodes = JSON.parse(readFileSync(path.join(EXAMPLES, file), 'utf8'))
    let flow = path.join(EXAMPLES, file)
    if (options.digestTimers) {
      for (const node of run.nodes) if (node.type === 'xo-digest') Object.assign(node, options.digestTimers)
      run.#flowDir = mkdtempSync(path.join(tmpdir(), 'xo-example-'))
      flow = path.join(run.#flowDir, file)
      writeFileSync(flow, JSON.stringify(run.nodes))
    }
    run.sim = await XoSimulator.start({ timeScale: 0.04, size: options.size })
    try {
      await options.prepare?.(run.sim)
    } catch (error) {
      await run.sim.stop()
      throw error
    }
    run.child = fork(path.join(__dirname, 'example-child.ts'), {
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        ...env,
        XO_URL: run.sim.url,
        XO_TOKEN: run.sim.issueToken('admin@admin.net'),
        DEMO_OPTIONS: JSON.stringify({ flow }),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    const [ready] = await waitForEvent<[{ url: string }]>(run.child, 'message', {
      timeoutMs: 45_000,
      what: `${file} deployed`,
    })
    run.url = ready.url
    run.comms = await CommsSocket.open(run.url)
    return run
  }

  /** Waits until the example's xo-hook nodes have their entries in XO and the plugin is loaded. */
  async hooksRegistered(methods: string[]): Promise<void> {
    await waitFor(
      async () => {
        const plugins = (await this.sim.invoke('plugin.get', {})) as Array<{
          id: string
          loaded?: boolean
          configuration?: { hooks?: Array<{ method: string }> }
        }>
        const hooks = plugins.find((p) => p.id === 'web-hooks')
        return hooks?.loaded && methods.every((m) => hooks.configuration?.hooks?.some((h) => h.method === m))
      },
      { timeoutMs: 20_000, what: `hooks for ${methods.join(', ')}` },
    )
  }

  /** Waits until every xo-events node of the example has loaded XO's objects: a change after this is an event. */
  async eventsReady(): Promise<void> {
    for (const node of this.nodes.filter((n) => n.type === 'xo-events'))
      await this.comms!.waitForStatus(node.id, (s) => /^connected/.test(s.text ?? ''), 20_000)
  }

  /** Waits until the status of the example's node of this type (and name, when several) is accepted. */
  waitForStatus(
    type: string,
    accept: (status: NodeStatus) => boolean,
    name?: string,
    timeoutMs?: number,
  ): Promise<NodeStatus> {
    const node = this.nodes.find((n) => n.type === type && (name === undefined || n.name === name))
    if (!node) throw new Error(`no ${type} node${name ? ` named ${name}` : ''} in the example`)
    return this.comms!.waitForStatus(node.id, accept, timeoutMs)
  }

  object(type: string, name: string): Record<string, any> {
    return [...this.sim.objects.values()].find((o) => o.type === type && o.name_label === name)
  }

  async stop(): Promise<void> {
    this.comms?.close()
    if (this.child && this.child.exitCode === null) {
      const exited = waitForEvent(this.child, 'exit', 15_000)
      this.child.send('stop')
      await exited
    }
    await this.sim?.stop()
    if (this.#flowDir) rmSync(this.#flowDir, { recursive: true, force: true })
  }
}
