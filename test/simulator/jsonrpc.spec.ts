// JSON-RPC fidelity against captures/jsonrpc-basics.json, extras.json and the method catalogue.
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { XoSimulator } from '../../src/simulator'
import { capture, keysOf, RpcClient, shapeOf } from './helpers'

const basics = capture('jsonrpc-basics.json')
const ADMIN = { email: 'admin@admin.net', password: 'admin' }

describe('simulator: JSON-RPC basics (vs captures)', () => {
  let sim: XoSimulator
  let clients: RpcClient[] = []
  const connect = async () => {
    const c = await RpcClient.connect(sim.url)
    clients.push(c)
    return c
  }

  before(async () => {
    sim = await XoSimulator.start({
      timeScale: 0.02,
      users: [
        { email: 'admin@admin.net', password: 'admin', permission: 'admin' },
        { email: 'user@example.org', password: 'pw', permission: 'none' },
      ],
    })
  })
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()))
    clients = []
  })
  after(() => sim.stop())

  it('rejects a call before sign-in with the captured frame (and key order)', async () => {
    const c = await connect()
    const reply = await c.request('xo.getAllObjects', {})
    const expected = { ...basics.unauthenticatedCall.response, id: reply.id }
    assert.equal(JSON.stringify(reply), JSON.stringify(expected))
  })

  it('signs in with email, username and token; wrong password and bad token fail like XO', async () => {
    const c = await connect()
    const wrong = await c.request('session.signIn', { email: 'nobody@x', password: 'nope' })
    assert.equal(JSON.stringify(wrong.error), JSON.stringify(basics.signInWrongPassword.response.error))
    assert.deepEqual(keysOf(wrong), keysOf(basics.signInWrongPassword.response))
    const t0 = Date.now()
    const ok = await c.request('session.signIn', ADMIN)
    assert.ok(Date.now() - t0 >= 350 * 0.02)
    assert.deepEqual(shapeOf(ok), shapeOf(basics.signInPassword.response))
    assert.deepEqual(keysOf(ok.result), keysOf(basics.signInPassword.response.result))
    assert.deepEqual(shapeOf(await c.request('session.getUser')), shapeOf(basics.getUser.response))

    const token = await c.call('token.create', { description: 'node-red test', expiresIn: '1 day' })
    assert.match(token, /^[\w-]{43}$/)
    const c2 = await connect()
    const byToken = await c2.request('session.signIn', { token })
    assert.deepEqual(byToken.result, ok.result)
    const bad = await c2.request('session.signIn', { token: 'bogus-token' })
    assert.equal(JSON.stringify(bad.error), JSON.stringify(basics.signInBadToken.response.error))
    const c3 = await connect()
    const byUsername = await c3.request('session.signIn', { username: 'admin@admin.net', password: 'admin' })
    assert.deepEqual(byUsername.result, ok.result)
    assert.equal(await c3.call('session.signOut'), true)
    assert.equal(await c3.call('session.getUser'), null)
  })

  it('throttles a second password try within 2 s (scaled) of a failure', async () => {
    const c = await connect()
    await c.request('session.signIn', { email: 'user@example.org', password: 'wrong' })
    const again = await c.request('session.signIn', { email: 'user@example.org', password: 'pw' })
    assert.deepEqual(again.error, { code: -32000, message: 'unknown error from the peer' })
    await new Promise((r) => setTimeout(r, 2000 * 0.02 + 10))
    assert.equal(
      (await c.call('session.signIn', { email: 'user@example.org', password: 'pw' })).email,
      'user@example.org',
    )
  })

  it('expired tokens are invalid credentials; an expired session is closed on the next message', async () => {
    const short = sim.issueToken('admin@admin.net', { expiresInMs: 150 })
    const c = await connect()
    await c.call('session.signIn', { token: short })
    await new Promise((r) => setTimeout(r, 200))
    const closed = new Promise((r) => c.ws.once('close', r))
    c.sendRaw(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'system.getVersion', params: {} }))
    await closed
    const c2 = await connect()
    assert.equal((await c2.request('session.signIn', { token: short })).error.code, 3)
  })

  it('answers unknown methods exactly like the capture, system.* before sign-in', async () => {
    const c = await connect()
    const reply = await c.request('foo.bar')
    assert.equal(JSON.stringify(reply), JSON.stringify({ ...basics.unknownMethod.response, id: reply.id }))
    assert.equal(await c.call('system.getServerVersion'), '5.207.2')
    assert.equal(await c.call('system.getVersion'), '0.1')
    const info = await c.call('system.getMethodsInfo')
    const captured = capture('system.getMethodsInfo.response.json').result
    assert.equal(JSON.stringify(info), JSON.stringify(captured))
    assert.equal(Object.keys(info).length, 352)
    assert.deepEqual(await c.call('system.listMethods'), Object.keys(captured))
    const sig = await c.call('system.methodSignature', { method: 'vm.start' })
    assert.deepEqual(sig[0].params, captured['vm.start'].params)
  })

  it('refuses admin methods to non-admins and lists plugins as captured', async () => {
    const c = await connect()
    await c.call('session.signIn', { email: 'user@example.org', password: 'pw' })
    const denied = await c.request('plugin.get')
    assert.deepEqual(denied.error, {
      message: 'not enough permissions',
      code: 2,
      data: { permission: 'admin', object: {} },
    })
    const a = await connect()
    await a.call('session.signIn', ADMIN)
    const plugins = await a.call('plugin.get')
    assert.equal(JSON.stringify(plugins), JSON.stringify(basics.pluginGet.response.result))
  })

  it('xo.getAllObjects: map, object and string filters, limit, one-shot NDJSON', async () => {
    const c = await connect()
    await c.call('session.signIn', ADMIN)
    const all = await c.call('xo.getAllObjects')
    assert.equal(Object.keys(all).length, sim.objects.size)
    const vms = await c.call('xo.getAllObjects', { filter: { type: 'VM', power_state: 'Running' } })
    assert.ok(
      Object.values(vms).length > 0 &&
        Object.values(vms).every((v: any) => v.type === 'VM' && v.power_state === 'Running'),
    )
    assert.deepEqual(
      Object.keys(await c.call('xo.getAllObjects', { filter: 'type:VM power_state:Running' })),
      Object.keys(vms),
    )
    assert.equal(Object.keys(await c.call('xo.getAllObjects', { limit: 3 })).length, 3)
    const { $getFrom } = await c.call('xo.getAllObjects', { filter: { type: 'host' }, ndjson: true })
    assert.match($getFrom, /^\/api\/\w+$/)
    const res = await fetch(sim.url + $getFrom)
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    assert.ok(lines.length >= 2 && lines.every((o) => o.type === 'host'))
    assert.equal((await fetch(sim.url + $getFrom)).status, 404)
  })

  it('never crashes on bad frames and only upgrades /api/', async () => {
    const c = await connect()
    c.sendRaw('{not json')
    c.sendRaw(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'system.getVersion', params: [1, 2] }))
    c.sendRaw(JSON.stringify({ jsonrpc: '2.0', id: 6, params: {} }))
    c.sendRaw('42')
    c.sendRaw('x'.repeat(2_000_000))
    await c.waitFor(() => c.frames.length >= 5)
    const replies = c.frames.map((f) => JSON.parse(f))
    assert.deepEqual(replies[0], { error: { code: -32700, message: 'invalid JSON' }, id: null, jsonrpc: '2.0' })
    assert.equal(replies[1].error.code, -32602)
    assert.equal(replies[2].error.code, -32600)
    assert.equal(replies[3].error.code, -32600)
    assert.equal(await c.call('system.getVersion'), '0.1')
    const other = new WebSocket(`${sim.url.replace('http', 'ws')}/api`)
    await assert.rejects(
      new Promise((resolve, reject) => {
        other.once('open', resolve)
        other.once('error', reject)
      }),
    )
  })

  it('applies XO param conveniences and validation', async () => {
    const c = await connect()
    await c.call('session.signIn', ADMIN)
    const missing = await c.request('vm.start', {})
    assert.equal(missing.error.code, 10)
    const vm = [...sim.objects.values()].find((o) => o.type === 'VM' && o.power_state === 'Running')
    // {vm: id} is renamed to id; "force?" is dropped silently when unknown
    const running = await c.request('vm.start', { vm: vm.id, 'bogus?': 1 })
    assert.deepEqual(running.error, {
      message: 'VM state is running but should be halted',
      code: 13,
      data: { objectId: vm.id, expected: 'halted', actual: 'running' },
    })
    const extra = await c.request('vm.start', { id: vm.id, nope: 1 })
    assert.equal(extra.error.code, 10)
  })
})
