import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import type { NodeAPI } from 'node-red'
import { hookMetrics } from '../../../src/hooks/hook-metrics'
import { hookDispatchOf, type HookEndpoint } from '../../../src/node-red/hook-dispatch'
import { hookRoutes, tracingWanted } from '../../../src/node-red/hook-routes'
import { XoMetrics } from '../../../src/metrics/xo-metrics'

type Handler = (req: unknown, res: unknown) => unknown

/** As much of Node-RED's API as the routes use: the handlers they add, the nodes the test deploys. */
function fakeRed(nodes: Record<string, unknown> = {}, logging: Record<string, { level?: string }> = {}) {
  const routes: Record<string, Handler> = {}
  const permissions: string[] = []
  const RED = {
    events: new EventEmitter(),
    settings: { logging },
    _: (key: string) => `text of ${key}`,
    httpNode: { all: (path: string, handler: Handler) => void (routes[`ALL ${path}`] = handler) },
    httpAdmin: {
      get: (path: string, _permission: unknown, handler: Handler) => void (routes[`GET ${path}`] = handler),
    },
    auth: { needsPermission: (permission: string) => (permissions.push(permission), 'check') },
    nodes: { getNode: (id: string) => nodes[id] ?? null },
  }
  return { RED: RED as unknown as NodeAPI, routes, permissions }
}

/** An express response that says how it was answered. */
function response() {
  const res = {
    code: 200,
    body: undefined as unknown,
    status: (code: number) => ((res.code = code), res),
    json: (body: unknown) => void (res.body = body),
  }
  return res
}

describe("xo-hook's routes", () => {
  it("hands each delivery to its node by id, with the secret from the URL, as come through Node-RED's endpoints", async () => {
    const { RED, routes } = fakeRed()
    hookRoutes(RED)
    const received: unknown[] = []
    const endpoint: HookEndpoint = {
      receive: (_req, _res, secret, _arrived, via) => void received.push([secret, via]),
      deliver: async () => {},
    }
    hookDispatchOf(RED).endpoints.set('n1', endpoint)
    await routes['ALL /xo-hook/:nodeId/:secret']({ params: { nodeId: 'n1', secret: 's' } }, {})
    await routes['ALL /xo-hook/:nodeId']({ params: { nodeId: 'n1' } }, {})
    assert.deepEqual(received, [
      ['s', 'node-red'],
      [undefined, 'node-red'],
    ])
  })

  it("answers the editor (with xo-hook's write permission) with a deployed node's entries, or why not", async () => {
    const entries = [{ method: 'vm.start' }]
    const { RED, routes, permissions } = fakeRed({
      hook: { type: 'xo-hook', entries: async () => entries },
      failing: { type: 'xo-hook', entries: async () => Promise.reject(new Error('no URL')) },
      other: { type: 'inject' },
    })
    hookRoutes(RED)
    assert.deepEqual(permissions, ['xo-hook.write'])
    const ask = async (id: string) => {
      const res = response()
      await routes['GET /xo-hook/:id/entries']({ params: { id } }, res)
      return [res.code, res.body]
    }
    assert.deepEqual(await ask('hook'), [200, { entries }])
    assert.deepEqual(await ask('failing'), [503, { error: 'no URL' }])
    assert.deepEqual(await ask('other'), [404, { error: 'text of xo-hook.errors.notDeployed' }])
    assert.deepEqual(await ask('gone'), [404, { error: 'text of xo-hook.errors.notDeployed' }])
  })

  it('traces only when a log handler shows trace lines', () => {
    assert.equal(tracingWanted(fakeRed({}, { console: { level: 'info' } }).RED), false)
    assert.equal(tracingWanted(fakeRed({}, { console: { level: 'info' }, file: { level: 'trace' } }).RED), true)
  })
})

describe("xo-hook's metrics", () => {
  it('labels each count with the server', async () => {
    const metrics = new XoMetrics(() => [])
    const hook = hookMetrics(metrics, 'xo1')
    hook.delivered('vm.start', 'pre')
    hook.caughtUp('vm.start')
    hook.refused(401)
    hook.gated('held')
    hook.catchUpPass('ok')
    const { body } = await metrics.text()
    for (const line of [
      'xo_hook_deliveries_total{server="xo1",method="vm.start",phase="pre"} 1',
      'xo_hook_caught_up_total{server="xo1",method="vm.start"} 1',
      'xo_hook_refusals_total{server="xo1",status="401"} 1',
      'xo_hook_gated_total{server="xo1",outcome="held"} 1',
      'xo_hook_catch_up_passes_total{server="xo1",outcome="ok"} 1',
    ]) {
      assert.ok(body.includes(line), line)
    }
  })
})
