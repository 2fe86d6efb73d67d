import type { IncomingMessage, ServerResponse } from 'node:http'
import type { NodeAPI } from 'node-red'
import { runtimeKey } from './runtime-key'
import type { HookBody } from '../hooks/delivery'
import type { CallClaim } from '../coordination/coordinator'
import { Endpoints } from '../hooks/endpoints'
import { refuse } from '../hooks/refuse'

/** Where a delivery came in: Node-RED's own HTTP endpoints, or the package's listener of an xo-server node. */
export type DeliveryPath = 'node-red' | 'listener'

/** One xo-hook node as the dispatch sees it: deliveries over HTTP, and deliveries handed over by its predecessor. */
export interface HookEndpoint {
  /** `arrived`: when the delivery came in (XO's wait runs from then) */
  receive(
    req: IncomingMessage,
    res: ServerResponse,
    secret: string | undefined,
    arrived: number,
    via: DeliveryPath,
  ): void
  /** `claim`: the predecessor's claim on emitting the call (shared store), the successor's now */
  deliver(body: HookBody, bytes: number, claim?: CallClaim): Promise<void>
}

export interface HookDispatch {
  endpoints: Endpoints<HookEndpoint>
  /** Hands a delivery for `nodeId` to its node (waiting across a redeploy), or answers 404. */
  dispatch(
    via: DeliveryPath,
    nodeId: string,
    secret: string | undefined,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void>
}

// One per Node-RED runtime: the xo-hook nodes register here, Node-RED's routes and the
// listeners of xo-server nodes dispatch here.
const dispatches = new WeakMap<object, HookDispatch>()

export function hookDispatchOf(RED: NodeAPI): HookDispatch {
  let found = dispatches.get(runtimeKey(RED))
  if (!found) {
    const endpoints = new Endpoints<HookEndpoint>()
    found = {
      endpoints,
      async dispatch(via, nodeId, secret, req, res) {
        const arrived = Date.now()
        const endpoint = endpoints.current(nodeId) ?? (await endpoints.get(nodeId))
        if (!endpoint) return refuse(req, res, 404)
        endpoint.receive(req, res, secret, arrived, via)
      },
    }
    dispatches.set(runtimeKey(RED), found)
  }
  return found
}
