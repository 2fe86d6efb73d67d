import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { waitForEvent } from './node-red'

export interface DemoProcess {
  child: ChildProcess
  /** the editor */
  url: string
  xoUrl: string
  standInsUrl?: string
  /** the demo's Node-RED user directory */
  userDir: string
  /** whether it ran the flows saved in userDir rather than deploying the example */
  savedFlows: boolean
  stop(): Promise<void>
}

export interface DemoProcessOptions {
  /** a user directory of the test's own, kept on stop (the test removes it); default: a temporary one removed on stop */
  userDir?: string
  fresh?: boolean
  [option: string]: unknown
}

/**
 * `npm start`'s demo in a process of its own (test/support/demo-child.ts): the test helper's Node-RED lives in
 * the test process and shares Node-RED's module state with anything embedded there.
 */
export async function startDemoProcess(options: DemoProcessOptions = {}): Promise<DemoProcess> {
  // Never the clone's own user directory (the demo's default): a test writes only where it cleans up.
  const temporary = options.userDir === undefined ? mkdtempSync(path.join(tmpdir(), 'xo-demo-user-')) : undefined
  const removeTemporary = () => temporary && rmSync(temporary, { recursive: true, force: true })
  const child = fork(path.join(__dirname, 'demo-child.ts'), {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, DEMO_OPTIONS: JSON.stringify({ ...options, userDir: options.userDir ?? temporary }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const running = () => child.exitCode === null && child.signalCode === null
  const end = async (how: () => void) => {
    if (running()) {
      const exited = waitForEvent(child, 'exit', 15_000)
      how()
      await exited
    }
    removeTemporary()
  }
  let started: { url: string; xoUrl: string; standInsUrl?: string; userDir: string; savedFlows: boolean }
  try {
    ;[started] = await waitForEvent<[typeof started]>(child, 'message', { timeoutMs: 45_000, what: 'the demo process' })
  } catch (error) {
    await end(() => child.kill('SIGKILL'))
    throw error
  }
  const stop = () => end(() => (child.connected ? child.send('stop') : child.kill('SIGKILL')))
  return { child, ...started, stop }
}
