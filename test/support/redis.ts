import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { freePort } from './ports'

/** Debian's redis-server (package redis-server), or REDIS_SERVER. */
export function redisServerPath(): string {
  const candidate = process.env.REDIS_SERVER ?? '/usr/bin/redis-server'
  if (!existsSync(candidate))
    throw new Error(`no redis-server at ${candidate}: install Debian's redis-server package (or set REDIS_SERVER)`)
  return candidate
}

/**
 * A real redis-server for one test file, on a free loopback port, with its data in a temporary directory. It
 * keeps what it is told (append-only file, fsync on every write), as a Redis that coordinates must: a restart
 * loses nothing.
 */
export class TestRedis {
  #child: ChildProcess | undefined
  readonly #dir = mkdtempSync(path.join(tmpdir(), 'xo-redis-'))

  private constructor(
    readonly port: number,
    private readonly extra: string[],
  ) {}

  /** `extra`: more redis-server options (a password, TLS…). */
  static async start(extra: string[] = []): Promise<TestRedis> {
    const redis = new TestRedis(await freePort(), extra)
    await redis.launch()
    return redis
  }

  /** where it keeps its data (files a test writes there go with it) */
  get dir(): string {
    return this.#dir
  }

  /** whether its redis-server process runs (a test may have stopped it) */
  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  async launch(): Promise<void> {
    const child = spawn(
      redisServerPath(),
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.#dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
        '--protected-mode',
        'yes',
        ...this.extra,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    this.#child = child
    let output = ''
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString()
        if (/Ready to accept connections/.test(output)) {
          child.stdout!.off('data', onData)
          child.stdout!.resume()
          resolve()
        }
      }
      child.stdout!.on('data', onData)
      child.stderr!.resume()
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`)))
    })
  }

  /** Stops it as an operator would (SIGTERM: it writes what it holds and exits). */
  async stop(): Promise<void> {
    const child = this.#child
    this.#child = undefined
    if (!child || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }

  /** A raw command, for tests that look at what the instances wrote. */
  command(...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.port, '127.0.0.1')
      let answer = ''
      socket.on('data', (chunk) => {
        answer += chunk.toString('latin1')
        if (respEnd(answer, 0) === answer.length) {
          socket.end()
          resolve(answer)
        }
      })
      socket.on('error', reject)
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`)
    })
  }

  /**
   * Every command Redis runs from now on (MONITOR), as Redis prints them: `<time> [0 127.0.0.1:port] "SET" "key"…`.
   * Stop it when done.
   */
  async monitor(): Promise<{ lines: string[]; stop(): Promise<void> }> {
    const socket = net.connect(this.port, '127.0.0.1')
    const lines: string[] = []
    let rest = ''
    socket.on('data', (chunk) => {
      const parts = (rest + chunk.toString()).split('\r\n')
      rest = parts.pop() ?? ''
      for (const line of parts) if (line.startsWith('+') && line !== '+OK') lines.push(line.slice(1))
    })
    socket.on('error', () => {})
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    // Monitoring starts once Redis said OK: commands sent after this resolves are all seen.
    const ok = new Promise<void>((resolve) => {
      const onData = (chunk: Buffer) => {
        if (!chunk.toString().startsWith('+OK')) return
        socket.off('data', onData)
        resolve()
      }
      socket.on('data', onData)
    })
    socket.write('*1\r\n$7\r\nMONITOR\r\n')
    await ok
    return {
      lines,
      stop: () =>
        new Promise<void>((resolve) => {
          if (socket.destroyed) return resolve()
          socket.once('close', () => resolve())
          socket.destroy()
        }),
    }
  }

  /** A command whose answer is one bulk string (GET, HGET…): the string, or null when there is none. */
  async bulk(...args: string[]): Promise<string | null> {
    const answer = await this.command(...args)
    if (answer.startsWith('$-1')) return null
    const header = /^\$(\d+)\r\n/.exec(answer)
    if (!header) throw new Error(`not a bulk string: ${answer.slice(0, 200)}`)
    return Buffer.from(answer.slice(header[0].length, header[0].length + Number(header[1])), 'latin1').toString()
  }

  async dispose(): Promise<void> {
    await this.stop()
    rmSync(this.#dir, { recursive: true, force: true })
  }
}

/** Where the RESP value starting at `at` ends, or -1 when it has not all arrived yet (a reply may come in pieces). */
function respEnd(text: string, at: number): number {
  const line = text.indexOf('\r\n', at)
  if (line === -1) return -1
  const type = text[at]
  const n = Number(text.slice(at + 1, line))
  if (type === '$') return n < 0 ? line + 2 : text.length >= line + 2 + n + 2 ? line + 2 + n + 2 : -1
  if (type === '*') {
    let end = line + 2
    for (let i = 0; i < n && end !== -1; i++) end = respEnd(text, end)
    return end
  }
  return line + 2
}
