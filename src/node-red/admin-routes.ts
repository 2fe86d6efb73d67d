import type { NodeAPI } from 'node-red'
import type { Request, Response } from 'express'
import { searchObjects } from '../call/search'
import { connectionOptions, type XoServerConfig, type XoServerCredentials } from './server-settings'
import type { MethodInfo, XoServerNode } from './xo-server-node'
import { runtimeOf } from './runtime'
import { XoConnection, type XoConnectionState } from '../xo/connection'
import type { XoObject } from '../xo/object-store'
import { parseXoUrl } from '../xo/url'

/** A method as the editor's pickers need it: small, with the description XO gives. */
export interface MethodChoice {
  name: string
  description?: string
  /** "admin" when only admins may call it */
  permission?: string | null
}

/** What the editor can ask of an XO. */
interface Lookup {
  methods(): Promise<Record<string, MethodInfo>>
  objects(type: string): Promise<Iterable<XoObject>>
}

const SEARCH_LIMIT = 50
const LOOKUP_TIMEOUT_MS = 10_000

/**
 * Editor look-ups, behind Node-RED's admin authentication with the package's own permissions: from a deployed
 * `xo-server` node's live connection (GET), or from the editor's unsaved values of one not deployed yet (POST,
 * a short-lived connection).
 */
