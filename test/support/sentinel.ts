/**
 * Redis as operators run it for availability: Debian's redis-server as a master and a replica, and three
 * sentinels (Debian's redis-sentinel) watching them, all on free loopback ports, each with its own directory. A
 * test kills the master (SIGKILL), waits for the sentinels to promote the replica, and restarts the old master as
 * the new master's replica, as an operator (or a supervisor) would.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { waitFor } from './node-red'
import { freePort } from './ports'
import { redisServerPath } from './redis'

export const MASTER_NAME = 'xo-store'

/** Debian's redis-sentinel (package redis-sentinel), or REDIS_SENTINEL (a redis-server: it is run with --sentinel). */
export function redisSentinelPath(): string {
  const candidate = process.env.REDIS_SENTINEL ?? '/usr/bin/redis-sentinel'
  if (!existsSync(candidate))
    throw new Error(
      `no redis-sentinel at ${candidate}: install Debian's redis-sentinel package (or set REDIS_SENTINEL)`,
    )
  return candidate
}

export type Resp = string | number | null | Resp[] | Error

/** One command on a new connection to a loopback port, its answer parsed (errors as Error values). */
export function respCommand(port: number, ...args: string[]): Promise<Resp> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let answer = Buffer.alloc(0)
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no answer from port ${port} to ${args[0]}`))
    }, 5_000)
    socket.on('data', (chunk) => {
      answer = Buffer.concat([answer, chunk])
      const parsed = parse(answer.toString('latin1'), 0)
      if (!parsed) return
      clearTimeout(timer)
      socket.end()
      resolve(parsed.value)
    })
    socket.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`)
  })
}

function parse(text: string, at: number): { value: Resp; end: number } | undefined {
  const line = text.indexOf('\r\n', at)
  if (line === -1) return undefined
  const head = text.slice(at + 1, line)
  switch (text[at]) {
    case '+':
      return { value: head, end: line + 2 }
    case '-':
      return { value: new Error(head), end: line + 2 }
    case ':':
      return { value: Number(head), end: line + 2 }
    case '$': {
      const n = Number(head)
      if (n < 0) return { value: null, end: line + 2 }
      if (text.length < line + 2 + n + 2) return undefined
      return { value: Buffer.from(text.slice(line + 2, line + 2 + n), 'latin1').toString(), end: line + 2 + n + 2 }
    }
    case '*': {
      const n = Number(head)
      if (n < 0) return { value: null, end: line + 2 }
      const values: Resp[] = []
      let end = line + 2
      for (let i = 0; i < n; i++) {
        const item = parse(text, end)
        if (!item) return undefined
        values.push(item.value)
        end = item.end
      }
      return { value: values, end }
    }
    default:
      throw new Error(`not RESP: ${text.slice(at, at + 40)}`)
  }
}

/** A flat list of field, value, field, value… as an object (SENTINEL REPLICAS answers so). */
function fields(list: Resp): Record<string, string> {
  const out: Record<string, string> = {}
  if (Array.isArray(list)) for (let i = 0; i + 1 < list.length; i += 2) out[String(list[i])] = String(list[i + 1])
  return out
}

/** One redis-server process (a data node or a sentinel) on its own port and directory. */
export class RedisProcess {
  #child: ChildProcess | undefined
  #disposed = false
  readonly dir = mkdtempSync(path.join(tmpdir(), 'xo-sentinel-'))
  log = ''

