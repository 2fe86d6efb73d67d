import assert from 'node:assert/strict'
import type { EventEmitter } from 'node:events'
import { XoSimulator } from '../../src/simulator'
import { Harness } from '../support/harness'
import { waitFor, waitForCall, waitForEvent } from '../support/node-red'
import type { XoCallMessage } from '../../src/call/message'
import type { HookPost } from '../../src/hooks/delivery'
import type { XoHookMessage } from '../../src/hooks/message'

// The package's message shape; payload is whatever XO answered. A Catch node adds Node-RED's `error`.
type Msg = XoCallMessage & { error?: { message: string; code?: number } }
type TestNode = EventEmitter & Record<string, any>

describe('xo-call', () => {
  let h: Harness

  beforeEach(async () => {
    h = await new Harness().start({ timeScale: 0.04 })
  })
  afterEach(() => h.stop())

  const vmNamed = (name: string) => [...h.sim.objects.values()].find((o) => o.type === 'VM' && o.name_label === name)

  async function deploy(call: Record<string, unknown>, extra: Array<Record<string, unknown>> = []) {
    // Catch nodes work within a flow (tab): every node but the configuration one goes on tab f1.
    const onTab = [
      { id: 'call', type: 'xo-call', server: 'server', wires: [['out'], ['errors']], ...call },
      { id: 'out', type: 'helper' },
      { id: 'errors', type: 'helper' },
      { id: 'catcher', type: 'catch', scope: ['call'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
      ...extra,
    ].map((n) => ({ z: 'f1', ...n }))
    await h.load([{ id: 'f1', type: 'tab', label: 'calls' }, h.serverNode(), ...onTab])
    await waitFor(() => h.helper.getNode('server').connection?.isConnected, { what: 'connected' })
  }
  const next = (id: string) => waitForEvent<[Msg]>(h.helper.getNode(id), 'input', 10_000).then(([m]) => m)

  it('calls the configured method with parameters from the node and from msg', async () => {
    const db = vmNamed('db-01')
    await deploy({ method: 'vm.start', params: [{ name: 'id', type: 'msg', value: 'vmId' }], payloadParams: false })
    const out = next('out')
    h.helper.getNode('call').receive({ vmId: db.id, payload: 'ignored' })
    const msg = await out
    assert.equal(msg.payload, true)
    assert.equal(msg.xo.method, 'vm.start')
    assert.deepEqual(msg.xo.params, { id: db.id })
    assert.equal(h.sim.objects.get(db.id).power_state, 'Running')
  })

  it('takes the method from msg.topic and the parameters from msg.payload, and hides secrets it echoes', async () => {
    await deploy({})
    const out = next('out')
    h.helper
      .getNode('call')
      .receive({ topic: 'user.create', payload: { email: 'ci@example.net', password: 'hunter2' } })
    const msg = await out
    assert.match(String(msg.payload), /^[0-9a-f-]{36}$/)
    assert.deepEqual(msg.xo.params, { email: 'ci@example.net', password: '* obfuscated *' })
    assert.equal(msg.summary, 'Created user ci@example.net')
  })

  it('refuses missing and wrong parameters before calling XO, naming them', async () => {
    await deploy({ method: 'vm.migrate' })
    let called = false
    h.sim.on('call', ({ method }: { method: string }) => void (method === 'vm.migrate' && (called = true)))
    const caught = next('caught')
    h.helper.getNode('call').receive({ payload: { vm: 'x' } })
    const msg = await caught
    assert.equal(msg.error!.message, 'XoCallError: vm.migrate: missing parameter "targetHost" (string)')
    const wrong = next('caught')
    h.helper.getNode('call').receive({ payload: { vm: 'x', targetHost: 'h', force: 'yes' } })
    assert.equal((await wrong).error!.message, 'XoCallError: vm.migrate: parameter "force" must be boolean, not string')
    assert.equal(called, false)
  })

  it("gives XO's error, code and data to Catch nodes", async () => {
    await deploy({ method: 'vm.start' })
    const caught = next('caught')
    h.helper.getNode('call').receive({ payload: { id: 'bogus-vm-id' } })
    const msg = await caught
    assert.equal(msg.error!.code, 1)
    assert.match(msg.error!.message, /no such VM bogus-vm-id/)
    assert.deepEqual(msg.xo.error!.data, { id: 'bogus-vm-id', type: 'VM' })
  })

  it('sends errors to a second output when asked', async () => {
    await deploy({ method: 'vm.start', errorOutput: true, outputs: 2 })
    const errors = next('errors')
    h.helper.getNode('call').receive({ payload: { id: 'bogus-vm-id' } })
    const msg = await errors
    assert.equal(msg.xo.error!.code, 1)
  })

  it('times out a call that takes too long', async () => {
    const db = vmNamed('db-01')
    await deploy({ method: 'vm.start', timeout: 0.005 })
    const caught = next('caught')
    h.helper.getNode('call').receive({ payload: { id: db.id } })
    assert.match((await caught).error!.message, /timed out after 5 ms/)
  })

  it('runs at most the configured number of calls at once, and refuses beyond its queue', async () => {
    await deploy({ method: 'vm.stop', concurrency: 1, queue: 1, errorOutput: true, outputs: 2 })
    const running = [...h.sim.objects.values()]
      .filter((o) => o.type === 'VM' && o.power_state === 'Running')
      .slice(0, 3)
    let inFlight = 0
    let most = 0
    h.sim.on('call', ({ method }: { method: string }) => {
      if (method !== 'vm.stop') return
      most = Math.max(most, ++inFlight)
    })
    const done: Msg[] = []
    h.helper.getNode('out').on('input', (m: Msg) => (done.push(m), inFlight--))
    h.helper.getNode('errors').on('input', (m: Msg) => done.push(m))
    for (const vm of running) h.helper.getNode('call').receive({ payload: { id: vm.id, force: true } })
    await waitFor(() => done.length === 3, { timeoutMs: 10_000, what: 'three answers' })
    assert.equal(most, 1)
    const refused = done.filter((m) => m.xo.error)
    assert.equal(refused.length, 1)
    assert.match(refused[0].xo.error!.message, /queue of 1 full/)
  })

  it('fails at once while XO is down, or waits for it, as configured', async () => {
    await deploy({ method: 'system.getServerVersion', whenDown: 'fail' }, [
      {
        id: 'call2',
        type: 'xo-call',
        server: 'server',
        method: 'system.getServerVersion',
        whenDown: 'wait',
        waitTimeout: 20,
        wires: [['out2']],
      },
      { id: 'out2', type: 'helper' },
    ])
    const connection = h.helper.getNode('server').connection
    await h.sim.suspend()
    await waitFor(() => !connection.isConnected, { what: 'disconnected' })
    const caught = next('caught')
    h.helper.getNode('call').receive({ payload: {} })
    assert.match((await caught).error!.message, /^XoConnectionError: xo-call.errors.down/)
    const waited = next('out2')
    h.helper.getNode('call2').receive({ payload: {} })
    await h.sim.resume()
    assert.equal((await waited).payload, '5.207.2')
  })

  it('gives an absolute URL for transfer results, usable as is', async () => {
    await deploy({
      method: 'xo.getAllObjects',
      params: [{ name: 'ndjson', type: 'bool', value: 'true' }],
      payloadParams: false,
    })
    const out = next('out')
    h.helper.getNode('call').receive({ payload: {} })
    const msg = await out
    assert.equal(msg.method, 'GET')
    assert.equal(msg.url, `${h.sim.url}${(msg.payload as { $getFrom: string }).$getFrom}`)
    const body = await (await fetch(msg.url!)).text()
    assert.ok(body.split('\n').filter(Boolean).length > 10)
  })

  it('creates a VM whose post hook reaches an xo-hook node of the same flow', async () => {
    const template = [...h.sim.objects.values()].find(
      (o) => o.type === 'VM-template' && o.name_label === 'Debian 12 template',
    )
    await deploy({ method: 'vm.create', params: [{ name: 'template', type: 'str', value: template.id }] }, [
      { id: 'hook', type: 'xo-hook', server: 'server', methods: ['vm.create'], phase: 'post', wires: [[], ['hooked']] },
      { id: 'hooked', type: 'helper' },
    ])
    await waitFor(async () => (await h.hookEntries()).some((e) => e.method === 'vm.create'), {
      what: 'hook registered',
    })
    const hooked = waitForEvent<[XoHookMessage<HookPost>]>(h.helper.getNode('hooked'), 'input', 10_000).then(([m]) => m)
    const out = next('out')
    h.helper.getNode('call').receive({ payload: { name_label: 'from-a-flow' } })
    const created = (await out).payload
    const post = await hooked
    assert.equal(post.payload.result, created)
    assert.equal(post.xo.objects.vm.name, 'from-a-flow')
  })

  it('answers the editor: one method with its parameters, and objects by type and name', async () => {
    await deploy({ method: 'vm.start' })
    const method = await h.helper.request().get('/xo-server/server/methods/vm.migrate').expect(200)
    assert.deepEqual(Object.keys(method.body.params).sort(), [
      'bypassAssert',
      'force',
      'mapVdisSrs',
      'mapVifsNetworks',
      'migrationNetwork',
      'sr',
      'targetHost',
      'vm',
    ])
    const hosts = await h.helper
      .request()
      .get('/xo-server/server/objects')
      .query({ type: 'host', q: 'host-2' })
      .expect(200)
    assert.deepEqual(
      hosts.body.objects.map((o: { name: string }) => o.name),
      ['xcp-host-2'],
    )
    assert.equal(hosts.body.objects[0].pool, 'sim-pool')
    const templates = await h.helper
      .request()
      .get('/xo-server/server/objects')
      .query({ type: 'VM-template', q: 'debian' })
      .expect(200)
    assert.ok(templates.body.objects.some((o: { name: string }) => o.name === 'Debian 12 template'))
  })

  it('looks objects up for the editor without keeping a store that downloads XO at every sign-in', async () => {
    await deploy({ method: 'vm.start' })
    const downloads: unknown[] = []
    h.sim.on(
      'call',
      ({ method, params }: { method: string; params: { ndjson?: boolean } }) =>
        void (method === 'xo.getAllObjects' && downloads.push(params)),
    )
    const found = await h.helper.request().get('/xo-server/server/objects').query({ type: 'VM', q: 'web' }).expect(200)
    assert.ok(found.body.objects.length > 0)
    assert.equal(h.helper.getNode('server').objectStore(), undefined, 'no object store was started')
    assert.deepEqual(
      downloads,
      [{ filter: { type: 'VM' } }, { filter: { type: 'pool' } }],
      'only what the look-up needed',
    )
    const back = waitForEvent(h.helper.getNode('server').connection, 'connected', 10_000)
    h.sim.dropConnections()
    await back
    assert.equal(downloads.length, 2, 'signing in again downloads nothing')
  })

  it("answers the editor for an XO server not deployed yet, from the editor's values", async () => {
    await deploy({ method: 'vm.start' })
    const body = { url: h.sim.url, authMethod: 'token', token: h.token, type: 'VM', q: 'web' }
    const found = await h.helper.request().post('/xo-server/lookup/objects').send(body).expect(200)
    assert.ok(found.body.objects.some((o: { name: string }) => o.name === 'web-01'))
    // the stored token stands in for Node-RED's placeholder
    const stored = await h.helper
      .request()
      .post('/xo-server/lookup/methods')
      .send({ ...body, id: 'server', token: '__PWRD__' })
      .expect(200)
    assert.equal(stored.body.methods.length, 352)
    const wrong = await h.helper
      .request()
      .post('/xo-server/lookup/methods')
      .send({ ...body, token: 'nope' })
      .expect(502)
    assert.equal(wrong.body.error, 'invalid credentials')
  })

  it('never sends a stored secret to a URL other than its own XO', async () => {
    await deploy({ method: 'vm.start' })
    const other = await XoSimulator.start({ timeScale: 0.02 })
    const signIns: unknown[] = []
    other.on(
      'call',
      ({ method, params }: { method: string; params: unknown }) =>
        void (method === 'session.signIn' && signIns.push(params)),
    )
    try {
      const body = { id: 'server', url: other.url, authMethod: 'token', token: '__PWRD__' }
      const refused = await h.helper.request().post('/xo-server/lookup/methods').send(body).expect(400)
      assert.equal(refused.body.error, 'no authentication token')
      const password = {
        id: 'server',
        url: other.url,
        authMethod: 'password',
        email: 'admin@admin.net',
        password: '__PWRD__',
      }
      await h.helper.request().post('/xo-server/lookup/methods').send(password).expect(400)
      assert.deepEqual(signIns, [])
      // its own XO, written another way, still gets the stored token
      const own = await h.helper
        .request()
        .post('/xo-server/lookup/methods')
        .send({ ...body, url: `${h.sim.url}/api/` })
        .expect(200)
      assert.equal(own.body.methods.length, 352)
    } finally {
      await other.stop()
    }
  })

  it('shows its calls in its status', async () => {
    await deploy({ method: 'system.getServerVersion' })
    h.helper.getNode('call').receive({ payload: {} })
    await waitForCall(
      h.helper.getNode('call') as TestNode,
      'status',
      (s) => s.fill === 'green' && /xo-call.status.counts/.test(s.text),
    )
  })
})
