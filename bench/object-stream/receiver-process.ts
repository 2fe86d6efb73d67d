import { type ChildProcess, fork } from 'node:child_process'
import path from 'node:path'
import type { FromReceiver, LoadResult, ReceiverKind, StreamResult, ToReceiver } from './protocol'

const SCRIPTS: Record<ReceiverKind, string> = {
  nodeRed: 'node-red-receiver.ts',
  nodeRedShared: 'node-red-receiver.ts',
  parseOnly: 'parse-receiver.ts',
}

/**
 * The parent's handle on one forked receiver. Both kinds are forked alike: this process's execArgv (under tsx,
 * its loader) plus --expose-gc, so that memory is measured after a full collection in both.
 */
export class ReceiverProcess {
  /** frames (since it connected) the receiver has acknowledged */
  acked = 0
  #failure: Error | undefined
  #wake = new Set<() => void>()

  private constructor(
    readonly kind: ReceiverKind,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (message: FromReceiver) => {
      if (message.type === 'ack') {
        this.acked = Math.max(this.acked, message.frames)
        for (const wake of this.#wake) wake()
      }
    })
    child.once('exit', (code, signal) => this.#fail(new Error(`the ${kind} receiver exited (${signal ?? code})`)))
  }

  static async fork(
    kind: ReceiverKind,
    v8Flags: string[],
    env: Record<string, string> = {},
    timeoutMs = 30_000,
  ): Promise<ReceiverProcess> {
    const child = fork(path.join(__dirname, SCRIPTS[kind]), [kind], {
      env: { ...process.env, ...env },
      execArgv: [...process.execArgv, '--expose-gc', ...v8Flags],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    const receiver = new ReceiverProcess(kind, child)
    await receiver.#expect('ready', timeoutMs)
    return receiver
  }

  async load(url: string, token: string): Promise<LoadResult> {
    this.#send({ type: 'load', url, token })
    return ((await this.#expect('loaded', 150_000)) as Extract<FromReceiver, { type: 'loaded' }>).load
  }

  /** Starts a measured round: a lag round (messages timed) or a CPU round (nothing done per message); `profile` it or not. */
  async begin(round: { lag: boolean; profile: boolean }): Promise<void> {
    this.#send({ type: 'begin', ...round })
    await this.#expect('begun', 15_000)
  }

  async end(frames: number): Promise<StreamResult> {
    this.#send({ type: 'end', frames })
    return ((await this.#expect('result', 90_000)) as Extract<FromReceiver, { type: 'result' }>).result
  }

  /** Resolves once `frames` frames are acknowledged; rejects when the receiver fails or stalls. */
  waitAcked(frames: number, timeoutMs: number): Promise<void> {
    if (this.acked >= frames) return Promise.resolve()
    if (this.#failure) return Promise.reject(this.#failure)
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer)
        this.#wake.delete(check)
        if (error) reject(error)
        else resolve()
      }
      const check = () => {
        if (this.#failure) done(this.#failure)
        else if (this.acked >= frames) done()
      }
      const timer = setTimeout(
        () =>
          done(
            new Error(`the ${this.kind} receiver acknowledged ${this.acked} of ${frames} frames after ${timeoutMs} ms`),
          ),
        timeoutMs,
      )
      this.#wake.add(check)
    })
  }

  /** Disconnecting ends the child (it stops its receiver, then exits); kill it if it has not gone within 8 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()))
    if (this.child.connected) this.child.disconnect()
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 8000)
    await exited
    clearTimeout(timer)
  }

  #fail(error: Error): void {
    this.#failure ??= error
    for (const wake of this.#wake) wake()
  }

  #send(message: ToReceiver): void {
    if (this.#failure) throw this.#failure
    this.child.send(message)
  }

  #expect(type: FromReceiver['type'], timeoutMs: number): Promise<FromReceiver> {
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer)
        this.child.off('message', onMessage)
        this.#wake.delete(onFailure)
      }
      const onMessage = (message: FromReceiver) => {
        if (message.type === 'ack') return
        cleanup()
        if (message.type === type) resolve(message)
        else
          reject(
            new Error(
              `${this.kind} receiver: ${message.type === 'error' ? message.message : `unexpected ${message.type}`}`,
            ),
          )
      }
      const onFailure = () => {
        if (!this.#failure) return
        cleanup()
        reject(this.#failure)
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`no ${type} from the ${this.kind} receiver after ${timeoutMs} ms`))
      }, timeoutMs)
      this.child.on('message', onMessage)
      this.#wake.add(onFailure)
      onFailure()
    })
  }
}
