import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { waitFor } from '../support/node-red'
import { StockNodeRed } from '../support/stock-node-red'
import { HostileXo, type HostileCase } from './hostile-xo'

const text = (t: string) => ({ text: t })
const json = (value: unknown) => text(JSON.stringify(value))

// One bad frame where XO would answer the sign-in: the attempt must end as "not an XO API", never in a crash.
const BEFORE_SIGN_IN: Record<string, HostileCase> = {
  'not-json': { onSignIn: () => text('Welcome!') },
  'welcome-on-open': { onOpen: text('Welcome!') },
  binary: { onSignIn: () => ({ binary: Buffer.from([0, 159, 146, 150, 255]) }) },
  'unknown-id': { onSignIn: () => json({ jsonrpc: '2.0', id: 987654321, result: { id: 'u1' } }) },
  'error-null': { onSignIn: ({ id }) => json({ jsonrpc: '2.0', id, error: null }) },
  'error-not-object': { onSignIn: ({ id }) => json({ jsonrpc: '2.0', id, error: 'boom' }) },
  'neither-id-nor-method': { onSignIn: () => json({ jsonrpc: '2.0', result: 1 }) },
  'json-array': { onSignIn: () => text('[1, 2, 3]') },
  'json-string': { onSignIn: () => text('"hello"') },
  'request-from-server': { onSignIn: () => json({ jsonrpc: '2.0', id: 1, method: 'session.signOut', params: {} }) },
}

// A signed-in connection that then gets one bad frame: kept, counted in the status, said in the log.
const AFTER_SIGN_IN: Record<string, HostileCase> = {
  'late-not-json': { afterSignIn: () => text('Welcome!') },
  'late-binary': { afterSignIn: () => ({ binary: Buffer.alloc(1024, 7) }) },
  'late-unknown-id': { afterSignIn: () => json({ jsonrpc: '2.0', id: 'nobody', result: true }) },
  'late-neither-id-nor-method': { afterSignIn: () => json({ jsonrpc: '2.0' }) },
  'params-null': { afterSignIn: () => json({ jsonrpc: '2.0', method: 'all', params: null }) },
  'items-not-object': { afterSignIn: () => json({ jsonrpc: '2.0', method: 'all', params: { type: 'enter', items: 42 } }) },
  'huge-not-json': { afterSignIn: () => text(`{${'x'.repeat(8 * 1024 * 1024)}`) },
}

describe('hostile "XO" frames against the stock node-red entry point', function () {
  this.timeout(120_000)
  let red: StockNodeRed
  let hostile: HostileXo
  let welcome: http.Server

  before(async () => {
    hostile = await new HostileXo({ ...BEFORE_SIGN_IN, ...AFTER_SIGN_IN, echo: { echo: true } }).start()
    welcome = http.createServer((_req, res) => res.writeHead(200).end('Welcome!'))
    await new Promise<void>((resolve) => welcome.listen(0, '127.0.0.1', resolve))
    red = await StockNodeRed.start()
    const flow: Array<Record<string, unknown>> = [{ id: 'tab', type: 'tab', label: 'hostile' }]
    for (const name of [...Object.keys(BEFORE_SIGN_IN), ...Object.keys(AFTER_SIGN_IN), 'echo']) {
      flow.push(
        { id: `s-${name}`, type: 'xo-server', url: hostile.caseUrl(name), authMethod: 'token', credentials: { token: 'not-a-real-token' } },
        { id: `e-${name}`, type: 'xo-events', z: 'tab', server: `s-${name}`, types: ['VM'], events: ['started'], wires: [] },
      )
    }
    await red.deploy(flow)
  })

  after(async () => {
    await red?.dispose()
    await hostile?.stop()
    welcome?.closeAllConnections()
    await new Promise((resolve) => welcome?.close(resolve))
  })

  afterEach(() => assert.deepEqual(red.crashes, [], `Node-RED exited:\n${red.log.slice(-3000)}`))

  for (const name of Object.keys(BEFORE_SIGN_IN)) {
    it(`says "not an XO API" for ${name} before sign-in, in the status and the log`, async () => {
      const status = await red.waitForStatus(`e-${name}`, (s) => /not an XO API/.test(s.text ?? ''))
      assert.equal(status.fill, 'red')
      await red.waitForLog(new RegExp(`XO unreachable at ws://[^ ]+/${name}/api/ \\(not an XO API`))
      assert.ok(red.alive)
    })
  }

  for (const name of Object.keys(AFTER_SIGN_IN)) {
    it(`keeps the connection and counts ${name} after sign-in, in the status and the log`, async () => {
      const status = await red.waitForStatus(`e-${name}`, (s) => /XO sent 1 bad frame/.test(s.text ?? ''))
      assert.equal(status.fill, 'yellow')
      await red.waitForLog(new RegExp(`ws://[^ ]+/${name}/api/: XO sent `))
      assert.ok(red.alive)
    })
  }

  it('never answers what an echoing server sends back: no reply loop', async () => {
    await red.waitForStatus('e-echo', (s) => /not an XO API/.test(s.text ?? ''))
    // Another attempt comes after the backoff: by then a client that answers garbage would have sent thousands.
    const before = hostile.connections.get('echo') ?? 0
    await waitFor(() => (hostile.connections.get('echo') ?? 0) > before && hostile.received.get('echo')!.length >= before + 1, {
      timeoutMs: 15_000,
      what: 'another sign-in attempt',
    })
    const frames = hostile.received.get('echo')!.map((f) => JSON.parse(f) as { method?: string })
    // One request per attempt, and nothing else: no answer to the echoed request, no error frame.
    assert.ok(frames.length <= hostile.connections.get('echo')!, `${frames.length} frames over ${hostile.connections.get('echo')} sockets`)
    assert.deepEqual(new Set(frames.map((f) => f.method)), new Set(['session.signIn']))
  })

  it('answers an editor look-up aimed at a URL that is not XO with an error, and keeps running', async () => {
    const lookup = (url: string) =>
      red.request('/xo-server/lookup/methods', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url, authMethod: 'token', token: 'x' }),
      })
    const ws = await lookup(hostile.caseUrl('not-json'))
    assert.equal(ws.status, 502)
    assert.match(((await ws.json()) as { error: string }).error, /not an XO API: frame is not JSON: Welcome!/)
    const plain = await lookup(`http://127.0.0.1:${(welcome.address() as AddressInfo).port}/`)
    assert.equal(plain.status, 502)
    assert.match(((await plain.json()) as { error: string }).error, /no XO API at this URL \(HTTP 200\)/)
    assert.ok(red.alive)
  })
})
