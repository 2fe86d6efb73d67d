/**
 * The object-stream scenario's flow: one xo-server connected to the simulator and three xo-events nodes a user
 * would plausibly deploy together, each wired to a function node that only hands the message to the bench's
 * probe (a count, and the time it came out for the lag).
 */
import { DEFAULT_IGNORE } from '../../src/events/selection'
import type { FlowNode } from '../targets/flows'
import { SERVER_NODE_ID } from '../targets/flows'

/** functionGlobalContext key of the probe the counting function nodes call */
export const PROBE_KEY = 'benchObjectStream'

export interface Probe {
  seen(msg: { payload?: { object?: object } }, node: number): void
}

const TAB = { id: 'b3c4f1a2d5e70000', type: 'tab', label: 'object-stream bench', disabled: false, info: '' }
const NO_FILTER = { mode: 'exact', value: '' }

/** What each xo-events node selects (the editor's fields), in the order of the probe's node numbers. */
export const EVENT_NODES = [
  {
    name: 'VM power and migrations',
    types: ['VM'],
    events: ['started', 'stopped', 'suspended', 'paused', 'resumed', 'migrated'],
  },
  { name: 'hosts up, down, in and out of maintenance', types: ['host'], events: ['up', 'down', 'enabled', 'disabled'] },
  {
    name: 'web and db VMs updated',
    types: ['VM'],
    events: ['updated'],
    nameFilter: { mode: 'glob', value: 'web-*, db-*' },
  },
] as const

/** The object types the xo-server's store keeps for these nodes: theirs, plus pools and hosts (for names). */
export const KEPT_TYPES = ['VM', 'host', 'pool']

export function objectStreamFlow(xoUrl: string, redisUrl?: string): FlowNode[] {
  const flow: FlowNode[] = [
    TAB,
    {
      id: SERVER_NODE_ID,
      type: 'xo-server',
      name: 'simulator',
      url: xoUrl,
      authMethod: 'token',
      ca: '',
      allowSelfSigned: false,
      hookBaseUrl: '',
      ...(redisUrl ? { redisUrl } : {}),
    },
  ]
  EVENT_NODES.forEach((spec, i) => {
    const counter = `b3c4f1a2d5e7002${i}`
    flow.push(
      {
        id: `b3c4f1a2d5e7001${i}`,
        type: 'xo-events',
        z: TAB.id,
        name: spec.name,
        server: SERVER_NODE_ID,
        types: [...spec.types],
        events: [...spec.events],
        nameFilter: 'nameFilter' in spec ? spec.nameFilter : NO_FILTER,
        tagFilter: NO_FILTER,
        poolFilter: NO_FILTER,
        idFilter: NO_FILTER,
        ignore: DEFAULT_IGNORE.join(', '),
        initial: false,
        wires: [[counter]],
      },
      {
        id: counter,
        type: 'function',
        z: TAB.id,
        name: 'count',
        func: `global.get('${PROBE_KEY}').seen(msg, ${i})\nreturn null`,
        outputs: 1,
        timeout: 0,
        noerr: 0,
        initialize: '',
        finalize: '',
        libs: [],
        wires: [[]],
      },
    )
  })
  return flow
}
