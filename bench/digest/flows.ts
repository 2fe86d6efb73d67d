/**
 * The digest scenario's flows, deployed together on one embedded Node-RED: the same XO events, once into a function
 * node that only counts them ("count"), once into an xo digest grouping them by kind and a property that spreads
 * them over the bench's groups; what the digest sends is counted by a function node after it.
 */
import type { FlowNode } from '../targets/flows'

/** functionGlobalContext key of the counters the flows' function nodes add to */
export const COUNTS_KEY = 'benchDigestCounts'
export const COUNT_NODE = 'bench-digest-count'
export const DIGEST_NODE = 'bench-digest-digest'

const TAB = 'bench0tab0digest'

/**
 * The two flows. `groupWaitS`: how long a group gathers before its first message; `digestId`: the xo digest's id (a
 * node keeps its open groups across a redeploy: each phase takes a node of its own).
 */
export function digestFlows(groupWaitS: number, digestId = DIGEST_NODE): FlowNode[] {
  const count = (what: string) => `global.get('${COUNTS_KEY}').${what}++\nreturn null`
  return [
    { id: TAB, type: 'tab', label: 'digest bench', disabled: false, info: '' },
    { id: COUNT_NODE, type: 'function', z: TAB, func: count('counted'), wires: [[]] },
    {
      id: digestId,
      type: 'xo-digest',
      z: TAB,
      name: 'bench',
      groupBy: ['kind', 'property:benchGroup'],
      groupWait: groupWaitS,
      groupInterval: 300,
      repeatInterval: 14400,
      resolve: true,
      dedup: true,
      maxItems: 20,
      silences: [],
      inhibit: false,
      wires: [['bench-digest-sent']],
    },
    {
      id: 'bench-digest-sent',
      type: 'function',
      z: TAB,
      // Each digest, and how many events it gathered: none may be lost.
      func: `const counts = global.get('${COUNTS_KEY}')\ncounts.sent++\ncounts.gathered += msg.payload.count\nreturn null`,
      wires: [[]],
    },
  ]
}