  constructor(
    readonly port: number,
    readonly kind: 'data' | 'sentinel',
  ) {}

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** Starts it with these options (a data node) or this configuration (a sentinel), and waits until it serves. */
  async launch(options: string[]): Promise<void> {
    // A failover still under way when its test ends must not start a process after everything was stopped.
    if (this.#disposed) throw new Error(`redis ${this.kind} on port ${this.port} was disposed of`)
    let binary: string
    let args: string[]
    if (this.kind === 'sentinel') {
      // A sentinel rewrites its configuration file (what it learns): each has its own.
      const file = path.join(this.dir, 'sentinel.conf')
      writeFileSync(file, `${options.join('\n')}\n`)
      binary = redisSentinelPath()
      args = [file, '--sentinel']
    } else {
      binary = redisServerPath()
      // No fsync on every write here: a master stalled on a busy disk past down-after-milliseconds is failed over
      // by the sentinels on their own. What a restarted node had comes back from the master it replicates anyway.
      args = [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'no',
        // A replica (re)joining is sent the data at once, not after Redis's default 5 s wait for more replicas.
        '--repl-diskless-sync-delay',
        '0',
        ...options,
      ]
    }
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    this.#child = child
    const started = this.log.length
    const append = (chunk: Buffer) => (this.log += chunk.toString())
    child.stdout!.on('data', append)
    child.stderr!.on('data', append)
    const ready = this.kind === 'sentinel' ? /\+monitor master/ : /Ready to accept connections/
    const outcome = await waitFor(
      () =>
        ready.test(this.log.slice(started))
          ? 'ready'
          : child.exitCode !== null || child.signalCode !== null
            ? 'exited'
            : undefined,
      {
        timeoutMs: 15_000,
        intervalMs: 20,
        what: `redis ${this.kind} on port ${this.port} to serve`,
      },
    )
    if (outcome === 'exited') throw new Error(`redis ${this.kind} on port ${this.port} exited: ${this.log.slice(-600)}`)
  }

  /** SIGKILL (a crash: nothing written, sockets dropped) or SIGTERM (an operator's stop). */
  async kill(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    const child = this.#child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill(signal)
    await exited
  }

  /** SIGSTOP (hung: its peers and clients get no answer) and SIGCONT. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    if (this.running) this.#child!.kill(signal)
  }

  command(...args: string[]): Promise<Resp> {
    return respCommand(this.port, ...args)
  }

  async dispose(): Promise<void> {
    this.#disposed = true
    this.signal('SIGCONT')
    await this.kill('SIGTERM').catch(() => {})
    await this.kill('SIGKILL').catch(() => {})
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/**
 * A master, one replica and three sentinels (quorum 2). The sentinels deem a silent master down after
 * `downAfterMs` and promote the replica; `failover()` kills the master, waits for that, and brings the old master
 * back as the new master's replica.
 */
export class SentinelSetup {
  readonly data: RedisProcess[] = []
  readonly sentinels: RedisProcess[] = []
  /** index in `data` of the master the sentinels name */
  master = 0
  /** processes being started (disposed of with the rest if the start fails) */
  readonly #starting = new Set<RedisProcess>()

  private constructor(
    private readonly extra: { data: string[]; sentinel: string[] },
    readonly downAfterMs: number,
  ) {}

  /** `data`: more options for the data nodes (a password…); `sentinel`: more lines for the sentinels' configuration. */
  static async start(
    options: { data?: string[]; sentinel?: string[]; downAfterMs?: number } = {},
  ): Promise<SentinelSetup> {
    const setup = new SentinelSetup(
      { data: options.data ?? [], sentinel: options.sentinel ?? [] },
      options.downAfterMs ?? 1_500,
    )
    try {
      await setup.#launch()
    } catch (error) {
      await setup.dispose()
      throw error
    }
    return setup
  }

  async #launch(): Promise<void> {
    this.data.push(await this.#node('data', () => this.extra.data))
    this.data.push(
      await this.#node('data', () => [...this.extra.data, '--replicaof', '127.0.0.1', String(this.data[0].port)]),
    )
    for (let i = 0; i < 3; i++) {
      this.sentinels.push(
        await this.#node('sentinel', (node) => [
          `port ${node.port}`,
          'bind 127.0.0.1',
          `dir ${node.dir}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${this.data[0].port} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} ${this.downAfterMs}`,
          `sentinel failover-timeout ${MASTER_NAME} 4000`,
          `sentinel parallel-syncs ${MASTER_NAME} 1`,
          ...this.extra.sentinel,
        ]),
      )
    }
    await this.settled()
  }

