/**
 * `npm start`: Node-RED embedded on http://127.0.0.1:1880 with this package loaded and the "start here" example
 * deployed. With XO_URL and XO_TOKEN (or XO_USER / XO_PASSWORD) it uses that XO; otherwise it starts the XO
 * simulator on loopback and plays a small scenario so that events show up in the debug sidebar at once.
 *
 * What is built in its editor is kept in the clone (DEMO_USER_DIR, git-ignored) and used again on the next start;
 * `npm start -- --fresh` starts from the example again.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { XoSimulator } from '../simulator'
import { acquireSimulatedXo, type SimulatedXoHandle } from '../simulator/shared'
import { embedNodeRed, FLOWS_FILE, PACKAGE_ROOT, PortInUseError, type EmbeddedNodeRed } from './embed'
import { STAND_INS_PATH, StandIns } from './stand-ins'

export { PACKAGE_ROOT }

export const DEMO_FLOW = path.join(PACKAGE_ROOT, 'examples', '00 Start here - XO events to debug.json')

/** Where `npm start` keeps its Node-RED user directory (flows, credentials, context): in the clone, git-ignored. */
export const DEMO_USER_DIR = path.join(PACKAGE_ROOT, '.node-red-demo')

/** What Node-RED keeps in the user directory for its flows: forgotten by `--fresh`. */
const SAVED_STATE = [FLOWS_FILE, 'flows_cred.json', `.${FLOWS_FILE}.backup`, '.flows_cred.json.backup', 'context']

export interface DemoOptions {
  host?: string
  /** 0 picks a free port */
  port?: number
  /** what the demo reads: XO_URL, XO_TOKEN, XO_USER, XO_PASSWORD, XO_CA, XO_ALLOW_SELF_SIGNED, NODE_RED_URL, NODE_RED_PATH */
  env?: NodeJS.ProcessEnv
  /** play the scenario against the simulator (default true) */
  scenario?: boolean
  /** the simulator's operation delays are multiplied by this (default 1) */
  timeScale?: number
  log?: (line: string) => void
  quiet?: boolean
  /** more Node-RED settings (e.g. `adminAuth`), over the demo's own */
  settings?: Record<string, unknown>
  /** the flow file to deploy when the user directory has no flows yet (default: the Start here example) */
  flow?: string
  /**
   * Node-RED's user directory, kept after the demo stops: the flows saved there are used on the next start instead
   * of `flow` (default DEMO_USER_DIR, in the clone; tests give one of their own)
   */
  userDir?: string
  /** forget the flows, credentials and context saved in the user directory, and deploy `flow` again */
  fresh?: boolean
  /**
   * serve stand-ins for the examples' destinations and point their environment variables (those not set already)
   * at them (default true)
   */
  standIns?: boolean
}

export interface Demo {
  /** the editor's address (the HTTP server's origin plus httpAdminRoot) */
  url: string
  /** the page listing what the stand-ins received, when they are served */
  standInsUrl: string | undefined
  /** the XO the flow talks to */
  xoUrl: string
  /** the user directory in use */
  userDir: string
  /** whether the flows saved there ran, rather than `flow` */
  savedFlows: boolean
  simulator: XoSimulator | undefined
  stop(): Promise<void>
}

interface FlowNode {
  id: string
  type: string
  [key: string]: unknown
}

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const env = options.env ?? process.env
  const log = options.log ?? ((line: string) => console.log(line))
  const host = options.host ?? '127.0.0.1'
  const userDir = path.resolve(options.userDir ?? DEMO_USER_DIR)
  if (options.fresh) for (const name of SAVED_STATE) rmSync(path.join(userDir, name), { recursive: true, force: true })
  // Flows saved by an earlier run (a deploy writes them) are the user's: they run as they are, never replaced.
  const savedFlows = existsSync(path.join(userDir, FLOWS_FILE))

  // The simulated XO of the xo-server nodes set to it (the examples' own), started here with the demo's pace, or
  // a real XO given in the environment (for the example's xo-server: saved flows keep their own).
  let lease: SimulatedXoHandle | undefined
  let real: RealXo | undefined
  if (env.XO_URL && !savedFlows) {
    if (env.XO_TOKEN) real = { url: env.XO_URL, authMethod: 'token', credentials: { token: env.XO_TOKEN } }
    else if (env.XO_USER && env.XO_PASSWORD)
      real = { url: env.XO_URL, authMethod: 'password', credentials: { email: env.XO_USER, password: env.XO_PASSWORD } }
    else throw new Error('XO_URL needs XO_TOKEN, or XO_USER and XO_PASSWORD')
  } else {
    // The scenario plays once the flows run (below), so that their hooks see it from its first step.
    lease = await acquireSimulatedXo({ timeScale: options.timeScale ?? 1, scenario: false, log })
  }
  const xoUrl = real?.url ?? lease!.url

  // The examples' files (the inventory) go to a folder of the demo's own, removed when it stops.
  const files = options.standIns === false ? undefined : mkdtempSync(path.join(tmpdir(), 'xo-demo-files-'))
  const standIns = files ? new StandIns({ INVENTORY_FILE: path.join(files, 'inventory.csv') }) : undefined
  let embedded: EmbeddedNodeRed
  try {
    embedded = await embedNodeRed({
      host,
      port: options.port ?? portOf(env.PORT),
      nodeRedPath: env.NODE_RED_PATH,
      logLevel: options.quiet ? 'warn' : 'info',
      settings: options.settings,
      serve: standIns && ((req, res) => standIns.handle(req, res)),
      userDir,
    })
  } catch (error) {
    lease?.release()
    if (files) rmSync(files, { recursive: true, force: true })
    throw error
  }
  // The nodes read these when a message comes: set before the flows run, put back when the demo stops.
  const restoreEnv: Record<string, string | undefined> = {}
  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      await embedded.stop()
      lease?.release()
      for (const name of Object.keys(restoreEnv)) delete process.env[name]
      if (files) rmSync(files, { recursive: true, force: true })
    })())
  try {
    for (const [name, value] of Object.entries(standIns?.env(embedded.url) ?? {})) {
      if (process.env[name] !== undefined) continue
      restoreEnv[name] = undefined
      process.env[name] = value
    }
    if (!savedFlows) await deployDemoFlow(embedded, options.flow ?? DEMO_FLOW, env, real)
  } catch (error) {
    await stop()
    throw error
  }
  if (options.scenario !== false) lease?.play()

  const url = embedded.editorUrl
  log('')
  log(`Node-RED editor:   ${url}/`)
  log(`Xen Orchestra:     ${xoUrl}${lease ? ' (simulated XO: admin@admin.net / admin)' : ''}`)
  const standInsUrl = standIns ? `${embedded.url}${STAND_INS_PATH}/` : undefined
  if (standInsUrl) log(`Destinations:      ${standInsUrl} (what the examples' destinations received)`)
  log(
    `Your flows:        kept in ${userDir} (${savedFlows ? 'as you last deployed them' : 'the Start here example until you deploy'})`,
  )
  log('                   npm start -- --fresh forgets them and starts again from the Start here example')
  if (savedFlows && env.XO_URL)
    log(
      `XO_URL is for the example's XO: your saved flows keep the XO they were deployed with (--fresh to use ${env.XO_URL})`,
    )
  log('Open the editor, then the debug sidebar (bug icon, top right) to watch XO events. Ctrl-C stops.')
  log('')
  return { url, xoUrl, userDir, savedFlows, standInsUrl, simulator: lease?.simulator, stop }
}

