import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { Harness } from '../support/harness'
import { waitFor, waitForEvent } from '../support/node-red'
import type { HookPost } from '../../src/hooks/delivery'
import type { XoHookMessage } from '../../src/hooks/message'

// The message shapes of the package: renaming a field of msg.xo fails the type check here. The payload is XO's
// body as delivered, read as a post (a pre has the same fields, minus those of the result).
type Msg = XoHookMessage<HookPost & { type: 'pre' | 'post' }>

function collect(h: Harness, id: string): Msg[] {
  const messages: Msg[] = []
  h.helper.getNode(id).on('input', (msg: Msg) => messages.push(msg))
  return messages
}

describe('xo-hook, more cases', () => {
  let h: Harness
  beforeEach(async () => {
    h = await new Harness().start()
  })
  afterEach(() => h.stop())

  const flow = (hook: Record<string, unknown>) => [
    h.serverNode(),
    { id: 'hook', type: 'xo-hook', server: 'server', wires: [['pre'], ['post']], ...hook },
    { id: 'pre', type: 'helper' },
    { id: 'post', type: 'helper' },
  ]
  const entriesFor = (method: string) =>
    waitFor(async () => (await h.hookEntries()).some((e) => e.method === method), { what: `${method} registered` })

  it('emits both pairs of a backup job run: the API call and the job runner', async () => {
    await h.load(flow({ methods: ['backupNg.runJob'] }))
    await entriesFor('backupNg.runJob')
    const pres = collect(h, 'pre')
    const posts = collect(h, 'post')
    const jobId = (await h.sim.invoke('backupNg.createJob', {
      mode: 'full',
      name: 'bench',
      vms: { id: 'bogus-vm-id' },
      remotes: { id: 'bogus-remote' },
      schedules: { tmp1: { cron: '0 0 1 1 *', enabled: false, name: 'never', timezone: 'UTC' } },
      settings: { '': { exportRetention: 1 }, tmp1: { exportRetention: 1 } },
    })) as string
    const job = (await h.sim.invoke('backupNg.getJob', { id: jobId })) as { settings: Record<string, unknown> }
    const schedule = Object.keys(job.settings).find((k) => k !== '')!
    await h.sim.invoke('backupNg.runJob', { id: jobId, schedule }).catch(() => undefined)
    await waitFor(() => pres.length === 2 && posts.length === 2, { what: 'two pre/post pairs' })
    const runner = pres.find((m) => m.payload.userId === undefined)!
    const api = pres.find((m) => m.payload.userId !== undefined)!
    assert.deepEqual(runner.xo.user, { name: 'admin@admin.net' })
    assert.equal(api.xo.user.ip, '127.0.0.1')
    assert.notEqual(runner.xo.callId, api.xo.callId)
    for (const post of posts) assert.equal(post.xo.pre!.callId, post.xo.callId)
  })

  it('gives a post its pre when the pre is read after it (XO sends the two without waiting), each once, pre first', async () => {
    const secret = 'a-secret-of-twenty-chars'
    await h.load(flow({ methods: ['vm.start'], phase: 'both', register: false, enrich: false }), { hook: { secret } })
    const url = `${h.nodeUrl}/xo-hook/hook/${secret}`
    const base = {
      callId: 'race0001',
      userId: 'u1',
      userName: 'admin@admin.net',
      userIp: '127.0.0.1',
      method: 'vm.start',
      params: { id: 'vm1' },
      timestamp: Date.now(),
    }
    const deliver = (body: object) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const order: string[] = []
    h.helper.getNode('pre').on('input', () => order.push('pre'))
    const posted = waitForEvent<[Msg]>(h.helper.getNode('post'), 'input')
    void posted.then(() => order.push('post'))
    // The post is received and handled before its pre is even sent.
    assert.equal((await deliver({ ...base, duration: 5, result: true, type: 'post' })).status, 204)
    assert.equal((await deliver({ ...base, type: 'pre' })).status, 204)
    const [post] = await posted
    assert.equal(post.xo.pre?.callId, 'race0001')
    assert.deepEqual(order, ['pre', 'post'])
  })

  it('emits calls made before sign-in, with no user id', async () => {
    await h.load(flow({ methods: ['xo.getAllObjects'] }))
    await entriesFor('xo.getAllObjects')
    const post = waitForEvent<[Msg]>(h.helper.getNode('post'), 'input')
    const socket = new WebSocket(`${h.sim.url.replace('http', 'ws')}/api/`)
    await waitForEvent(socket, 'open')
    socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'xo.getAllObjects', params: {} }))
    const [msg] = await post
    socket.close()
    // XO's placeholder name is not a user: the caller is anonymous
    assert.deepEqual(msg.xo.user, { ip: '127.0.0.1' })
    assert.equal(msg.xo.ok, false)
    assert.equal(msg.xo.error!.code, 2)
    assert.equal(msg.xo.pre!.userName, '(unknown user)')
  })

  it('gives only ids when enrichment is off', async () => {
    await h.load(flow({ methods: ['vm.start'], enrich: false }))
    await entriesFor('vm.start')
    const halted = [...h.sim.objects.values()].find(
      (o) => o.type === 'VM' && o.power_state === 'Halted' && o.name_label === 'db-01',
    )
    const post = waitForEvent<[Msg]>(h.helper.getNode('post'), 'input')
    await h.sim.invoke('vm.start', { id: halted.id })
    const [msg] = await post
    assert.deepEqual(msg.xo.objects, { vm: { id: halted.id } })
  })

  it('answers the editor: the live method catalogue, and the entries to paste into XO', async () => {
    await h.load(flow({ methods: ['vm.st*'], register: false }))
    await waitFor(() => h.helper.getNode('server').connection.isConnected, { what: 'connected' })
    const methods = await h.helper.request().get('/xo-server/server/methods').expect(200)
    const names = methods.body.methods.map((m: { name: string }) => m.name)
    assert.equal(names.length, 352)
    assert.ok(names.includes('vm.start'))
    assert.equal(methods.body.methods.find((m: { name: string }) => m.name === 'user.create').permission, 'admin')

    const entries = await h.helper.request().get('/xo-hook/hook/entries').expect(200)
    const secret = h.helper.getNode('hook').credentials?.secret
    assert.deepEqual(
      entries.body.entries.map((e: { method: string }) => e.method),
      ['vm.start', 'vm.stats', 'vm.stop'].filter((m) => names.includes(m)),
    )
    for (const entry of entries.body.entries) {
      assert.equal(entry.type, 'pre/post')
      assert.equal(entry.format, 'json')
      assert.match(entry.url, new RegExp(`^${h.nodeUrl}/xo-hook/hook/[A-Za-z0-9_-]{20,}$`))
      if (secret) assert.ok(entry.url.endsWith(secret))
    }
    assert.deepEqual(await h.hookEntries(), [], 'registration off: nothing written to XO')
    await h.helper.request().get('/xo-server/nope/methods').expect(404)
    await h.helper.request().get('/xo-hook/nope/entries').expect(404)
  })
})
