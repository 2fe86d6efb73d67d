import assert from 'node:assert/strict'
import type { EventEmitter } from 'node:events'
import { Harness } from '../support/harness'
import { waitFor, waitForCall } from '../support/node-red'

type TestNode = EventEmitter & Record<string, any>

const user = (id = 'hook') => ({
  id,
  type: 'xo-hook',
  server: 'server',
  methods: ['vm.start'],
  register: false,
  wires: [[], []],
})

describe('xo-server config node', () => {
  let h: Harness
  beforeEach(async () => {
    h = await new Harness().start()
  })
  afterEach(() => h.stop())

  it('shares one connection between its nodes and shows it connected on each', async () => {
    let signIns = 0
    h.sim.on('call', ({ method }: { method: string }) => void (method === 'session.signIn' && signIns++))
    await h.load([h.serverNode(), user('a'), user('b')])
    for (const id of ['a', 'b']) {
      await waitForCall(
        h.helper.getNode(id) as TestNode,
        'status',
        (s) => s.fill === 'green' && s.text === 'xo-server.status.connected',
      )
    }
    assert.equal(signIns, 1)
  })

  it('signs in with e-mail and password', async () => {
    await h.load([h.serverNode({ authMethod: 'password' }), user()], {
      server: { email: 'admin@admin.net', password: 'admin' },
    })
    await waitForCall(h.helper.getNode('hook') as TestNode, 'status', (s) => s.fill === 'green')
  })

  it('shows wrong credentials, without the secret in any status or log', async () => {
    await h.load([h.serverNode({ authMethod: 'password' }), user()], {
      server: { email: 'admin@admin.net', password: 'not-the-password' },
    })
    await waitForCall(
      h.helper.getNode('hook') as TestNode,
      'status',
      (s) => s.fill === 'red' && s.text === 'xo-server.status.authFailed',
    )
    const server = h.helper.getNode('server') as TestNode
    await waitForCall(server, 'warn', (text) => /authFailed/.test(String(text)))
    const said = JSON.stringify([
      ...h.helper.log().args,
      ...server.warn.getCalls().map((c: { args: unknown[] }) => c.args),
    ])
    assert.ok(!said.includes('not-the-password'))
  })

  it('shows what is missing in a configuration', async () => {
    await h.load([h.serverNode({ url: '' }), user()])
    await waitForCall(
      h.helper.getNode('hook') as TestNode,
      'status',
      (s) => s.fill === 'red' && /misconfigured/.test(s.text),
    )
  })

  it('follows XO going away and coming back', async () => {
    await h.load([h.serverNode(), user()])
    const hook = h.helper.getNode('hook') as TestNode
    await waitForCall(hook, 'status', (s) => s.fill === 'green')
    const connection = h.helper.getNode('server').connection
    const states: string[] = []
    connection.on('state', (s: { status: string }) => states.push(s.status))
    await h.sim.restart()
    await waitFor(() => states.includes('connected'), { timeoutMs: 10_000, what: 'reconnected' })
    assert.ok(states.indexOf('unreachable') < states.lastIndexOf('connected'))
  })

  it('closes its connection on redeploy and removal, leaving no listener behind', async () => {
    await h.load([h.serverNode(), user()])
    await waitForCall(h.helper.getNode('hook') as TestNode, 'status', (s) => s.fill === 'green')
    const first = h.helper.getNode('server').connection
    assert.ok(first.listenerCount('state') > 0)
    await h.helper.setFlows([h.serverNode({ name: 'changed' }), user()], 'full')
    assert.equal(first.state.status, 'closed')
    assert.equal(first.listenerCount('state'), 0)
    const second = h.helper.getNode('server').connection
    await waitFor(() => second.isConnected, { what: 'the new connection' })
    await h.helper.setFlows([], 'full')
    assert.equal(second.state.status, 'closed')
    assert.equal(second.listenerCount('state'), 0)
    assert.equal(second.listenerCount('notification'), 0)
  })
})
