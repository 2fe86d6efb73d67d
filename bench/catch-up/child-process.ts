import { type ChildProcess, fork } from 'node:child_process'
import path from 'node:path'
import type { ChildResult, FromChild, RunSpec, ToChild, Variant } from './protocol'

const READY_TIMEOUT_MS = 60_000
const RUN_TIMEOUT_MS = 180_000

/**
 * Runs one variant in a fresh child, forked as the object-stream receivers are: this process's execArgv (under
 * tsx, its loader) plus --expose-gc, so that every variant's memory is measured after a full collection.
 * `stopCurrent` kills the child running, if any (the scenario's stop, when it fails midway).
 */
let current: ChildProcess | undefined

export async function runChild(variant: Variant, spec: RunSpec): Promise<ChildResult> {
  const child = fork(path.join(__dirname, 'child.ts'), [variant], {
    execArgv: [...process.execArgv, '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  current = child
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  try {
    await expect(child, variant, 'ready', READY_TIMEOUT_MS)
    child.send({ type: 'run', spec } satisfies ToChild)
    const { result } = (await expect(child, variant, 'result', RUN_TIMEOUT_MS)) as Extract<
      FromChild,
      { type: 'result' }
    >
    await exited
    return result
  } finally {
    await stopCurrent()
  }
}

export async function stopCurrent(): Promise<void> {
  const child = current
  current = undefined
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGKILL')
  await exited
}

function expect(child: ChildProcess, variant: Variant, type: FromChild['type'], timeoutMs: number): Promise<FromChild> {
  return new Promise((resolve, reject) => {
    let settled = false
    const done = (error: Error | undefined, message?: FromChild) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.off('message', onMessage).off('exit', onExit)
      if (error) reject(error)
      else resolve(message!)
    }
    const onMessage = (message: FromChild) => {
      if (message.type === type) done(undefined, message)
      else
        done(
          new Error(
            `the ${variant} child: ${message.type === 'error' ? message.message : `unexpected ${message.type}`}`,
          ),
        )
    }
    // A message sent just before exiting may still be in the pipe when the exit is known: give it a moment.
    const onExit = (code: number | null, signal: string | null) =>
      setTimeout(() => done(new Error(`the ${variant} child exited (${signal ?? code}) before its ${type}`)), 200)
    const timer = setTimeout(
      () => done(new Error(`no ${type} from the ${variant} child after ${timeoutMs} ms`)),
      timeoutMs,
    )
    child.on('message', onMessage).on('exit', onExit)
  })
}