  /**
   * A process on a port free when asked: a port the kernel gave meanwhile to a connection (its local end) is
   * given up for another.
   */
  async #node(kind: 'data' | 'sentinel', options: (node: RedisProcess) => string[]): Promise<RedisProcess> {
    for (let attempt = 1; ; attempt++) {
      const node = new RedisProcess(await freePort(), kind)
      this.#starting.add(node)
      try {
        await node.launch(options(node))
        return node
      } catch (error) {
        await node.dispose()
        if (attempt >= 5 || !/Address already in use/.test((error as Error).message)) throw error
      } finally {
        this.#starting.delete(node)
      }
    }
  }

  /** `host:port` of each sentinel, as the xo-server node takes them. */
  get addresses(): string {
    return this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(', ')
  }

  get masterNode(): RedisProcess {
    return this.data[this.master]
  }

  /**
   * Which data node most sentinels name as the master now: they may have failed over on their own (a master
   * that did not answer within `downAfterMs` on a loaded machine), and a test must kill the real one.
   */
  async #named(): Promise<number> {
    const named = await Promise.all(
      this.sentinels.map((s) => s.command('SENTINEL', 'get-master-addr-by-name', MASTER_NAME).catch(() => null)),
    )
    const ports = named.flatMap((n) => (Array.isArray(n) ? [Number(n[1])] : []))
    const index = this.data.findIndex((node) => ports.filter((port) => port === node.port).length >= 2)
    if (index === -1) throw new Error(`the sentinels name no master of this setup (${ports.join(', ')})`)
    return index
  }

  get replicaNode(): RedisProcess {
    return this.data[1 - this.master]
  }

  /**
   * Every sentinel names the master, knows the two other sentinels and sees the replica in sync and healthy: a
   * failover can happen (the replica is promotable), and a write can be acknowledged by the replica.
   */
  async settled(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      async () => {
        this.master = await this.#named()
        const master = this.masterNode
        const replica = this.replicaNode
        for (const sentinel of this.sentinels) {
          const named = await sentinel.command('SENTINEL', 'get-master-addr-by-name', MASTER_NAME)
          if (!Array.isArray(named) || Number(named[1]) !== master.port) return false
          const others = await sentinel.command('SENTINEL', 'sentinels', MASTER_NAME)
          if (!Array.isArray(others) || others.length !== 2) return false
          const replicas = await sentinel.command('SENTINEL', 'replicas', MASTER_NAME)
          const seen = Array.isArray(replicas)
            ? replicas.map(fields).find((r) => Number(r.port) === replica.port)
            : undefined
          if (seen?.flags !== 'slave' || seen['master-link-status'] !== 'ok') return false
        }
        const info = String(await master.command('INFO', 'replication'))
        return new RegExp(`slave0:ip=127\\.0\\.0\\.1,port=${replica.port},state=online`).test(info)
      },
      {
        timeoutMs,
        intervalMs: 100,
        what: `the sentinels to watch a master and its replica in sync (data nodes ${this.data.map((d) => d.port).join(', ')})`,
      },
    )
  }

  /**
   * Kills the master (SIGKILL); resolves once a majority of sentinels name the replica as the master, with the
   * milliseconds that took; then restarts the old master as the new one's replica and waits until all is settled.
   */
  async failover(): Promise<{ promotedAfterMs: number; killed: number }> {
    this.master = await this.#named()
    const old = this.masterNode
    const promoted = this.replicaNode
    const killedAt = performance.now()
    await old.kill('SIGKILL')
    await waitFor(
      async () => {
        const named = await Promise.all(
          this.sentinels.map((s) => s.command('SENTINEL', 'get-master-addr-by-name', MASTER_NAME).catch(() => null)),
        )
        return named.filter((n) => Array.isArray(n) && Number(n[1]) === promoted.port).length >= 2
      },
      { timeoutMs: 30_000, intervalMs: 25, what: `the sentinels to promote ${promoted.port}` },
    )
    const promotedAfterMs = performance.now() - killedAt
    await waitFor(async () => /^role:master/m.test(String(await promoted.command('INFO', 'replication'))), {
      timeoutMs: 10_000,
      intervalMs: 25,
      what: 'the replica to be a master',
    })
    this.master = 1 - this.master
    // Back as a replica, never as an empty master the sentinels could take for the real one.
    // On its own port (the sentinels know it by it): tried again while a connection's local end holds that port.
    await waitFor(
      () =>
        old.launch([...this.extra.data, '--replicaof', '127.0.0.1', String(promoted.port)]).then(
          () => true,
          (error: Error) => {
            if (/Address already in use/.test(error.message)) return false
            throw error
          },
        ),
      { timeoutMs: 15_000, intervalMs: 200, what: `the old master to start again on port ${old.port}` },
    )
    await this.settled()
    return { promotedAfterMs, killed: old.port }
  }

  async dispose(): Promise<void> {
    for (const node of [...this.#starting, ...this.sentinels, ...this.data]) await node.dispose().catch(() => {})
  }
}