interface RealXo {
  url: string
  authMethod: 'token' | 'password'
  credentials: Record<string, string>
}

/** Deploys the flow file with its xo-server node set to the simulated XO, or to the real XO of the environment. */
async function deployDemoFlow(
  embedded: EmbeddedNodeRed,
  flowFile: string,
  env: NodeJS.ProcessEnv,
  real: RealXo | undefined,
): Promise<void> {
  const flows = JSON.parse(readFileSync(flowFile, 'utf8')) as FlowNode[]
  const serverNode = flows.find((n) => n.type === 'xo-server')
  if (!serverNode) throw new Error(`${flowFile} has no xo-server node`)
  // How XO reaches this Node-RED: set NODE_RED_URL when XO runs elsewhere. The simulated XO runs beside it and
  // xo-server finds this Node-RED's own address at each start by itself: the saved flows keep working on another
  // PORT.
  if (env.NODE_RED_URL || real) serverNode.hookBaseUrl = env.NODE_RED_URL ?? embedded.url
  const credentials: Record<string, Record<string, string>> = {}
  if (real) {
    Object.assign(serverNode, {
      source: 'xo',
      url: real.url,
      authMethod: real.authMethod,
      allowSelfSigned: env.XO_ALLOW_SELF_SIGNED === '1' || env.XO_ALLOW_SELF_SIGNED === 'true',
      ca: env.XO_CA ? readFileSync(env.XO_CA, 'utf8') : '',
    })
    credentials[serverNode.id] = real.credentials
  } else {
    serverNode.source = 'simulated'
  }
  await embedded.deploy(flows, credentials)
}

function portOf(text: string | undefined): number {
  if (text === undefined || text.trim() === '') return 1880
  const port = Number(text)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number (0 to 65535), not "${text}"`)
  return port
}

/** What `npm start` says when it cannot start: for a busy port, which one and how to choose another. */
export function startFailure(error: unknown, env: NodeJS.ProcessEnv = process.env): string {
  if (error instanceof PortInUseError) {
    const other = error.port + 1
    return [
      `Could not start: port ${error.port} of ${error.host} is already in use (another Node-RED, or an earlier npm start?).`,
      `Stop what uses it, or choose another port: PORT=${other} npm start${env.PORT ? ` (PORT is ${env.PORT} now)` : ''}`,
    ].join('\n')
  }
  return `Could not start the demo: ${(error as Error)?.message ?? error}`
}

/** `npm start`'s arguments (after `--`) and environment: DEMO_USER_DIR puts the user directory elsewhere. */
export function cliOptions(args: string[], env: NodeJS.ProcessEnv = process.env): DemoOptions {
  const unknown = args.filter((arg) => arg !== '--fresh')
  if (unknown.length > 0)
    throw new Error(`unknown argument ${unknown.join(' ')}: npm start takes --fresh only (npm start -- --fresh)`)
  return { fresh: args.includes('--fresh'), userDir: env.DEMO_USER_DIR || undefined }
}

if (require.main === module) {
  Promise.resolve()
    .then(() => startDemo(cliOptions(process.argv.slice(2))))
    .then(
      (demo) => {
        let signals = 0
        const shutdown = () => {
          if (signals++ > 0) process.exit(1)
          console.log('\nStopping...')
          demo.stop().then(
            () => process.exit(0),
            (error) => {
              console.error(error)
              process.exit(1)
            },
          )
        }
        process.on('SIGINT', shutdown)
        process.on('SIGTERM', shutdown)
      },
      (error) => {
        console.error(startFailure(error))
        process.exit(1)
      },
    )
}
