/**
 * The outbox scenario's flows, deployed together on one embedded Node-RED: the same destination request (a function
 * node standing for a destination node) → core http request → xo outcome, once as is ("plain") and once through an
 * xo outbox per storage variant; each delivered request ends in a function node that tells the bench.
 */
import type { FlowNode } from '../targets/flows'

/** functionGlobalContext key of the object whose `done(key)` the flows call once a request is delivered */
export const DONE_KEY = 'benchOutboxDone'

/**
 * Where an outbox keeps its requests: the xo-outbox node's settings for each. The package's file state store (under
 * Node-RED's user directory) is the default; a Redis storage comes in here as a variant of its own, its xo-outbox
 * node given a `server` (an xo-server config node with a shared Redis, added by `configNodes`).
 */
export interface OutboxStorageVariant {
  outbox: Record<string, unknown>
  configNodes?: FlowNode[]
}

export const STORAGES: Record<string, (context: { redisUrl?: string }) => OutboxStorageVariant | undefined> = {
  file: () => ({ outbox: {} }),
  // The outbox of an xo-server sharing a Redis (the simulated XO: nothing else of the server is used here).
  redis: ({ redisUrl }) =>
    redisUrl
      ? {
          outbox: { server: 'bench0outbox0xo' },
          configNodes: [{ id: 'bench0outbox0xo', type: 'xo-server', name: 'bench', source: 'simulated', redisUrl }],
        }
      : undefined,
}

const TAB = 'bench0tab0outbox'

/** The node that takes the variant's requests (`receive({ payload: n })`). */
export const startOf = (variant: string) => `bench-${variant}-make`

/** The flows of `variants` ("plain" without an outbox, else a storage name), all posting to `sinkUrl`. */
export function outboxFlows(sinkUrl: string, variants: Record<string, OutboxStorageVariant | undefined>): FlowNode[] {
  const nodes: FlowNode[] = [{ id: TAB, type: 'tab', label: 'outbox bench', disabled: false, info: '' }]
  for (const [variant, storage] of Object.entries(variants)) {
    const id = (part: string) => `bench-${variant}-${part}`
    const withOutbox = storage !== undefined
    nodes.push(
      {
        id: startOf(variant),
        type: 'function',
        z: TAB,
        // What a destination node hands on: the request, its destination and its event's summary.
        func: `msg.url = ${JSON.stringify(`${sinkUrl}/hook/${variant}`)}; msg.method = 'POST'; msg.headers = { 'content-type': 'application/json' }; msg.payload = { n: msg.payload, text: 'VM web-01 started on host-3 by admin@admin.net' }; msg.xoSummary = { id: ${JSON.stringify(variant)} + '-' + msg.payload.n, kind: 'vm.start', title: 'VM started', ok: true }; msg.xoDestination = 'generic'; return msg`,
        wires: [[withOutbox ? id('outbox') : id('http')]],
      },
      { id: id('http'), type: 'http request', z: TAB, method: 'use', ret: 'txt', wires: [[id('outcome')]] },
      {
        id: id('outcome'),
        type: 'xo-outcome',
        z: TAB,
        maxAttempts: 5,
        maxDelay: 1,
        wires: withOutbox ? [[id('outbox')], [id('outbox')], [id('outbox')]] : [[id('done')], [], [id('done')]],
      },
      {
        id: id('done'),
        type: 'function',
        z: TAB,
        func: `global.get('${DONE_KEY}').done(msg.xoSummary.id, msg.statusCode)\nreturn null`,
        wires: [[]],
      },
    )
    if (withOutbox) {
      nodes.push({
        id: id('outbox'),
        type: 'xo-outbox',
        z: TAB,
        ...storage.outbox,
        wires: [[id('http')], [id('done')]],
      })
      nodes.push(...(storage.configNodes ?? []))
    }
  }
  return nodes
}
