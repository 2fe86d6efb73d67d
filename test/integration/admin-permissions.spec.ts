import assert from 'node:assert/strict'
import { startDemoProcess, type DemoProcess } from '../support/demo-process'
import { waitFor } from '../support/node-red'

const USERS: Record<string, { password: string; permissions: string | string[] }> = {
  admin: { password: 'admin-pw', permissions: '*' },
  viewer: { password: 'viewer-pw', permissions: 'read' },
  nobody: { password: 'nobody-pw', permissions: ['flows.read'] },
}

/**
 * The editor look-ups behind Node-RED's real admin authentication (the test helper lets every request through):
 * an embedded Node-RED with `adminAuth`, users with different permissions, and bearer tokens.
 */
describe('admin endpoints and permissions', () => {
  let demo: DemoProcess
  const tokens: Record<string, string> = {}

  before(async function () {
    this.timeout(60_000)
    // Its own process: the test helper's Node-RED shares Node-RED's module state with anything embedded here.
    // A real XO's way: a URL and a token credential, which the look-ups may use but never reveal.
    demo = await startDemoProcess({ users: USERS, ownXo: true })
    for (const username of Object.keys(USERS)) {
      const response = await fetch(`${demo.url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_id: 'node-red-admin',
          grant_type: 'password',
          scope: [USERS[username].permissions].flat().join(' '),
          username,
          password: USERS[username].password,
        }),
      })
      assert.equal(response.status, 200, `sign-in of ${username}`)
      tokens[username] = ((await response.json()) as { access_token: string }).access_token
    }
    await waitFor(async () => (await get('/xo-server/0f4c1d2a7b3e5a10/methods', 'admin')).status === 200, {
      timeoutMs: 20_000,
      what: 'the demo connected',
    })
  })
  after(() => demo?.stop())

  function get(path: string, user?: string) {
    return fetch(`${demo.url}${path}`, { headers: user ? { authorization: `Bearer ${tokens[user]}` } : {} })
  }
  function post(path: string, body: unknown, user?: string) {
    return fetch(`${demo.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(user ? { authorization: `Bearer ${tokens[user]}` } : {}) },
      body: JSON.stringify(body),
    })
  }
  const SERVER = '0f4c1d2a7b3e5a10'
  const HOOK = '0f4c1d2a7b3e5a03'

  it('refuses anonymous requests', async () => {
    assert.equal((await get(`/xo-server/${SERVER}/methods`)).status, 401)
    assert.equal((await get(`/xo-server/${SERVER}/objects?type=VM`)).status, 401)
    assert.equal((await get(`/xo-hook/${HOOK}/entries`)).status, 401)
    assert.equal((await post('/xo-server/lookup/methods', { url: demo.xoUrl })).status, 401)
    assert.equal((await get('/xo/metrics')).status, 401)
    assert.equal((await get('/xo/healthz')).status, 401)
  })

  // Node-RED answers 401 to a signed-in user who lacks the permission, as to an anonymous one.
  it('refuses a user without the package read permission', async () => {
    assert.equal((await get(`/xo-server/${SERVER}/methods`, 'nobody')).status, 401)
    assert.equal((await get(`/xo-server/${SERVER}/objects?type=VM`, 'nobody')).status, 401)
    assert.equal((await get('/xo/metrics', 'nobody')).status, 401)
    assert.equal((await get('/flows', 'nobody')).status, 200, 'the same user may read the flows')
  })

  it('lets a read-only user look up methods and objects, but not see hook secrets or open connections', async () => {
    assert.equal((await get(`/xo-server/${SERVER}/methods`, 'viewer')).status, 200)
    const vms = await get(`/xo-server/${SERVER}/objects?type=VM&q=web`, 'viewer')
    assert.equal(vms.status, 200)
    assert.ok(((await vms.json()) as { objects: unknown[] }).objects.length > 0)
    assert.equal((await get(`/xo-hook/${HOOK}/entries`, 'viewer')).status, 401)
    assert.equal((await post('/xo-server/lookup/methods', { url: demo.xoUrl }, 'viewer')).status, 401)
    // Health and metrics are read permissions: they hold no secret.
    assert.equal((await get('/xo/metrics', 'viewer')).status, 200)
    assert.equal(((await (await get('/xo/healthz', 'viewer')).json()) as { servers: unknown[] }).servers.length, 1)
  })

  it("shows the operator's overview to a read-only user, who may not send an outbox's requests again nor drop them", async () => {
    assert.equal((await get('/xo/overview')).status, 401)
    assert.equal((await get('/xo/overview', 'nobody')).status, 401)
    // An xo outbox under the demo's XO server, deployed as the editor does (the flows, plus it).
    const flows = (await await fetch(`${demo.url}/flows`, {
      headers: { authorization: `Bearer ${tokens.admin}`, 'Node-RED-API-Version': 'v2' },
    }).then((r) => r.json())) as { rev: string; flows: Array<{ id: string; type: string; z?: string }> }
    const tab = flows.flows.find((n) => n.type === 'tab')!.id
    const outbox = { id: 'ab12cd34ef560001', type: 'xo-outbox', z: tab, name: 'chat', server: SERVER, wires: [[], []] }
    const deployed = await fetch(`${demo.url}/flows`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.admin}`,
        'content-type': 'application/json',
        'Node-RED-API-Version': 'v2',
        'Node-RED-Deployment-Type': 'full',
      },
      body: JSON.stringify({ rev: flows.rev, flows: [...flows.flows, outbox] }),
    })
    assert.equal(deployed.status, 200)
    type Overview = {
      servers: Array<{
        id: string
        state: string
        user?: string
        hooks: { counts: { ok: number }; nodes: Array<{ id: string }>; mismatches: unknown[] }
        outboxes: Array<{ id: string; name?: string }>
      }>
      unassigned: unknown[]
    }
    const overview = await waitFor(
      async () => {
        const answer = await get('/xo/overview', 'viewer')
        assert.equal(answer.status, 200)
        const body = (await answer.json()) as Overview
        return body.servers[0]?.state === 'connected' && body.servers[0].outboxes.length === 1 ? body : undefined
      },
      { timeoutMs: 20_000, what: 'the outbox in the overview' },
    )
    assert.equal(overview.servers[0].id, SERVER)
    assert.equal(overview.servers[0].user, 'admin@admin.net')
    assert.deepEqual(overview.servers[0].outboxes[0], { id: outbox.id, name: 'chat', pending: [], dead: [] })
    assert.deepEqual(overview.unassigned, [])
    // XO's entries, as the demo's xo-hook node registered them: all there, by host only.
    const { hooks } = overview.servers[0]
    assert.deepEqual(
      hooks.nodes.map((n) => n.id),
      [HOOK],
    )
    assert.ok(hooks.counts.ok > 10)
    assert.deepEqual(hooks.mismatches, [])
    assert.doesNotMatch(JSON.stringify(overview), /__PWRD__|token|secret/i)
    assert.equal((await get(`/xo-outbox/${outbox.id}`, 'viewer')).status, 200)
    assert.equal((await post(`/xo-outbox/${outbox.id}/retry`, {}, 'viewer')).status, 401)
    assert.equal((await post(`/xo-outbox/${outbox.id}/drop`, {}, 'viewer')).status, 401)
    assert.equal((await post(`/xo-outbox/${outbox.id}/retry`, {}, 'nobody')).status, 401)
    assert.deepEqual(await (await post(`/xo-outbox/${outbox.id}/retry`, {}, 'admin')).json(), { retried: 0 })
    assert.deepEqual(await (await post(`/xo-outbox/${outbox.id}/drop`, {}, 'admin')).json(), { dropped: 0 })
  })

  it('gives everything to an admin', async () => {
    const entries = await get(`/xo-hook/${HOOK}/entries`, 'admin')
    assert.equal(entries.status, 200)
    const { entries: list } = (await entries.json()) as { entries: Array<{ url: string }> }
    assert.ok(list.length > 10)
    assert.ok(list.every((e) => e.url.includes(`/xo-hook/${HOOK}/`)))
    const lookup = await post(
      '/xo-server/lookup/methods',
      { id: SERVER, url: demo.xoUrl, authMethod: 'token', token: '__PWRD__' },
      'admin',
    )
    assert.equal(lookup.status, 200)
  })
})
