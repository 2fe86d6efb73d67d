import { fork, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { waitForEvent } from './node-red'

export interface DemoProcess {
  child: ChildProcess
  /** the editor */
  url: string
  xoUrl: string
  standInsUrl?: string
  stop(): Promise<void>
}

/**
 * `npm start`'s demo in a process of its own (test/support/demo-child.ts): the test helper's Node-RED lives in
 * the test process and shares Node-RED's module state with anything embedded there.
 */
export async function startDemoProcess(options: Record<string, unknown> = {}): Promise<DemoProcess> {
  const child = fork(path.join(__dirname, 'demo-child.ts'), {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, DEMO_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const [started] = await waitForEvent<[{ url: string; xoUrl: string; standInsUrl?: string }]>(child, 'message', { timeoutMs: 45_000, what: 'the demo process' })
  return {
    child,
    ...started,
    stop: async () => {
      if (child.exitCode !== null) return
      const exited = waitForEvent(child, 'exit', 15_000)
      child.send('stop')
      await exited
    },
  }
}
