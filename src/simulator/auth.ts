// Users, groups and authentication tokens (XO-level objects: they never produce notifications).
import { randomBytes } from 'node:crypto'
import type { Clock } from './clock'
import { invalidCredentials, invalidParameters, plainError } from './errors'
import type { Rng } from './rng'

export interface User {
  id: string
  email: string
  password: string
  permission: string
  groups: string[]
  preferences: Record<string, unknown>
}

export interface Group {
  id: string
  name: string
  users: string[]
}

interface Token {
  id: string
  userId: string
  expiration: number
  description?: string
  clientId?: string
}

const DAY = 86400e3
const DEFAULT_VALIDITY = 30 * DAY
const MAX_VALIDITY = 182.5 * DAY
const UNITS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  s: 1e3,
  sec: 1e3,
  second: 1e3,
  m: 60e3,
  min: 60e3,
  minute: 60e3,
  h: 3600e3,
  hour: 3600e3,
  d: DAY,
  day: DAY,
  w: 7 * DAY,
  week: 7 * DAY,
  month: 30 * DAY,
  y: 365 * DAY,
  year: 365 * DAY,
}

/** "1 day", "30 days", 3600000 -> ms (XO accepts a number of ms or a human duration). */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value !== 'string') return undefined
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+?)s?\s*$/i.exec(value)
  if (m === null) return undefined
  const unit = UNITS[m[2].toLowerCase()]
  return unit === undefined ? undefined : Number(m[1]) * unit
}

/** Public form returned by session.signIn / session.getUser / user.getAll (captured key order). */
export const publicUser = (u: User) => ({
  id: u.id,
  email: u.email,
  groups: [...u.groups],
  permission: u.permission,
  preferences: { ...u.preferences },
})

export class Auth {
  readonly users = new Map<string, User>()
  readonly groups = new Map<string, Group>()
  private readonly tokens = new Map<string, Token>()
  private readonly failures = new Map<string, number>()

  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
  ) {}

  findByEmail(email: string): User | undefined {
    for (const u of this.users.values()) if (u.email === email) return u
    return undefined
  }

  createUser(email: string, password: string, permission = 'none'): User {
    if (this.findByEmail(email) !== undefined) throw plainError(`the user ${email} already exists`)
    const user: User = { id: this.rng.uuid(), email, password, permission, groups: [], preferences: {} }
    this.users.set(user.id, user)
    return user
  }

  deleteUser(id: string): void {
    this.users.delete(id)
    for (const [k, t] of this.tokens) if (t.userId === id) this.tokens.delete(k)
    for (const g of this.groups.values()) g.users = g.users.filter((u) => u !== id)
  }

  deleteToken(id: string): void {
    this.tokens.delete(id)
  }

  createToken(
    userId: string,
    opts: { expiresIn?: unknown; description?: string; clientId?: string; unbounded?: boolean } = {},
  ): Token {
    let validity = DEFAULT_VALIDITY
    if (opts.expiresIn !== undefined) {
      const ms = parseDuration(opts.expiresIn)
      if (ms === undefined || (!opts.unbounded && ms < 60e3)) {
        throw invalidParameters([{ instancePath: '/expiresIn', message: 'invalid duration (minimum 1 minute)' }])
      }
      validity = opts.unbounded ? ms : Math.min(ms, MAX_VALIDITY)
    }
    if (opts.clientId !== undefined) {
      // XO refreshes and returns the existing token of that client
      for (const t of this.tokens.values()) {
        if (t.userId === userId && t.clientId === opts.clientId) {
          t.expiration = Date.now() + validity
          return t
        }
      }
    }
    const token: Token = {
      id: randomBytes(32).toString('base64url'),
      userId,
      expiration: Date.now() + validity,
      description: opts.description,
      clientId: opts.clientId,
    }
    this.tokens.set(token.id, token)
    return token
  }

  /** Resolves to the user and, for token sign-ins, the token expiration. Timings as captured. */
  async signIn(credentials: Record<string, unknown>): Promise<{ user: User; expiration?: number }> {
    if (typeof credentials.token === 'string') {
      await this.clock.sleep(18)
      const t = this.tokens.get(credentials.token)
      const user = t === undefined ? undefined : this.users.get(t.userId)
      if (t === undefined || user === undefined || t.expiration <= Date.now()) throw invalidCredentials()
      return { user, expiration: t.expiration }
    }
    const name = credentials.email ?? credentials.username
    if (typeof name !== 'string' || typeof credentials.password !== 'string') throw invalidCredentials()
    // XO refuses any password attempt for a name that failed less than 2 s ago (throttlingDelay).
    // It is a plain Error, hence masked as "unknown error from the peer" for the (anonymous) caller.
    const last = this.failures.get(name)
    if (last !== undefined && Date.now() - last < this.clock.scaled(2000)) {
      throw plainError('too fast authentication tries')
    }
    await this.clock.sleep(350) // password hashing
    const user = this.findByEmail(name)
    if (user === undefined || user.password !== credentials.password) {
      this.failures.set(name, Date.now())
      throw invalidCredentials()
    }
    this.failures.delete(name)
    return { user }
  }
}
