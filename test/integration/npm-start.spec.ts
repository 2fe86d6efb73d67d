import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { CREDENTIAL_SECRET_FILE } from '../../src/demo/embed'
import { waitFor, waitForEvent } from '../support/node-red'
import { freePort } from '../support/ports'
import { RpcClient } from '../simulator/helpers'

const START = path.resolve(__dirname, '../../nodes/demo/start.js')

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

interface FlowNode {
  id: string
  type: string
  z?: string
  [key: string]: unknown
}

/**
 * `npm start` as a user runs it (its compiled entry point, `args` as after `npm start --`), with a temporary
 * folder of its own to check and its user directory in `userDir` (never the clone's).
 */
function npmStart(
  port: number,
  tmp: string,
  userDir: string,
  args: string[] = [],
): { child: ChildProcess; output: () => string } {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), TMPDIR: tmp, DEMO_USER_DIR: userDir }
  for (const name of Object.keys(env)) if (/^XO_/.test(name) || name === 'NODE_RED_URL') delete env[name]
  const child = spawn(process.execPath, [START, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (c: Buffer) => (output += c))
  child.stderr!.on('data', (c: Buffer) => (output += c))
  return { child, output: () => output }
}

describe('npm start', function () {
  this.timeout(60_000)
  let tmp: string
  /** holds the demo's user directory (`userDir`, made by the demo itself) */
  let home: string
  let userDir: string
  let run: ReturnType<typeof npmStart> | undefined
  beforeEach(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'xo-npm-start-'))
    home = mkdtempSync(path.join(tmpdir(), 'xo-npm-start-home-'))
    userDir = path.join(home, 'node-red-demo')
  })
  afterEach(async () => {
    if (run && run.child.exitCode === null && run.child.signalCode === null) {
      const exited = waitForEvent(run.child, 'exit', 20_000)
      run.child.kill('SIGKILL')
      await exited
    }
    run = undefined
    rmSync(tmp, { recursive: true, force: true })
    rmSync(home, { recursive: true, force: true })
  })

  /** Starts `npm start` and waits until it says it runs. */
  async function started(port: number, args: string[] = []): Promise<string> {
    run = npmStart(port, tmp, userDir, args)
    await waitFor(() => /Ctrl-C stops/.test(run!.output()) || run!.child.exitCode !== null, {
      timeoutMs: 45_000,
      what: 'the demo to say it runs',
    })
    assert.equal(run.child.exitCode, null, run.output())
    return run.output()
  }

  /** Ctrl-C, and the demo exits 0. */
  async function ctrlC(): Promise<void> {
    const exited = waitForEvent<[number | null]>(run!.child, 'exit', 20_000)
    run!.child.kill('SIGINT')
    const [code] = await exited
    assert.equal(code, 0, run!.output())
  }

  async function flows(port: number): Promise<{ rev: string; flows: FlowNode[] }> {
    const response = await fetch(`http://127.0.0.1:${port}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } })
    assert.equal(response.status, 200)
    return (await response.json()) as { rev: string; flows: FlowNode[] }
  }

  it('keeps the flows and credentials a deploy saved for the next start, says where, and starts from the example again with --fresh', async function () {
    this.timeout(180_000)
    const port = await freePort()
    const first = await started(port)
    // Node-RED says "User directory : …" too: the demo's own line says that the flows are kept there.
    assert.match(first, new RegExp(`kept in ${escapeRegExp(userDir)}`), 'the start log says where the flows are kept')
    assert.match(first, /npm start -- --fresh/)
    const example = await flows(port)
    const server = example.flows.find((n) => n.type === 'xo-server')
    assert.ok(server, 'the Start here example is deployed on the first start')
    const secret = statSync(path.join(userDir, CREDENTIAL_SECRET_FILE))
    assert.equal(secret.mode & 0o777, 0o600, 'the credential secret is readable by its owner only')

    // What a person does in the editor: a node of their own, and a secret on the xo-server, then Deploy.
    const token = `kept-token-${port}`
    const mine: FlowNode = {
      id: 'a1b2c3d4e5f60718',
      type: 'comment',
      z: example.flows.find((n) => n.type === 'tab')!.id,
      name: 'my own node',
      x: 300,
      y: 600,
    }
    const deployed = [...example.flows.map((n) => (n.id === server.id ? { ...n, credentials: { token } } : n)), mine]
    const response = await fetch(`http://127.0.0.1:${port}/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify({ rev: example.rev, flows: deployed }),
    })
    assert.equal(response.status, 200, await response.text())
    assert.ok(
      !readFileSync(path.join(userDir, 'flows_cred.json'), 'utf8').includes(token),
      'the credentials file is encrypted',
    )
    await ctrlC()

    const second = await started(port)
    assert.match(second, new RegExp(`kept in ${escapeRegExp(userDir)}`))
    assert.match(second, /as you last deployed them/)
    const kept = await flows(port)
    assert.deepEqual(
      kept.flows.map((n) => n.id).sort(),
      deployed.map((n) => n.id).sort(),
      'the saved flows run, not the example',
    )
    assert.equal(kept.flows.find((n) => n.id === mine.id)?.name, 'my own node')
    const credentials = await fetch(`http://127.0.0.1:${port}/credentials/xo-server/${server.id}`)
    assert.equal(
      ((await credentials.json()) as { has_token?: boolean }).has_token,
      true,
      'the saved credential is read back',
    )
    await ctrlC()

    const fresh = await started(port, ['--fresh'])
    assert.match(fresh, /the Start here example until you deploy/)
    const again = await flows(port)
    assert.deepEqual(again.flows.map((n) => n.id).sort(), example.flows.map((n) => n.id).sort(), 'the example again')
    const forgotten = await fetch(`http://127.0.0.1:${port}/credentials/xo-server/${server.id}`)
    assert.notEqual(
      ((await forgotten.json()) as { has_token?: boolean }).has_token,
      true,
      'the saved credential is gone',
    )
    await ctrlC()
    assert.deepEqual(readdirSync(tmp), [], 'temporary folders left behind')
  })

  it('runs the saved flows on another PORT with their hooks pointing at it', async function () {
    this.timeout(120_000)
    await started(await freePort())
    await ctrlC()
    const port = await freePort()
    const output = await started(port)
    assert.match(output, /as you last deployed them/)
    const xoUrl = /Xen Orchestra:\s+(\S+)/.exec(output)?.[1]
    assert.ok(xoUrl, output)
    const xo = await RpcClient.connect(xoUrl)
    try {
      await xo.call('session.signIn', { email: 'admin@admin.net', password: 'admin' })
      const urls = await waitFor(
        async () => {
          const plugins = (await xo.call('plugin.get')) as Array<{
            id: string
            configuration?: { hooks?: Array<{ url: string }> }
          }>
          const hooks = plugins.find((p) => p.id === 'web-hooks')?.configuration?.hooks ?? []
          return hooks.length > 0 ? hooks.map((h) => h.url) : undefined
        },
        { timeoutMs: 20_000, what: 'the saved flows to register their hooks' },
      )
      for (const url of urls)
        assert.ok(
          url.startsWith(`http://127.0.0.1:${port}/xo-hook/`),
          `a hook for ${url}, not for this start's port ${port}`,
        )
    } finally {
      await xo.close()
    }
    await ctrlC()
  })

  it('refuses an argument it does not know rather than start as if it were not given', async () => {
    run = npmStart(await freePort(), tmp, userDir, ['--frseh'])
    await waitFor(() => run!.child.exitCode !== null || /Ctrl-C stops/.test(run!.output()), {
      timeoutMs: 45_000,
      what: 'the demo to exit or run',
    })
    assert.equal(run.child.exitCode, 1, run.output())
    assert.match(run.output(), /unknown argument --frseh.*npm start -- --fresh/)
    assert.equal(existsSync(userDir), false, 'nothing written')
  })

  it('on a busy port, says which port and how to choose another, and leaves no temporary folder', async () => {
    const busy = net.createServer().listen(0, '127.0.0.1')
    await waitForEvent(busy, 'listening')
    const { port } = busy.address() as net.AddressInfo
    try {
      run = npmStart(port, tmp, userDir)
      const [code] = await waitForEvent<[number | null]>(run.child, 'exit', 45_000)
      assert.equal(code, 1)
      assert.match(run.output(), new RegExp(`port ${port} of 127\\.0\\.0\\.1 is already in use`))
      assert.match(run.output(), new RegExp(`PORT=${port + 1} npm start`))
      assert.doesNotMatch(run.output(), /EADDRINUSE|\n\s+at /, 'no stack trace')
      assert.deepEqual(readdirSync(tmp), [], 'temporary folders left behind')
      assert.equal(existsSync(userDir), false, 'a user directory made for a demo that did not start')
    } finally {
      busy.close()
    }
  })

  it('holds an editor request made before Node-RED runs until it does, then stops clean on Ctrl-C', async () => {
    const port = await freePort()
    run = npmStart(port, tmp, userDir)
    // Asked for as soon as the port answers: during Node-RED's start, not after it.
    const first = await waitFor(
      () =>
        fetch(`http://127.0.0.1:${port}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } }).then(
          (response) => response,
          () => undefined,
        ),
      { timeoutMs: 45_000, intervalMs: 10, what: 'the port to answer' },
    )
    assert.equal(first.status, 200, await first.text())
    const editor = await fetch(`http://127.0.0.1:${port}/`)
    assert.equal(editor.status, 200)
    await waitFor(() => /Ctrl-C stops/.test(run!.output()), { timeoutMs: 30_000, what: 'the demo to say it runs' })
    assert.doesNotMatch(run.output(), /runtime not started|\[error\]/)

    const exited = waitForEvent<[number | null]>(run.child, 'exit', 20_000)
    run.child.kill('SIGINT')
    const [code] = await exited
    assert.equal(code, 0, run.output())
    assert.deepEqual(readdirSync(tmp), [], 'temporary folders left behind')
  })
})
