/**
 * Test utilities shared by every suite (unit, integration, simulator, browser).
 *
 * - Which Node-RED: `.ci/run` runs the whole suite twice, once on the dev dependency (Node-RED 4 on Node 20) and
 *   once on Node-RED 5 under Node 22, selected with NODE_RED_PATH. Every test that touches Node-RED goes through
 *   `nodeRedPath()` / `initHelper()` here, so that the second run really exercises Node-RED 5.
 * - TLS: `selfSignedCertificate()` makes a throwaway key and certificate with the openssl command line tool.
 * - Waiting: `waitFor()` / `waitForEvent()` / `waitForCall()` wait on a condition or an event with a deadline,
 *   so tests never sleep for a fixed time and fail with a message that says what they were waiting for.
 */
import { execFileSync } from 'node:child_process'
import type { EventEmitter } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

// ---------------------------------------------------------------------------------------------------------------
// Node-RED

/**
 * The directory of the Node-RED package the tests run against: env NODE_RED_PATH (CI's Node-RED 5 run), else this
 * package's `node-red` dev dependency. `require.resolve()` of the result gives Node-RED's main module.
 */
export function nodeRedPath(): string {
  const fromEnv = process.env.NODE_RED_PATH
  if (fromEnv) return path.resolve(fromEnv)
  return path.dirname(require.resolve('node-red/package.json'))
}

/** The version of the Node-RED that `nodeRedPath()` points at, e.g. "4.1.15". */
export function nodeRedVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(nodeRedPath(), 'package.json'), 'utf8')) as { version: string }
  return pkg.version
}

/** The parts of node-red-node-test-helper the tests use (the package ships no typings). */
export interface NodeTestHelper {
  init(runtimePath?: string, userSettings?: Record<string, unknown>): void
  settings(userSettings?: Record<string, unknown>): Record<string, unknown>
  load(nodeModule: unknown, flow: unknown[], credentials?: Record<string, Record<string, unknown>>): Promise<void>
  setFlows(flow: unknown[], type?: string, credentials?: Record<string, Record<string, unknown>>): Promise<void>
  unload(): Promise<void>
  getNode(id: string): any
  clearFlows(): Promise<void>
  startServer(): Promise<void>
  stopServer(): Promise<void>
  url(): string
  request(): any
  log(): any
  _RED: { version(): string }
}

let initialised: NodeTestHelper | undefined

/**
 * node-red-node-test-helper, initialised once per process with the Node-RED of `nodeRedPath()`.
 * (On require the helper initialises itself with whatever `node-red` it resolves; this re-points it.)
 */
export function initHelper(): NodeTestHelper {
  if (!initialised) {
    const helper = require('node-red-node-test-helper') as NodeTestHelper
    helper.init(require.resolve(nodeRedPath()))
    const loaded = helper._RED?.version?.()
    if (!loaded) throw new Error(`node-red-node-test-helper could not load Node-RED from ${nodeRedPath()}`)
    initialised = helper
  }
  return initialised
}

// ---------------------------------------------------------------------------------------------------------------
// TLS

export interface KeyPair {
  /** PEM private key (unencrypted) */
  key: string
  /** PEM self-signed certificate, valid 2 days, with subjectAltName IP:127.0.0.1 and DNS:localhost */
  cert: string
}

const certificates = new Map<string, KeyPair>()

/**
 * A self-signed certificate for loopback servers in tests, made by the `openssl` command (`.ci/run` installs it).
 * Cached per process and common name: RSA key generation costs a fraction of a second on a slow machine.
 */
