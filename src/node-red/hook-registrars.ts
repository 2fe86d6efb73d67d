import type { EventEmitter } from 'node:events'
import { HookRegistrar, type RegistrarLink } from '../hooks/registrar'
import { XoConnection, type XoConnectionOptions } from '../xo/connection'

/** A config node's part in keeping XO's hook entries in line. */
export interface ServerHooks {
  registrar: HookRegistrar
  /**
   * The config node closes. Removals queued by the xo-hook nodes closing with it go through its connection
   * first; a removed config node takes its prefix's entries along. Resolves when the connection may stop.
   */
  close(removed: boolean): Promise<void>
}

export interface ServerHooksOptions {
  /** the config node's id: a successor pointing elsewhere cleans up after it */
  id: string
  connection: XoConnection
  options: XoConnectionOptions
  prefix: string | undefined
  catalogue: () => Promise<string[]>
  /** the lock shared with another Node-RED running the same flows, if any */
  lock?: RegistrarLink['lock']
}

/** How long a closing config node waits for removals (Node-RED allows 15 s for a close). */
const CLOSE_WRITE_MS = 5000
/** How long a left-behind XO is tried for, to take this Node-RED's entries out of it. */
const RETIRE_MS = 60_000

/**
 * One web-hooks registrar per XO (by its API URL) for the config nodes of one Node-RED, told when the flows of
 * a deploy have started: only then is the set of deployed xo-hook nodes complete. Node-RED's runtime events are
 * listened to only while some config node uses a registrar.
 *
 * A config node redeployed with another XO or another Node-RED URL leaves entries behind that no node owns any
 * more: they are removed, through its new connection (same XO), or through a short-lived connection with its
 * former settings (another XO).
 */
export function hookRegistrars(events: EventEmitter, warn: (message: string) => void) {
  const registrars = new Map<string, HookRegistrar>()
  const predecessors = new Map<string, { xo: string; prefix: string; options: XoConnectionOptions }>()
  let users = 0
  const started = () => registrars.forEach((registrar) => registrar.flowsStarted())
  const stopping = () => registrars.forEach((registrar) => registrar.flowsStopping())

  const take = (xo: string) => {
    if (users++ === 0) {
      events.on('flows:started', started)
      events.on('flows:stopping', stopping)
    }
    let registrar = registrars.get(xo)
    if (!registrar) registrars.set(xo, (registrar = new HookRegistrar()))
    const used = registrar
    return {
      registrar: used,
      give: () => {
        if (--users === 0) {
          events.off('flows:started', started)
          events.off('flows:stopping', stopping)
        }
        if (used.unused && registrars.get(xo) === used) registrars.delete(xo)
      },
    }
  }

  /** Takes this Node-RED's entries under `prefix` out of an XO no config node reaches any more. */
  const retire = async (former: { xo: string; prefix: string; options: XoConnectionOptions }) => {
    // The simulated XO forgets everything once nobody uses it: nothing to take out.
    if (former.options.locate) return
    const connection = new XoConnection({ ...former.options, heartbeatMs: 0 })
    const { registrar, give } = take(former.xo)
    const detach = registrar.attach({ connection, prefix: former.prefix, catalogue: async () => [] })
    connection.start()
    let timer: NodeJS.Timeout | undefined
    const removed = await Promise.race([
      registrar.removePrefix(former.prefix).then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), RETIRE_MS))),
    ])
    clearTimeout(timer)
    if (!removed) {
      const state = connection.state
      warn(
        `could not remove this Node-RED's hooks from ${former.xo} (${'reason' in state ? state.reason : state.status})`,
      )
    }
    detach()
    give()
    await connection.stop()
  }

  /** A config node's use of the registrar of its XO; `undefined` options: the config node cannot connect. */
  return (server: ServerHooksOptions | { id: string }): ServerHooks | undefined => {
    const former = predecessors.get(server.id)
    predecessors.delete(server.id)
    const now = 'connection' in server ? { xo: server.connection.endpoint.wsUrl, prefix: server.prefix } : undefined
    if (former && now?.xo !== former.xo) void retire(former)
    if (!('connection' in server)) return undefined
    const { registrar, give } = take(server.connection.endpoint.wsUrl)
    const link: RegistrarLink = {
      connection: server.connection,
      prefix: server.prefix,
      catalogue: server.catalogue,
      lock: server.lock,
    }
    const detach = registrar.attach(link)
    // The previous prefix on the same XO goes through this new link (it knows the prefix only from there).
    if (former && now?.xo === former.xo && now.prefix !== former.prefix) void registrar.removePrefix(former.prefix)
    return {
      registrar,
      close: async (removed) => {
        // The xo-hook nodes of this deploy close in the same tick: let them queue their removals first.
        await new Promise((resolve) => setImmediate(resolve))
        if (removed && server.prefix) void registrar.removePrefix(server.prefix)
        else if (server.prefix)
          predecessors.set(server.id, {
            xo: server.connection.endpoint.wsUrl,
            prefix: server.prefix,
            options: server.options,
          })
        await registrar.idle(CLOSE_WRITE_MS)
        detach()
        give()
      },
    }
  }
}
