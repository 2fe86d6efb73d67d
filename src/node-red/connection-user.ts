import type { Node } from 'node-red'
import type { XoConnectedInfo, XoConnection, XoConnectionState, XoObjectsNotification } from '../xo/connection'
import { coalesced, connectionStatus, type StatusSpec, type Translate } from '../common/status'

export interface ConnectionHandlers {
  /** signed in; `resumed` is true after a reconnection, when derived state must be resynchronised */
  connected?: (info: XoConnectedInfo) => void
  disconnected?: (reason: string) => void
  notification?: (notification: XoObjectsNotification) => void
  state?: (state: XoConnectionState) => void
  /** adjusts the status shown for a state (e.g. to add the node's own counters) */
  status?: (spec: StatusSpec, state: XoConnectionState) => StatusSpec
}

export interface ConnectionUse {
  /** removes every listener this use added (call it from the node's `close`) */
  close(): void
  /** shows the status again, after the node's own figures changed */
  refreshStatus(): void
}

/**
 * Lets a node use a shared connection: starts it if needed, mirrors its state in the node's status, and routes
 * its events to the node's handlers. Returns the function that removes every listener it added, for `close`.
 * A handler that throws is reported on its node and never reaches the connection or the other nodes.
 */
export function useConnection(
  connection: XoConnection,
  node: Node,
  t: Translate,
  handlers: ConnectionHandlers = {},
): ConnectionUse {
  const guard = <A extends unknown[]>(name: string, fn: ((...args: A) => void) | undefined) =>
    fn &&
    ((...args: A) => {
      try {
        fn(...args)
      } catch (error) {
        node.error(`${name} handler failed: ${(error as Error).message}`)
      }
    })

  const show = (state: XoConnectionState) => {
    const spec = connectionStatus(state, t)
    node.status(handlers.status ? handlers.status(spec, state) : spec)
  }
  const onState = (state: XoConnectionState) => {
    show(state)
    handlers.state?.(state)
  }
  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's own listener type, each handler typed where it is made
  const listeners: Array<[string, (...args: any[]) => void]> = [['state', guard('state', onState)!]]
  const connected = guard('connected', handlers.connected)
  const disconnected = guard('disconnected', handlers.disconnected)
  const notification = guard('notification', handlers.notification)
  if (connected) listeners.push(['connected', connected])
  if (disconnected) listeners.push(['disconnected', disconnected])
  if (notification) listeners.push(['notification', notification])

  const emitter = connection as unknown as NodeJS.EventEmitter
  for (const [event, listener] of listeners) emitter.on(event, listener)
  show(connection.state)
  connection.start()
  // A node deployed after the connection came up still needs its first "connected".
  const state = connection.state
  if (state.status === 'connected' && connected) {
    setImmediate(() => {
      if (connection.state === state)
        connected({ user: state.user, serverVersion: state.serverVersion, resumed: false })
    })
  }
  // A node's own figures change with every message: showing them is coalesced to a few times a second.
  const refresh = coalesced(() => show(connection.state))
  return {
    close: () => {
      refresh.close()
      for (const [event, listener] of listeners) emitter.off(event, listener)
    },
    refreshStatus: refresh.run,
  }
}
