// session.*, user.*, group.*, token.*, system.*, xo.* handlers.
import type { Core, Handler } from '../core'
import { publicUser } from '../auth'
import { METHODS_INFO } from '../data/method-catalogue'
import { invalidParameters, noSuchObject } from '../errors'
import { makeFilter } from '../matcher'
import type { XoObject } from '../shapes'

function getUser(core: Core, id: unknown) {
  const user = typeof id === 'string' ? core.auth.users.get(id) : undefined
  if (user === undefined) throw noSuchObject(id, 'user')
  return user
}

export const sessionMethods: Record<string, Handler> = {
  'session.signIn': async (core, session, p) => {
    const { user, expiration } = await core.auth.signIn(p)
    session.user = user
    session.expiration = expiration
    session.onUserChange?.()
    return publicUser(user)
  },
  'session.getUser': (_core, session) => (session.user === undefined ? null : publicUser(session.user)),
  'session.signOut': (_core, session) => {
    session.user = undefined
    session.expiration = undefined
    session.onUserChange?.()
  },

  'system.getMethodsInfo': (core) =>
    core.audit.loaded === true
      ? METHODS_INFO
      : Object.fromEntries(Object.entries(METHODS_INFO).filter(([name]) => core.hasMethod(name))),
  'system.listMethods': (core) => Object.keys(METHODS_INFO).filter((name) => core.hasMethod(name)),
  'system.getServerVersion': () => '5.207.2',
  'system.getVersion': () => '0.1',
  'system.methodSignature': (core, _s, p) => {
    const info = core.hasMethod(p.method) ? METHODS_INFO[p.method] : undefined
    if (info === undefined) throw noSuchObject(p.method, 'method')
    return [{ name: p.method, description: info.description, params: info.params, permission: info.permission }]
  },

  'xo.getAllObjects': (core, _s, p) => {
    const match = makeFilter(p.filter)
    const limit = typeof p.limit === 'number' ? p.limit : Infinity
    const picked: XoObject[] = []
    for (const obj of core.store.objects.values()) {
      if (picked.length >= limit) break
      if (match(obj)) picked.push(obj)
    }
    if (p.ndjson === true) {
      const $getFrom = core.registerDownload({
        contentType: 'application/x-ndjson',
        chunks: function* () {
          for (const obj of picked) yield `${JSON.stringify(obj)}\n`
        },
        token: 'hex',
      })
      return { $getFrom }
    }
    const out: Record<string, unknown> = {}
    for (const obj of picked) out[obj.id] = obj
    return out
  },

  'user.create': async (core, _s, p) => {
    const exists = core.auth.findByEmail(p.email) !== undefined
    await core.xapi.step(exists ? 280 : 580) // password hashing (captured A1/A2)
    return core.auth.createUser(p.email, p.password, p.permission ?? 'none').id
  },
  'user.delete': async (core, session, p) => {
    const user = getUser(core, p.id)
    if (user.id === session.user?.id) throw invalidParameters([{ message: 'a user cannot delete itself' }])
    await core.xapi.step(10)
    core.auth.deleteUser(user.id)
    core.emit('userDeleted', user.id) // closes that user's connections
  },
  'user.getAll': (core) => [...core.auth.users.values()].map(publicUser),
  'user.set': async (core, session, p) => {
    const user = getUser(core, p.id)
    if (session.user?.permission !== 'admin' && (p.email ?? p.password ?? p.permission) !== undefined) {
      throw invalidParameters([{ message: 'non-admins may only change preferences' }])
    }
    if (p.email !== undefined) user.email = p.email
    if (p.password !== undefined) user.password = p.password
    if (p.permission !== undefined) user.permission = p.permission
    if (p.preferences !== undefined) user.preferences = { ...user.preferences, ...p.preferences }
  },

  'group.create': async (core, _s, p) => {
    await core.xapi.step(20)
    const id = core.rng.uuid()
    core.auth.groups.set(id, { id, name: p.name, users: [] })
    return id
  },
  'group.delete': (core, _s, p) => {
    if (!core.auth.groups.delete(p.id)) throw noSuchObject(p.id, 'group')
    for (const u of core.auth.users.values()) u.groups = u.groups.filter((g) => g !== p.id)
  },
  'group.getAll': (core) =>
    [...core.auth.groups.values()].map((g) => ({ id: g.id, name: g.name, users: [...g.users] })),
  'group.addUser': (core, _s, p) => {
    const group = core.auth.groups.get(p.id)
    if (group === undefined) throw noSuchObject(p.id, 'group')
    const user = getUser(core, p.userId)
    if (!group.users.includes(user.id)) group.users.push(user.id)
    if (!user.groups.includes(group.id)) user.groups.push(group.id)
  },

  'token.create': async (core, session, p) => {
    await core.xapi.step(9)
    return core.auth.createToken(session.user!.id, {
      expiresIn: p.expiresIn,
      description: p.description,
      clientId: p.client?.id,
    }).id
  },
  'token.delete': async (core, _s, p) => {
    await core.xapi.step(9)
    for (const id of Array.isArray(p.tokens) ? p.tokens : []) core.auth.deleteToken(id)
  },
}
