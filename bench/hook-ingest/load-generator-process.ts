import { type ChildProcess, fork } from 'node:child_process'
import path from 'node:path'
import type { FromGenerator, PhaseResult, PhaseSpec, ToGenerator } from '../protocol'

/**
 * The parent's handle on the forked load generator. The child inherits this process's execArgv, which under
 * `tsx` carries its loader, so the generator runs from TypeScript like the rest of the bench.
 */
export class LoadGeneratorProcess {
  private constructor(private readonly child: ChildProcess) {}

  static async fork(bodies: string[]): Promise<LoadGeneratorProcess> {
    const child = fork(path.join(__dirname, 'load-generator.ts'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the load generator did not start within 15 s')), 15_000)
      child.once('exit', (code) => reject(new Error(`the load generator exited (code ${code}) before it was ready`)))
      child.once('message', (message: FromGenerator) => {
        clearTimeout(timer)
        if (message.type === 'ready') resolve()
        else reject(new Error(`unexpected first message from the load generator: ${message.type}`))
      })
    })
    child.removeAllListeners('exit')
    const generator = new LoadGeneratorProcess(child)
    generator.send({ type: 'bodies', bodies })
    return generator
  }

  run(spec: PhaseSpec): Promise<PhaseResult> {
    // Warm-up, measure, then at most the generator's 10 s timeout to drain: past that, something is stuck.
    const limitMs = spec.warmupMs + spec.measureMs + 20_000
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer)
        this.child.off('message', onMessage)
        this.child.off('exit', onExit)
      }
      const onMessage = (message: FromGenerator) => {
        cleanup()
        if (message.type === 'result') resolve(message.result)
        else
          reject(
            new Error(message.type === 'error' ? `load generator: ${message.message}` : `unexpected ${message.type}`),
          )
      }
      const onExit = (code: number | null) => {
        cleanup()
        reject(new Error(`the load generator exited (code ${code}) during a phase`))
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`no result from the load generator after ${limitMs} ms`))
      }, limitMs)
      this.child.on('message', onMessage)
      this.child.once('exit', onExit)
      this.send({ type: 'run', spec })
    })
  }

  /** Disconnecting ends the child (it exits on 'disconnect'); kill it if it has not gone within 2 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()))
    if (this.child.connected) this.child.disconnect()
    const timer = setTimeout(() => this.child.kill(), 2000)
    await exited
    clearTimeout(timer)
  }

  private send(message: ToGenerator): void {
    this.child.send(message)
  }
}
