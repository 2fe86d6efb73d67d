import assert from 'node:assert/strict'
import { XoSimulator } from '../../src/simulator'
import { Sink } from '../support/examples'
import { waitFor } from '../support/node-red'
import { StockNodeRed } from '../support/stock-node-red'

describe('no delivery lost while a flow is redeployed (stock node-red)', function () {
  this.timeout(120_000)
  let sim: XoSimulator
  let red: StockNodeRed
  let sink: Sink
  const refused: string[] = []

  before(async () => {
    // The simulator logs every delivery its receiver did not take, as XO does.
    sim = await XoSimulator.start({ timeScale: 0.02, log: (line) => void (/web-hook .*: HTTP \d+/.test(line) && refused.push(line)) })
    sink = await new Sink().start()
    red = await StockNodeRed.start()
  })
  after(async () => {
    await red?.dispose()
    await sink?.stop()
    await sim?.stop()
  })
  afterEach(() => assert.deepEqual(red.crashes, [], red.log.slice(-3000)))

  it('hands every delivery that arrives during full and modified-nodes deploys to the new node, token rotations included', async () => {
    const tokens = [sim.issueToken('admin@admin.net'), sim.issueToken('admin@admin.net')]
    // Every third deploy rotates the token, which changes the hook's URL (its secret is derived from the token).
    const flow = (generation: number) => [
      { id: 'xo', type: 'xo-server', url: sim.url, authMethod: 'token', hookBaseUrl: red.url, credentials: { token: tokens[Math.floor(generation / 3) % 2] } },
      { id: 't1', type: 'tab', label: 'redeploy' },
      { id: 'hook', type: 'xo-hook', z: 't1', name: `generation ${generation}`, server: 'xo', methods: ['vm.set'], phase: 'post', enrich: false, wires: [[], ['out']] },
      { id: 'out', type: 'http request', z: 't1', method: 'POST', ret: 'txt', url: `${sink.url}/got`, wires: [[]] },
    ]
    await red.deploy(flow(0))
    await waitFor(async () => {
      const plugins = (await sim.invoke('plugin.get', {})) as Array<{ id: string; loaded?: boolean; configuration?: { hooks?: unknown[] } }>
      const hooks = plugins.find((p) => p.id === 'web-hooks')
      return hooks?.loaded && hooks.configuration?.hooks?.length === 1
    }, { what: 'the hook registered' })
    const vm = [...sim.objects.values()].find((o) => o.type === 'VM')

    // A steady stream of calls, each one post delivery, while the flow is redeployed again and again.
    let calls = 0
    let streaming = true
    const stream = (async () => {
      while (streaming) {
        await sim.invoke('vm.set', { id: vm.id, name_description: `call ${calls++}` })
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    })()
    for (let generation = 1; generation <= 8; generation++) {
      await waitFor(() => sink.on('/got').length >= calls - 5 && calls > generation * 10, { timeoutMs: 10_000, what: 'deliveries flowing' })
      await red.deploy(flow(generation), generation % 2 ? 'full' : 'nodes')
    }
    streaming = false
    await stream
    await sink.until(calls, '/got', 15_000).catch((error: Error) => {
      throw new Error(`${error.message}: ${sink.on('/got').length} arrived; refused: ${refused.join(', ')}`)
    })
    assert.deepEqual(refused, [], 'XO had deliveries refused')
    const described = sink.on('/got').map((r) => (JSON.parse(r.body) as { params: { name_description: string } }).params.name_description)
    assert.equal(new Set(described).size, calls, 'each call came out once')
  })
})
