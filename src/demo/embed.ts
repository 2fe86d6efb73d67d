/**
 * Node-RED embedded in this process with this package loaded from its compiled `nodes/`, served the way
 * Node-RED's own server does (the editor and its API first, then the flows' HTTP endpoints). Used by `npm start`
 * and by the bench, so that both measure and show the same thing.
 */
import { randomBytes } from 'node:crypto'
import { type EventEmitter, once } from 'node:events'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'

export const PACKAGE_ROOT = path.resolve(__dirname, '../..')

export interface NodeRedModule {
  init(server: http.Server, settings: Record<string, unknown>): void
  start(): Promise<void>
  stop(): Promise<void>
  httpAdmin: Handler
  httpNode: Handler
  nodes: { getNode(id: string): unknown }
  runtime: { flows: { setFlows(opts: Record<string, unknown>): Promise<unknown> }; events: EventEmitter }
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, next: (error?: unknown) => void) => void

/** `app` served under `root` (as Express's `app.use(root, app)`): it sees paths relative to the root. */
function mount(root: string, appOf: () => Handler): Handler {
  const prefix = `/${root.replace(/^\/+|\/+$/g, '')}`.replace(/^\/$/, '')
  return (req, res, next) => {
    const app = appOf()
    if (prefix === '') return app(req, res, next)
    const url = req.url ?? '/'
    if (url !== prefix && !url.startsWith(`${prefix}/`) && !url.startsWith(`${prefix}?`)) return next()
    const original = url
    req.url = url.slice(prefix.length).replace(/^(?!\/)/, '/')
    app(req, res, (error) => {
      req.url = original
      next(error)
    })
  }
}

export interface EmbedOptions {
  host?: string
  /** 0 picks a free port */
  port?: number
  /** Node-RED's package directory (CI runs the suite on Node-RED 5 too); default: this package's dev dependency */
  nodeRedPath?: string
  logLevel?: string
  /** more Node-RED settings, over these defaults */
  settings?: Record<string, unknown>
  /** serves what it takes (answers true) before Node-RED sees the request */
  serve?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean
  /**
   * Node-RED's user directory (flows, credentials, context), made if missing and kept after stop, with its
   * credential secret in it (CREDENTIAL_SECRET_FILE); default: a temporary one, removed on stop
   */
  userDir?: string
}

/** The flows file of the user directory. */
export const FLOWS_FILE = 'flows.json'

/** The file of a kept user directory that holds the key of its credentials file (owner-only). */
export const CREDENTIAL_SECRET_FILE = 'credential-secret'

/**
 * The key of the user directory's credentials file: Node-RED can read the credentials back after a restart only
 * with the key they were written with. Made at random on first use and kept beside them, readable by its owner
 * alone, so that it never lands in a repository or a settings file.
 */
function credentialSecretOf(userDir: string): string {
  mkdirSync(userDir, { recursive: true, mode: 0o700 })
  const file = path.join(userDir, CREDENTIAL_SECRET_FILE)
  try {
    const secret = readFileSync(file, 'utf8').trim()
    if (secret !== '') {
      chmodSync(file, 0o600)
      return secret
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const secret = randomBytes(32).toString('hex')
  // 'wx': of two starts on the same directory, one writes the key and the other fails rather than replace it.
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' })
  return secret
}

export interface EmbeddedNodeRed {
  RED: NodeRedModule
  /** origin of the HTTP server (the flows' endpoints are under httpNodeRoot) */
  url: string
  /** the editor: the origin and httpAdminRoot */
  editorUrl: string
  port: number
  /** replaces the flows and resolves once the new ones run (their HTTP routes included) */
  deploy(flows: unknown[], credentials?: Record<string, Record<string, string>>): Promise<void>
  stop(): Promise<void>
}

export function loadNodeRed(nodeRedPath?: string): NodeRedModule {
  return require(nodeRedPath ? require.resolve(nodeRedPath) : 'node-red') as NodeRedModule
}

/** The port asked for is taken (another Node-RED?): said with the port, so the caller can tell how to pick another. */
export class PortInUseError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`port ${port} of ${host} is already in use`)
    this.name = 'PortInUseError'
  }
}

