import assert from 'node:assert/strict'
import { XoSimulator } from '../../src/simulator'
import type { Delivery } from '../../src/simulator/webhooks'
import { Sink } from '../support/examples'
import { waitFor } from '../support/node-red'
import { StockNodeRed } from '../support/stock-node-red'

describe('no delivery lost while a flow is redeployed (stock node-red)', function () {
  this.timeout(120_000)
  let sim: XoSimulator
  let red: StockNodeRed
  let sink: Sink
  const refused: string[] = []
  const posts: string[] = []

  before(async () => {
    sim = await XoSimulator.start({ timeScale: 0.02 })
    // Every post of the calls below, and every delivery the receiver did not take (XO never sends it again).
    sim.on('delivery', ({ url, payload, status, error }: Delivery) => {
      if (payload.type === 'post' && payload.method === 'vm.set') posts.push(String(payload.callId))
      if (!(status !== undefined && status >= 200 && status < 300)) refused.push(`${url}: ${status ?? error}`)
    })
    sink = await new Sink().start()
    // xo-hook traces each delivery it emits: what this node guarantees, apart from what the flow does next.
    red = await StockNodeRed.start({ logging: { console: { level: 'trace', metrics: false, audit: false } } })
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
      {
        id: 'xo',
        type: 'xo-server',
        url: sim.url,
        authMethod: 'token',
        hookBaseUrl: red.url,
        credentials: { token: tokens[Math.floor(generation / 3) % 2] },
      },
      { id: 't1', type: 'tab', label: 'redeploy' },
      {
        id: 'hook',
        type: 'xo-hook',
        z: 't1',
        name: `generation ${generation}`,
        server: 'xo',
        methods: ['vm.set'],
        phase: 'post',
        enrich: false,
        wires: [[], ['out']],
      },
      { id: 'out', type: 'http request', z: 't1', method: 'POST', ret: 'txt', url: `${sink.url}/got`, wires: [[]] },
    ]
    await red.deploy(flow(0))
    await waitFor(
      async () => {
        const plugins = (await sim.invoke('plugin.get', {})) as Array<{
          id: string
          loaded?: boolean
          configuration?: { hooks?: unknown[] }
        }>
        const hooks = plugins.find((p) => p.id === 'web-hooks')
        return hooks?.loaded && hooks.configuration?.hooks?.length === 1
      },
      { what: 'the hook registered' },
    )
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
      await waitFor(() => sink.on('/got').length >= calls - 5 && calls > generation * 10, {
        timeoutMs: 10_000,
        what: 'deliveries flowing',
      })
      await red.deploy(flow(generation), generation % 2 ? 'full' : 'nodes')
    }
    streaming = false
    await stream
    assert.deepEqual(refused, [], 'XO had deliveries refused')
    // Each call's post was emitted once, by whichever xo-hook node was deployed when it came.
    const emitted = (callId: string) => red.log.split(`emitted post vm.set ${callId}`).length - 1
    await waitFor(() => posts.every((callId) => emitted(callId) >= 1), {
      timeoutMs: 15_000,
      what: 'every post emitted',
    })
    assert.deepEqual(
      posts.filter((callId) => emitted(callId) !== 1),
      [],
      'emitted more than once',
    )
    // What the flow does after the hook is Node-RED's: a full deploy drops a message in flight between two nodes
    // of the flow (the one just emitted to the http request node being stopped), at most one per full deploy.
    const arrived = () => new Set(sink.on('/got').map((r) => (JSON.parse(r.body) as { callId: string }).callId))
    await waitFor(() => posts.length === calls && arrived().size >= calls - 4, {
      timeoutMs: 15_000,
      what: 'the flow done',
    })
    const lost = posts.filter((callId) => !arrived().has(callId))
    assert.ok(lost.length <= 4, `${lost.length} messages lost after the hook`)
  })
})
