import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { waitFor, waitForEvent } from '../support/node-red'
import { freePort } from '../support/ports'

const START = path.resolve(__dirname, '../../nodes/demo/start.js')

/** `npm start` as a user runs it (its compiled entry point), with a temporary folder of its own to check. */
function npmStart(port: number, tmp: string): { child: ChildProcess; output: () => string } {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), TMPDIR: tmp }
  for (const name of Object.keys(env)) if (/^XO_/.test(name) || name === 'NODE_RED_URL') delete env[name]
  const child = spawn(process.execPath, [START], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (c: Buffer) => (output += c))
  child.stderr!.on('data', (c: Buffer) => (output += c))
  return { child, output: () => output }
}

describe('npm start', function () {
  this.timeout(60_000)
  let tmp: string
  let run: ReturnType<typeof npmStart> | undefined
  beforeEach(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'xo-npm-start-'))
  })
  afterEach(async () => {
    if (run && run.child.exitCode === null && run.child.signalCode === null) {
      const exited = waitForEvent(run.child, 'exit', 20_000)
      run.child.kill('SIGKILL')
      await exited
    }
    run = undefined
    rmSync(tmp, { recursive: true, force: true })
  })

  it('on a busy port, says which port and how to choose another, and leaves no temporary folder', async () => {
    const busy = net.createServer().listen(0, '127.0.0.1')
    await waitForEvent(busy, 'listening')
    const { port } = busy.address() as net.AddressInfo
    try {
      run = npmStart(port, tmp)
      const [code] = await waitForEvent<[number | null]>(run.child, 'exit', 45_000)
      assert.equal(code, 1)
      assert.match(run.output(), new RegExp(`port ${port} of 127\\.0\\.0\\.1 is already in use`))
      assert.match(run.output(), new RegExp(`PORT=${port + 1} npm start`))
      assert.doesNotMatch(run.output(), /EADDRINUSE|\n\s+at /, 'no stack trace')
      assert.deepEqual(readdirSync(tmp), [], 'temporary folders left behind')
    } finally {
      busy.close()
    }
  })

  it('holds an editor request made before Node-RED runs until it does, then stops clean on Ctrl-C', async () => {
    const port = await freePort()
    run = npmStart(port, tmp)
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
