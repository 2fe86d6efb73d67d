/**
 * The flows deployed on the embedded Node-RED, one at a time: target (b), Node-RED's own HTTP path, and
 * target (c), this package's xo-hook node, wired to a function node that only counts what comes out (so the
 * bench knows the flow really ran, and how far behind the acknowledgements it was).
 */

export interface FlowNode {
  id: string
  type: string
  [key: string]: unknown
}

export const CORE_PATH = '/bench/core'
export const HOOK_NODE_ID = 'b3c4f1a2d5e60001'
export const SERVER_NODE_ID = 'b3c4f1a2d5e60002'
export const HOOK_SECRET = 'bench-secret-0123456789abcdef'
/** functionGlobalContext key of the counter that the counting function node increments */
export const COUNTER_KEY = 'benchFlowCounter'

const TAB = { id: 'b3c4f1a2d5e60000', type: 'tab', label: 'hook-ingest bench', disabled: false, info: '' }

/** (b): the core `http in` (POST) → `http response` pair, as a user would build a receiver without this package. */
export function coreFlow(): FlowNode[] {
  return [
    TAB,
    {
      id: 'b3c4f1a2d5e60010',
      type: 'http in',
      z: TAB.id,
      name: '',
      url: CORE_PATH,
      method: 'post',
      upload: false,
      swaggerDoc: '',
      wires: [['b3c4f1a2d5e60011']],
    },
    // Node-RED's own answer: the parsed payload goes back as JSON with a 200, like in the architecture anchors.
    { id: 'b3c4f1a2d5e60011', type: 'http response', z: TAB.id, name: '', statusCode: '', headers: {}, wires: [] },
  ]
}

/**
 * (c): xo-hook on `vm.*`, both phases, not registering in XO (the bench is XO), enrichment on or off; (d) the same
 * receiving on the package's own listener at `listenPort` instead of Node-RED's endpoints; (e) that one sharing the
 * Redis at `redisUrl` with catch-up on (each pre handed over, each post claimed across instances).
 */
export function hookFlow(xoUrl: string, enrich: boolean, listenPort?: number, redisUrl?: string): FlowNode[] {
  const listener = listenPort ? { receiveOn: 'listener', listenHost: '127.0.0.1', listenPort } : {}
  const shared = redisUrl ? { redisUrl } : {}
  return [
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
      ...listener,
      ...shared,
    },
    {
      id: HOOK_NODE_ID,
      type: 'xo-hook',
      z: TAB.id,
      name: 'bench',
      server: SERVER_NODE_ID,
      methods: ['vm.*'],
      phase: 'both',
      register: false,
      enrich,
      enrichWait: 5,
      gate: false,
      gateTimeout: 8,
      maxBody: 16,
      allowFrom: '',
      ...(redisUrl ? { catchUp: true } : {}),
      wires: [['b3c4f1a2d5e60021'], ['b3c4f1a2d5e60021']],
    },
    {
      id: 'b3c4f1a2d5e60021',
      type: 'function',
      z: TAB.id,
      name: 'count',
      func: `global.get('${COUNTER_KEY}').n++\nreturn null`,
      outputs: 1,
      timeout: 0,
      noerr: 0,
      initialize: '',
      finalize: '',
      libs: [],
      wires: [[]],
    },
  ]
}

export function hookPath(): string {
  return `/xo-hook/${HOOK_NODE_ID}/${HOOK_SECRET}`
}