export function selfSignedCertificate(commonName = '127.0.0.1'): KeyPair {
  const cached = certificates.get(commonName)
  if (cached) return cached
  const dir = mkdtempSync(path.join(tmpdir(), 'xo-test-cert-'))
  try {
    const keyFile = path.join(dir, 'key.pem')
    const certFile = path.join(dir, 'cert.pem')
    // execFileSync, not a shell: the common name goes through as one argument whatever it contains.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-subj',
        `/CN=${commonName}`,
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    const pair = { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') }
    certificates.set(commonName, pair)
    return pair
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: Buffer }
    if (e.code === 'ENOENT')
      throw new Error('selfSignedCertificate needs the openssl command (apt-get install openssl)')
    throw new Error(`openssl failed: ${e.stderr?.toString().trim() || e.message}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A test certificate authority and a server certificate it signed (for 127.0.0.1 and localhost). */
export interface SignedPair extends KeyPair {
  /** PEM of the CA: what a client trusts */
  ca: string
}

let authority: SignedPair | undefined

/** A CA and a loopback server certificate signed by it, made once per process with the `openssl` command. */
export function certificateFromTestCa(): SignedPair {
  if (authority) return authority
  const dir = mkdtempSync(path.join(tmpdir(), 'xo-test-ca-'))
  const file = (name: string) => path.join(dir, name)
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  try {
    openssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.pem'),
      '-subj',
      '/CN=xo-flows test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ])
    openssl([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      file('server.key'),
      '-out',
      file('server.csr'),
      '-subj',
      '/CN=127.0.0.1',
    ])
    writeFileSync(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n')
    openssl([
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-out',
      file('server.pem'),
      '-days',
      '2',
      '-extfile',
      file('ext.cnf'),
    ])
    authority = {
      ca: readFileSync(file('ca.pem'), 'utf8'),
      cert: readFileSync(file('server.pem'), 'utf8'),
      key: readFileSync(file('server.key'), 'utf8'),
    }
    return authority
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Waiting

export interface WaitOptions {
  /**
   * default 15 000: a wait ends on its event, so a generous bound costs nothing when all is well, and a loaded
   * machine (the suite must pass with a CPU hog on every core) does not turn a slow event into a failure
   */
  timeoutMs?: number
  /** how often a predicate is polled (default 20 ms); events are not polled */
  intervalMs?: number
  /** what is awaited, for the error message */
  what?: string
}

function options(arg: number | WaitOptions | undefined): Required<Omit<WaitOptions, 'what'>> & { what?: string } {
  const o = typeof arg === 'number' ? { timeoutMs: arg } : (arg ?? {})
  return { timeoutMs: o.timeoutMs ?? 15_000, intervalMs: o.intervalMs ?? 20, what: o.what }
}

/**
 * Resolves with the first truthy value of `predicate` (sync or async); rejects after the timeout with the last
 * error the predicate threw, if any. Prefer `waitForEvent` when there is an event to wait for.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  timeoutOrOptions?: number | WaitOptions,
): Promise<NonNullable<Awaited<T>>> {
  const { timeoutMs, intervalMs, what } = options(timeoutOrOptions)
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await predicate()
      if (value) return value as NonNullable<Awaited<T>>
    } catch (error) {
      lastError = error
    }
    if (Date.now() >= deadline) {
      const reason = lastError ? `; last error: ${(lastError as Error).message ?? lastError}` : ''
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what ?? predicate.toString()}${reason}`)
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/**
 * Resolves with the arguments of the next `event` on `emitter` for which `filter` (if given) returns true.
 * Rejects on timeout, and on an 'error' event of the emitter (unless `event` is 'error' itself).
 * One listener stays attached until then, so no event is missed between two that are emitted in a row.
 */
export function waitForEvent<A extends unknown[] = unknown[]>(
  emitter: EventEmitter,
  event: string | symbol,
  timeoutOrOptions?: number | WaitOptions,
  filter?: (...args: A) => boolean,
): Promise<A> {
  const { timeoutMs, what } = options(timeoutOrOptions)
  return new Promise<A>((resolve, reject) => {
    // removeListener, not off: Node-RED's Node overrides on/removeListener for 'input' and 'close' (it keeps those
    // callbacks apart), and EventEmitter's `off` is bound to the original removeListener, so it would leave them.
    const cleanup = () => {
      clearTimeout(timer)
      emitter.removeListener(event, onEvent)
      if (event !== 'error') emitter.removeListener('error', onError)
    }
    const onEvent = (...args: unknown[]) => {
      let accepted: boolean
      try {
        accepted = !filter || filter(...(args as A))
      } catch (error) {
        cleanup()
        return reject(error)
      }
      if (accepted) {
        cleanup()
        resolve(args as A)
      }
    }
    const onError = (error: unknown) => {
      cleanup()
      reject(error)
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what ?? `event ${String(event)}`}`))
    }, timeoutMs)
    emitter.on(event, onEvent)
    if (event !== 'error') emitter.on('error', onError)
  })
}

/** A call recorded by the test helper's spies on Node.prototype (`node.status.getCalls()` etc.). */
export interface SpyCall {
  args: unknown[]
  /** the node the method was called on (the spies sit on Node.prototype, shared by every node) */
  thisValue?: unknown
}

/**
 * Waits until a node of node-red-node-test-helper has called `method` (log, status, warn, error, send…) with
 * arguments that `match` accepts. Calls made before this was called count too, so there is no race with a
 * status that was set during `helper.load()`. Resolves with the matching call's arguments.
 */
export async function waitForCall(
  node: EventEmitter & Record<string, unknown>,
  method: 'log' | 'status' | 'warn' | 'error' | 'debug' | 'trace' | 'send',
  match: (...args: any[]) => boolean,
  timeoutOrOptions?: number | WaitOptions,
): Promise<unknown[]> {
  const spy = node[method] as { getCalls?: () => SpyCall[] } | undefined
  const calls = () =>
    (spy?.getCalls?.() ?? []).filter((call) => call.thisValue === undefined || call.thisValue === node)
  const earlier = calls().find((call) => match(...call.args))
  if (earlier) return earlier.args
  const o = options(timeoutOrOptions)
  const [call] = await waitForEvent<[SpyCall]>(
    node,
    `call:${method}`,
    { ...o, what: o.what ?? `${method}() on node ${String(node.id)}` },
    (c) => match(...c.args),
  )
  return call.args
}