export function registerServerRoutes(RED: NodeAPI): void {
  const read = RED.auth.needsPermission('xo-server.read')
  const write = RED.auth.needsPermission('xo-server.write')

  // The listener's health and metrics, also on Node-RED's admin API (behind its permissions).
  RED.httpAdmin.get(
    '/xo/healthz',
    read,
    (_req: Request, res: Response) => void res.set('Cache-Control', 'no-store').json(runtimeOf(RED).health()),
  )
  RED.httpAdmin.get('/xo/metrics', read, async (_req: Request, res: Response) => {
    const { contentType, body } = await runtimeOf(RED).metrics.text()
    res.set('Content-Type', contentType).set('Cache-Control', 'no-store').send(body)
  })

  const deployed = (req: Request, res: Response): Lookup | undefined => {
    const server = RED.nodes.getNode(String(req.params.id)) as XoServerNode | null
    if (server?.type !== 'xo-server') {
      return void res.status(404).json({ error: 'deploy the XO server configuration first' })
    }
    const connection = server.connection
    if (!connection?.isConnected) {
      return void res
        .status(503)
        .json({ error: `not connected to XO (${server.configError ?? connection?.state.status})` })
    }
    return {
      methods: () => server.methods(),
      objects: async (type) => {
        const store = server.objectStore()
        return store?.loaded && store.keeps(type) ? store.values() : fetchObjects(connection, type)
      },
    }
  }

  const answer = async (res: Response, lookup: Lookup | undefined, what: (lookup: Lookup) => Promise<unknown>) => {
    if (!lookup) return
    try {
      res.json(await what(lookup))
    } catch (error) {
      if (!res.headersSent) res.status(502).json({ error: (error as Error).message })
    }
  }

  const methods = async (lookup: Lookup) => ({
    methods: Object.entries(await lookup.methods())
      .map(
        ([name, info]): MethodChoice => ({ name, description: info.description, permission: info.permission ?? null }),
      )
      .sort((a, b) => a.name.localeCompare(b.name)),
  })
  const method = (name: string) => async (lookup: Lookup) => {
    const info = (await lookup.methods())[name]
    if (!info) throw new Error(`no method ${name} in this XO`)
    return { name, ...info }
  }
  const objects = (type: string, query: string) => async (lookup: Lookup) => {
    // The pools name the objects; both may come from the same store, hence one map by id.
    const byId = new Map<string, XoObject>()
    for (const source of [await lookup.objects(type), type === 'pool' ? [] : await lookup.objects('pool')]) {
      for (const object of source) byId.set(object.id, object)
    }
    return { objects: searchObjects(byId.values(), type, query, SEARCH_LIMIT, (id) => byId.get(id)) }
  }

  RED.httpAdmin.get(
    '/xo-server/:id/methods',
    read,
    (req: Request, res: Response) => void answer(res, deployed(req, res), methods),
  )
  RED.httpAdmin.get(
    '/xo-server/:id/methods/:name',
    read,
    (req: Request, res: Response) => void answer(res, deployed(req, res), method(String(req.params.name))),
  )
  RED.httpAdmin.get(
    '/xo-server/:id/objects',
    read,
    (req: Request, res: Response) =>
      void answer(res, deployed(req, res), objects(String(req.query.type ?? 'VM'), String(req.query.q ?? ''))),
  )

  /**
   * The stored credentials of the deployed xo-server node the editor names, only when the look-up goes to that
   * node's own XO: a caller must not have a stored token or password sent to a URL of its choosing.
   */
  const storedCredentialsFor = (body: XoServerConfig & { id?: string }): XoServerCredentials | undefined => {
    if (!body.id) return undefined
    const server = RED.nodes.getNode(body.id) as XoServerNode | null
    const own = server?.type === 'xo-server' ? server.connection?.endpoint.wsUrl : undefined
    let asked: string | undefined
    try {
      asked = parseXoUrl(body.url ?? '').wsUrl
    } catch {
      return undefined
    }
    return own !== undefined && own === asked
      ? (RED.nodes.getCredentials(body.id) as XoServerCredentials | undefined)
      : undefined
  }

  // A configuration not deployed yet: the editor sends its unsaved values; unchanged secrets come from the
  // stored credentials (the editor only ever holds Node-RED's placeholder for them).
  RED.httpAdmin.post('/xo-server/lookup/:what', write, async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as XoServerConfig &
      XoServerCredentials & { id?: string; type?: string; q?: string; name?: string }
    const stored = storedCredentialsFor(body)
    const secret = (key: 'token' | 'password') => (body[key] === '__PWRD__' ? stored?.[key] : body[key])
    const options = connectionOptions(body, {
      token: secret('token'),
      email: body.email ?? stored?.email,
      password: secret('password'),
    })
    if ('error' in options) return void res.status(400).json({ error: options.error })
    const connection = new XoConnection({ ...options, heartbeatMs: 0, backoff: { initialMs: 60_000, maxMs: 60_000 } })
    try {
      connection.start()
      const state = await firstOutcome(connection, LOOKUP_TIMEOUT_MS)
      if (state.status !== 'connected') {
        return void res
          .status(502)
          .json({ error: 'reason' in state ? state.reason : `could not connect (${state.status})` })
      }
      const lookup: Lookup = {
        methods: () => connection.call('system.getMethodsInfo', {}),
        objects: (type) => fetchObjects(connection, type),
      }
      const what = String(req.params.what)
      if (what === 'methods') await answer(res, lookup, body.name ? method(body.name) : methods)
      else if (what === 'objects') await answer(res, lookup, objects(body.type ?? 'VM', body.q ?? ''))
      else res.status(404).json({ error: `no look-up ${what}` })
    } finally {
      await connection.stop()
    }
  })
}

/** The connection's state once its first attempt is over: connected, refused or failed (or still trying at the timeout). */
function firstOutcome(connection: XoConnection, timeoutMs: number): Promise<XoConnectionState> {
  const over = (state: XoConnectionState) =>
    state.status === 'connected' || state.status === 'auth-failed' || state.status === 'unreachable'
  if (over(connection.state)) return Promise.resolve(connection.state)
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer)
      connection.off('state', onState)
      resolve(connection.state)
    }
    const onState = (state: XoConnectionState) => over(state) && finish()
    const timer = setTimeout(finish, timeoutMs)
    connection.on('state', onState)
  })
}

async function fetchObjects(connection: XoConnection, type: string): Promise<XoObject[]> {
  const map = await connection.call<Record<string, XoObject>>('xo.getAllObjects', { filter: { type } })
  return Object.values(map)
}
