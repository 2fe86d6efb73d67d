import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { XoSimulator } from '../../src/simulator'
import { waitFor } from '../support/node-red'
import { StockNodeRed, type DeploymentType } from '../support/stock-node-red'

interface Entry {
  method: string
  type: string
  url: string
  format: string
  waitForResponse?: boolean
}
type FlowNode = Record<string, unknown> & { id: string; type: string }

// Entries this Node-RED does not own: another tool's, and another Node-RED's running the same flow (same node id).
const FOREIGN: Entry[] = [
  { method: 'vm.start', type: 'pre', url: 'https://chat.example.net/xo', format: 'json' },
  { method: 'vm.stop', type: 'post', url: 'http://other-node-red.example.net:1880/xo-hook/h1/s3cret', format: 'json' },
]

/** A tiny deterministic generator, so that a failing sequence can be replayed from its seed. */
function random(seed: number) {
  let state = seed >>> 0
  const next = () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32
  return { next, pick: <T>(items: T[]): T => items[Math.floor(next() * items.length)] }
}

describe('hook entries in XO follow the deployed nodes (stock node-red, deployed as the editor does)', function () {
  this.timeout(180_000)
  let sim: XoSimulator
  let red: StockNodeRed
  let token: string
  let configures = 0

  const server = (): FlowNode => ({
    id: 'xo',
    type: 'xo-server',
    url: sim.url,
    authMethod: 'token',
    hookBaseUrl: red.url,
    credentials: { token },
  })
  const tab = (id: string, disabled = false): FlowNode => ({ id, type: 'tab', label: id, disabled })
  const hook = (id: string, z: string, methods: string[], extra: Record<string, unknown> = {}): FlowNode => ({
    id,
    type: 'xo-hook',
    z,
    server: 'xo',
    methods,
    phase: 'both',
    wires: [[], []],
    ...extra,
  })

  /** What XO should hold of this Node-RED's: one entry per method of every deployed, enabled, registering hook. */
  function expected(flow: FlowNode[], base = red.url): string[] {
    const disabledTabs = new Set(flow.filter((n) => n.type === 'tab' && n.disabled).map((n) => n.id))
    return flow
      .filter((n) => n.type === 'xo-hook' && !n.d && !disabledTabs.has(n.z as string) && n.register !== false)
      .flatMap((n) =>
        (n.methods as string[]).map((m) => `${base}/xo-hook/${n.id} ${m} ${n.gate ? 'pre/post+wait' : 'pre/post'}`),
      )
      .sort()
  }

  async function entries(): Promise<Entry[]> {
    const plugins = (await sim.invoke('plugin.get', {})) as Array<{ id: string; configuration?: { hooks?: Entry[] } }>
    return plugins.find((p) => p.id === 'web-hooks')?.configuration?.hooks ?? []
  }

  /** This Node-RED's entries as `<owner> <method> <type>`, and the rest exactly as XO has them. */
  async function state(base = red.url) {
    const all = await entries()
    const owned = all.filter((e) => e.url.startsWith(`${base}/xo-hook/`))
    const mine = owned
      .map((e) => `${e.url.slice(0, e.url.lastIndexOf('/'))} ${e.method} ${e.type}${e.waitForResponse ? '+wait' : ''}`)
      .sort()
    return { mine, others: all.filter((e) => !e.url.startsWith(`${base}/xo-hook/`)) }
  }

  async function settles(flow: FlowNode[], what: string, base = red.url, besides: string[] = []) {
    if (process.env.NODE_RED_LOG) console.log('=== settles', what)
    const want = [...expected(flow, base), ...besides].sort()
    let last: Awaited<ReturnType<typeof state>> | undefined
    await waitFor(
      async () => {
        last = await state(base)
        return JSON.stringify(last.mine) === JSON.stringify(want)
      },
      { timeoutMs: 15_000, what },
    ).catch((error: Error) => {
      throw new Error(
        `${error.message}: want ${JSON.stringify(want)}, XO has ${JSON.stringify(last?.mine)}\n${red.log.slice(-2000)}`,
      )
    })
    assert.deepEqual(last!.others.slice(0, FOREIGN.length), FOREIGN, 'entries of others stay, in place')
  }

  before(async () => {
    sim = await XoSimulator.start({ timeScale: 0.02 })
    token = sim.issueToken('admin@admin.net')
    sim.on('call', ({ method, params }: { method: string; params: unknown }) => {
      if (method === 'plugin.configure') configures++
      if (process.env.NODE_RED_LOG && method.startsWith('plugin.')) console.log('XO', method, JSON.stringify(params))
    })
    red = await StockNodeRed.start()
  })
  after(async () => {
    await red?.dispose()
    await sim?.stop()
  })
  beforeEach(async () => {
    await red.deploy([])
    await sim.invoke('plugin.configure', { id: 'web-hooks', configuration: { hooks: FOREIGN } })
  })
  afterEach(() => assert.deepEqual(red.crashes, [], red.log.slice(-3000)))

  it('full deploys: adds, changes, and removes the entries of deleted and disabled nodes and flows', async () => {
    const flow = [
      server(),
      tab('t1'),
      tab('t2'),
      hook('h1', 't1', ['vm.start', 'vm.stop']),
      hook('h2', 't1', ['host.stop']),
      hook('h3', 't2', ['vm.migrate'], { gate: true }),
    ]
    await red.deploy(flow)
    await settles(flow, 'first deploy')

    const changed = flow.map((n) => (n.id === 'h1' ? { ...n, methods: ['vm.restart'] } : n))
    await red.deploy(changed)
    await settles(changed, 'methods changed')

    const nodeDeleted = changed.filter((n) => n.id !== 'h2')
    await red.deploy(nodeDeleted)
    await settles(nodeDeleted, 'a node deleted')

    const nodeDisabled = nodeDeleted.map((n) => (n.id === 'h3' ? { ...n, d: true } : n))
    await red.deploy(nodeDisabled)
    await settles(nodeDisabled, 'a node disabled')

    const flowDisabled = nodeDeleted.map((n) => (n.id === 't1' ? { ...n, disabled: true } : n))
    await red.deploy(flowDisabled)
    await settles(flowDisabled, 'a flow disabled')

    const flowDeleted = nodeDeleted.filter((n) => n.id !== 't1' && n.z !== 't1')
    await red.deploy(flowDeleted)
    await settles(flowDeleted, 'a flow deleted')

    const before = configures
    await red.deploy(flowDeleted)
    await settles(flowDeleted, 'the same flows again')
    assert.equal(configures, before, 'a deploy that changes nothing writes nothing')

    const all = [tab('t2')]
    await red.deploy(all)
    await settles(all, 'the config node and every hook deleted')
  })

  it('stays exact over a random sequence of full, modified-flows and modified-nodes deploys', async () => {
    const seed = Number(process.env.REGISTRATION_SEED ?? Date.now() % 100_000)
    const rng = random(seed)
    const methods = ['vm.start', 'vm.stop', 'vm.migrate', 'host.stop', 'vm.snapshot', 'vm.delete']
    let flow: FlowNode[] = [
      server(),
      tab('t1'),
      tab('t2'),
      hook('h1', 't1', ['vm.start']),
      hook('h2', 't2', ['vm.stop']),
    ]
    let next = 3
    for (let step = 0; step < 40; step++) {
      const hooks = flow.filter((n) => n.type === 'xo-hook')
      const action = rng.pick(['add', 'delete', 'disable', 'enable', 'methods', 'move', 'tab'])
      const target = hooks.length ? rng.pick(hooks) : undefined
      if (action === 'add' || !target) flow = [...flow, hook(`h${next++}`, rng.pick(['t1', 't2']), [rng.pick(methods)])]
      else if (action === 'delete') flow = flow.filter((n) => n !== target)
      else if (action === 'disable' || action === 'enable')
        flow = flow.map((n) => (n === target ? { ...n, d: action === 'disable' } : n))
      else if (action === 'methods')
        flow = flow.map((n) =>
          n === target
            ? { ...n, methods: [rng.pick(methods), rng.pick(methods)].filter((m, i, a) => a.indexOf(m) === i) }
            : n,
        )
      else if (action === 'move') flow = flow.map((n) => (n === target ? { ...n, z: n.z === 't1' ? 't2' : 't1' } : n))
      else
        flow = flow.map((n) =>
          n.type === 'tab' && n.id === rng.pick(['t1', 't2']) ? { ...n, disabled: !n.disabled } : n,
        )
      const type = rng.pick<DeploymentType>(['full', 'full', 'flows', 'nodes'])
      await red.deploy(flow, type)
      await settles(flow, `seed ${seed}, step ${step}: ${action} ${target?.id ?? ''}, ${type} deploy`)
    }
  })

  it('after a restart of Node-RED, removes the entries of nodes deleted while it was stopped', async () => {
    const flow = [server(), tab('t1'), hook('h1', 't1', ['vm.start']), hook('h2', 't1', ['vm.stop'])]
    await red.deploy(flow)
    await settles(flow, 'deployed')
    await red.stop()
    assert.deepEqual((await state()).mine, expected(flow), 'stopping Node-RED leaves its entries in XO')
    // The flow file changed while Node-RED was down (another deploy tool, a restored backup…).
    const file = path.join(red.userDir, 'flows.json')
    const stored = JSON.parse(readFileSync(file, 'utf8')) as FlowNode[]
    writeFileSync(file, JSON.stringify(stored.filter((n) => n.id !== 'h2')))
    await red.launch()
    await settles(
      flow.filter((n) => n.id !== 'h2'),
      'after the restart',
    )
  })

  it('removes the entries of a node deleted while XO was down, once XO is back', async () => {
    const flow = [server(), tab('t1'), hook('h1', 't1', ['vm.start']), hook('h2', 't1', ['vm.stop'])]
    await red.deploy(flow)
    await settles(flow, 'deployed')
    await sim.suspend()
    const without = flow.filter((n) => n.id !== 'h2')
    await red.deploy(without)
    await red.waitForStatus('h1', (s) => s.fill === 'red')
    assert.deepEqual((await state()).mine, expected(flow), 'XO was down: nothing could change')
    await sim.resume()
    await settles(without, 'XO back')
  })

  it('leaves alone what a node that does not register has in XO', async () => {
    const flow = [
      server(),
      tab('t1'),
      hook('h1', 't1', ['vm.start']),
      hook('h9', 't1', ['vm.stop'], { register: false }),
    ]
    const manual = { method: 'vm.stop', type: 'post', url: `${red.url}/xo-hook/h9/pasted-by-hand`, format: 'json' }
    await sim.invoke('plugin.configure', { id: 'web-hooks', configuration: { hooks: [...FOREIGN, manual] } })
    await red.deploy(flow)
    await settles(flow, 'deployed', red.url, [`${red.url}/xo-hook/h9 vm.stop post`])
    assert.ok(
      (await entries()).some((e) => e.url === manual.url),
      'the hand-made entry stays',
    )
  })

  it('takes its entries out of an XO its config node no longer points at', async () => {
    const other = await XoSimulator.start({ timeScale: 0.02 })
    try {
      const flow = [server(), tab('t1'), hook('h1', 't1', ['vm.start'])]
      await red.deploy(flow)
      await settles(flow, 'on the first XO')
      const moved = flow.map((n) =>
        n.id === 'xo' ? { ...n, url: other.url, credentials: { token: other.issueToken('admin@admin.net') } } : n,
      )
      await red.deploy(moved)
      await settles([], 'the first XO keeps none of ours')
      const plugins = async () =>
        (await other.invoke('plugin.get', {})) as Array<{ id: string; configuration?: { hooks?: Entry[] } }>
      await waitFor(
        async () => (await plugins()).find((p) => p.id === 'web-hooks')?.configuration?.hooks?.length === 1,
        { what: 'the other XO has the hook' },
      )
    } finally {
      await other.stop()
    }
  })

  it('takes out the entries under its former URL when the Node-RED URL for XO changes', async () => {
    const flow = [server(), tab('t1'), hook('h1', 't1', ['vm.start']), hook('h2', 't1', ['vm.stop'])]
    await red.deploy(flow)
    await settles(flow, 'under the first URL')
    const otherBase = red.url.replace('127.0.0.1', 'localhost')
    const renamed = flow.map((n) => (n.id === 'xo' ? { ...n, hookBaseUrl: otherBase } : n))
    await red.deploy(renamed, 'nodes')
    await settles(renamed, 'under the new URL', otherBase)
    await settles([], 'nothing under the former URL')
  })

  it("two Node-REDs running the same flow keep each other's entries", async () => {
    const other = await StockNodeRed.start()
    try {
      const flow = [server(), tab('t1'), hook('h1', 't1', ['vm.start']), hook('h2', 't1', ['vm.stop'])]
      const otherFlow = flow.map((n) => (n.id === 'xo' ? { ...n, hookBaseUrl: other.url } : n))
      await red.deploy(flow)
      await other.deploy(otherFlow)
      await settles(flow, 'this one')
      await settles(otherFlow, 'the other one', other.url)
      const fewer = flow.filter((n) => n.id !== 'h1')
      await red.deploy(fewer)
      await settles(fewer, 'this one, h1 deleted')
      await settles(otherFlow, 'the other one keeps its h1', other.url)
      await other.deploy([])
      await settles(fewer, 'this one, after the other deleted everything')
    } finally {
      await other.dispose()
    }
  })
})
