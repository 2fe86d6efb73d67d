import type { Node } from 'node-red'
import type { XoConnection } from '../xo/connection'
import { type ConnectionHandlers, type ConnectionUse, useConnection } from './connection-user'
import type { Translate } from '../common/status'

/**
 * `use(node, handlers)` of a config node: its connection shared with `node`, whose status follows it; without one
 * (misconfigured, or closed), the status says what is wrong with the configuration.
 */
export function connectionUser(
  connection: () => XoConnection | undefined,
  configError: string | undefined,
  t: Translate,
) {
  return (node: Node, handlers?: ConnectionHandlers): ConnectionUse => {
    const current = connection()
    if (current) return useConnection(current, node, t, handlers)
    const show = () =>
      node.status({ fill: 'red', shape: 'ring', text: t('status.misconfigured', { reason: configError ?? '' }) })
    show()
    return { close: () => {}, refreshStatus: show }
  }
}