export async function embedNodeRed(options: EmbedOptions = {}): Promise<EmbeddedNodeRed> {
  const RED = loadNodeRed(options.nodeRedPath)
  const host = options.host ?? '127.0.0.1'
  // Node-RED says on its runtime events when the flows of a start or a deploy are running: setFlows resolves
  // earlier, once the old flows are stopped.
  const flowsStarted = () =>
    once(RED.runtime.events, 'flows:started', { signal: AbortSignal.timeout(30_000) }).then(
      () => {},
      () => {
        throw new Error('Node-RED did not start the flows within 30 s')
      },
    )
  const settings = {
    httpAdminRoot: '/',
    httpNodeRoot: '/',
    ...options.settings,
  }
  // As Node-RED's own server: the editor and its API under httpAdminRoot first, then the flows' endpoints under
  // httpNodeRoot. An error of the admin app (its body parser refusing a body over apiMaxLength: 413) is answered
  // as such, never passed on to the flows with a body half read.
  // Node-RED makes its apps in RED.init, below.
  const admin = mount(String(settings.httpAdminRoot), () => RED.httpAdmin)
  const flows = mount(String(settings.httpNodeRoot), () => RED.httpNode)
  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (options.serve?.(req, res)) return
    const fail = (error?: unknown) => {
      const status = Number(
        (error as { status?: unknown; statusCode?: unknown })?.status ??
          (error as { statusCode?: unknown })?.statusCode,
      )
      res.statusCode = error === undefined ? 404 : status >= 400 && status < 600 ? status : 500
      if (res.statusCode === 413) res.setHeader('Connection', 'close')
      res.end()
    }
    admin(req, res, (error) => (error === undefined ? flows(req, res, fail) : fail(error)))
  }
  // A browser opened at once waits for the runtime instead of getting Node-RED's "runtime not started" error.
  let waiting: Array<() => void> | undefined = []
  const server = http.createServer((req, res) => (waiting ? waiting.push(() => handle(req, res)) : handle(req, res)))
  const port = await listen(server, host, options.port ?? 0)

  // A temporary user dir is made once the port is ours, and removed on any failure from here on; a kept one stays.
  const temporary = options.userDir === undefined
  let userDir: string | undefined
  const release = async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    if (temporary && userDir) rmSync(userDir, { recursive: true, force: true })
  }
  let credentialSecret: string
  try {
    userDir = options.userDir ?? mkdtempSync(path.join(tmpdir(), 'xo-node-red-'))
    // A temporary user dir is new on every run: a random key keeps its credentials file encrypted anyway.
    credentialSecret = temporary ? randomBytes(16).toString('hex') : credentialSecretOf(userDir)
  } catch (error) {
    await release()
    throw error
  }
  try {
    RED.init(server, {
      userDir,
      flowFile: FLOWS_FILE,
      credentialSecret,
      nodesDir: [PACKAGE_ROOT],
      uiHost: host,
      uiPort: port,
      editorTheme: { tours: false, projects: { enabled: false } },
      // The embedded runtime ignores NODE_RED_DISABLE_TELEMETRY; without this the editor opens with a modal prompt.
      telemetry: { enabled: false },
      logging: { console: { level: options.logLevel ?? 'info', metrics: false, audit: false } },
      functionExternalModules: false,
      externalModules: { autoInstall: false, palette: { allowInstall: false } },
      ...settings,
    })
    const firstStart = flowsStarted()
    await RED.start()
    await firstStart
  } catch (error) {
    waiting = []
    await RED.stop().catch(() => {})
    await release()
    throw error
  } finally {
    const held = waiting ?? []
    waiting = undefined
    for (const serve of held) serve()
  }

  return {
    RED,
    url: `http://${host}:${port}`,
    editorUrl: `http://${host}:${port}/${String(settings.httpAdminRoot).replace(/^\/+|\/+$/g, '')}`.replace(/\/$/, ''),
    port,
    async deploy(flows, credentials = {}) {
      const started = flowsStarted()
      await RED.runtime.flows.setFlows({ flows: { flows, credentials }, deploymentType: 'full' })
      await started
    },
    async stop() {
      await RED.stop()
      await release()
    },
  }
}

function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(host, port) : error),
    )
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port))
  })
}
