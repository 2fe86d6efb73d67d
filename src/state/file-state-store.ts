import { createHash, randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { KeyedQueue, type StateStore, type Stored } from './state-store'

/** What marks a file as this package's: anything else in the folder is foreign and never read as state. */
const FORMAT = 'node-red-xen-orchestra/state@1'

interface Envelope {
  format: typeof FORMAT
  key: string
  version: number
  savedAt: string
  value: unknown
}

/**
 * One JSON file per key in `dir` (made on first write, readable by the owner only). A write goes to a temporary file
 * that is flushed to disk and then renamed over the old one, so a crash leaves the old state or the new one, never a
 * torn file. A corrupt or foreign file reads as absent, with one warning, and is replaced by the next write.
 */
export class FileStateStore implements StateStore {
  readonly #queue = new KeyedQueue()
  readonly #warned = new Set<string>()
  /**
   * The version of each key this store last read or wrote: an unconditional write goes on from it without reading
   * the file again (one process writes a folder; compare-and-set still reads what is on disk).
   */
  readonly #versions = new Map<string, number>()
  /** the folder was made (or found) by a write: the next ones skip asking for it, unless it went away */
  #dirReady = false

  constructor(
    readonly dir: string,
    private readonly warn: (message: string) => void = () => {},
  ) {}

  /** The file of `key`: readable, and distinct for keys that read the same once made safe for a file name. */
  fileOf(key: string): string {
    const readable = key.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80)
    const digest = createHash('sha256').update(key).digest('hex').slice(0, 12)
    return path.join(this.dir, `${readable}-${digest}.json`)
  }

  read<T>(key: string): Promise<Stored<T> | undefined> {
    return this.#queue.run(key, () => this.#read<T>(key))
  }

  write<T>(key: string, value: T): Promise<number> {
    return this.#queue.run(key, async () => {
      const known = this.#versions.get(key) ?? (await this.#read(key))?.version ?? 0
      return this.#write(key, value, known + 1)
    })
  }

  compareAndSet<T>(key: string, expected: number | undefined, value: T): Promise<number | undefined> {
    return this.#queue.run(key, async () => {
      const current = await this.#read(key)
      if (current?.version !== expected) return undefined
      return this.#write(key, value, (expected ?? 0) + 1)
    })
  }

  delete(key: string): Promise<void> {
    return this.#queue.run(key, () => {
      this.#versions.delete(key)
      return fs.rm(this.fileOf(key), { force: true })
    })
  }

  async #read<T>(key: string): Promise<Stored<T> | undefined> {
    const file = this.fileOf(key)
    // Known again only if the file holds this package's state for it.
    this.#versions.delete(key)
    let text: string
    try {
      text = await fs.readFile(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      this.#warnOnce(`cannot read ${file}: ${(error as Error).message}; starting without it`)
      return undefined
    }
    let envelope: Partial<Envelope>
    try {
      envelope = JSON.parse(text) as Partial<Envelope>
    } catch {
      this.#warnOnce(`${file} is not valid JSON (ignored; the next save replaces it)`)
      return undefined
    }
    if (
      envelope?.format !== FORMAT ||
      envelope.key !== key ||
      !Number.isInteger(envelope.version) ||
      !('value' in envelope)
    ) {
      this.#warnOnce(`${file} is not this package's state for "${key}" (ignored; the next save replaces it)`)
      return undefined
    }
    this.#forget(file)
    this.#versions.set(key, envelope.version!)
    return { value: envelope.value as T, version: envelope.version! }
  }

  async #write(key: string, value: unknown, version: number): Promise<number> {
    const file = this.fileOf(key)
    const envelope: Envelope = { format: FORMAT, key, version, savedAt: new Date().toISOString(), value }
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
    const handle = await this.#create(temporary)
    try {
      await handle.writeFile(JSON.stringify(envelope))
      await handle.sync()
    } finally {
      await handle.close()
    }
    try {
      await fs.rename(temporary, file)
    } catch (error) {
      await fs.rm(temporary, { force: true })
      throw error
    }
    this.#forget(file)
    this.#versions.set(key, version)
    return version
  }

  /** A new file in the folder, made first if need be (and again if it was removed meanwhile). */
  async #create(file: string): Promise<fs.FileHandle> {
    if (this.#dirReady) {
      try {
        return await fs.open(file, 'w', 0o600)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
    }
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 })
    this.#dirReady = true
    return fs.open(file, 'w', 0o600)
  }

  /** Each problem of a file is said once, until the file is fine again. */
  #warnOnce(message: string): void {
    if (this.#warned.has(message)) return
    this.#warned.add(message)
    this.warn(message)
  }

  #forget(file: string): void {
    for (const message of this.#warned) if (message.includes(file)) this.#warned.delete(message)
  }
}
