import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import { XoSimulator } from '../../src/simulator'
import { XoConnection, type XoConnectionOptions, type XoConnectionState } from '../../src/xo/connection'
import { XoApiError, XoConnectionError } from '../../src/xo/errors'
import { NdjsonDownloader } from '../../src/xo/ndjson'
import { selfSignedCertificate, waitFor, waitForEvent } from '../support/node-red'
import { freePort } from '../support/ports'

const FAST = { heartbeatMs: 0, backoff: { initialMs: 50, maxMs: 200 } }

function untilState(connection: XoConnection, status: XoConnectionState['status'], timeoutMs = 5000) {
  if (connection.state.status === status) return Promise.resolve([connection.state])
  return waitForEvent<[XoConnectionState]>(
    connection,
    'state',
    { timeoutMs, what: `state ${status}` },
    (s) => s.status === status,
  )
}

describe('XoConnection against the simulator', () => {
  let sim: XoSimulator
  const connections: XoConnection[] = []
  const open = (options: Partial<XoConnectionOptions>) => {
    const connection = new XoConnection({
      url: sim.url,
      credentials: { token: sim.issueToken('admin@admin.net') },
      ...FAST,
      ...options,
    })
    connections.push(connection)
    connection.start()
    return connection
  }

  beforeEach(async () => {
    sim = await XoSimulator.start({ timeScale: 0.02 })
  })
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.stop()))
    await sim.stop()
  })

  it('signs in with a token and says as whom, on which XO version', async () => {
    const connection = open({})
    const [info] = await waitForEvent<[{ user: { email: string }; serverVersion: string; resumed: boolean }]>(
      connection,
      'connected',
    )
    assert.equal(info.user.email, 'admin@admin.net')
    assert.equal(info.serverVersion, '5.207.2')
    assert.equal(info.resumed, false)
    assert.equal(await connection.call('system.getServerVersion'), '5.207.2')
  })

  it('signs in with e-mail and password', async () => {
    const connection = open({ credentials: { email: 'admin@admin.net', password: 'admin' } })
    const [state] = await untilState(connection, 'connected')
    assert.equal(state.status === 'connected' && state.user.permission, 'admin')
  })

  it('reports wrong credentials and waits long before trying again (XO throttles password tries)', async () => {
    let signIns = 0
    sim.on('call', ({ method }: { method: string }) => void (method === 'session.signIn' && signIns++))
    const connection = open({ credentials: { email: 'admin@admin.net', password: 'wrong' } })
    const [state] = await untilState(connection, 'auth-failed')
    assert.deepEqual(state, { status: 'auth-failed', reason: 'invalid credentials', retryInMs: 5 * 60_000 })
    assert.equal(signIns, 1)
    const badToken = open({ credentials: { token: 'bogus-token' } })
    assert.equal((await untilState(badToken, 'auth-failed'))[0].status, 'auth-failed')
  })

  it('gives XO errors with their code and data, and refuses calls while disconnected', async () => {
    const connection = open({})
    await untilState(connection, 'connected')
    const error = await connection.call('vm.start', { id: 'bogus-vm-id' }).catch((e) => e)
    assert.ok(error instanceof XoApiError)
    assert.equal(error.code, 1)
    assert.deepEqual(error.data, { id: 'bogus-vm-id', type: 'VM' })
    await assert.rejects(connection.call('session.signOut'), XoConnectionError)
    await connection.stop()
    await assert.rejects(connection.call('system.getServerVersion'), /not connected to XO \(closed\)/)
  })

  it('reconnects and signs in again after XO restarts, telling its users to resynchronise', async () => {
    const connection = open({})
    await untilState(connection, 'connected')
    let signIns = 0
    sim.on('call', ({ method }: { method: string }) => void (method === 'session.signIn' && signIns++))
    const dropped = waitForEvent(connection, 'disconnected')
    const back = waitForEvent<[{ resumed: boolean }]>(connection, 'connected', 10_000)
    await sim.restart()
    await dropped
    const [info] = await back
    assert.equal(info.resumed, true)
    assert.equal(signIns, 1)
    assert.equal(await connection.call('system.getServerVersion'), '5.207.2')
  })

  it('says XO is unreachable, and why, then connects once it is up', async () => {
    const port = await freePort()
    const connection = new XoConnection({ url: `http://127.0.0.1:${port}`, credentials: { token: 'x' }, ...FAST })
    connections.push(connection)
    connection.start()
    const [state] = await untilState(connection, 'unreachable')
    assert.equal(state.status === 'unreachable' && state.reason, 'connection refused')
    assert.ok(state.status === 'unreachable' && state.retryInMs <= 200)
    const late = await XoSimulator.start({ timeScale: 0.02, port })
    try {
      const token = late.issueToken('admin@admin.net')
      const second = new XoConnection({ url: late.url, credentials: { token }, ...FAST })
      connections.push(second)
      second.start()
      await untilState(second, 'connected')
      // the first one keeps retrying with its (wrong) token and ends up told so
      await untilState(connection, 'auth-failed')
    } finally {
      await late.stop()
    }
  })

  it('says when the URL is not an XO API', async () => {
    const connection = open({ url: `${sim.url}/not-xo/` })
    const [state] = await untilState(connection, 'unreachable')
    assert.equal(state.status === 'unreachable' && state.reason, 'no XO API at this URL (HTTP 404)')
  })

  it('detects a half-open socket with its heartbeat and reconnects', async () => {
    const connection = open({ heartbeatMs: 50, heartbeatTimeoutMs: 100 })
    await untilState(connection, 'connected')
    const lost = waitForEvent(connection, 'disconnected')
    sim.freeze(true)
    await lost
    sim.freeze(false)
    await waitForEvent(connection, 'connected', 10_000)
  })

  it('keeps its heartbeat after XO answers one with an error (the socket is alive)', async () => {
    // An "XO" whose second heartbeat answer is an error: the next beats must still come.
    const beats: number[] = []
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    wss.on('connection', (ws) =>
      ws.on('message', (data) => {
        const { id, method } = JSON.parse(String(data)) as { id: number; method: string }
        if (method === 'session.signIn')
          return ws.send(
            JSON.stringify({
              jsonrpc: '2.0',
              id,
              result: { id: 'u', email: 'a@b', groups: [], permission: 'admin', preferences: {} },
            }),
          )
        beats.push(Date.now())
        if (beats.length === 2)
          return ws.send(JSON.stringify({ jsonrpc: '2.0', id, error: { code: 11, message: 'XO is busy' } }))
        ws.send(JSON.stringify({ jsonrpc: '2.0', id, result: '5.207.2' }))
      }),
    )
    await waitForEvent(wss, 'listening')
    const connection = new XoConnection({
      url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
      credentials: { token: 't' },
      heartbeatMs: 20,
      heartbeatTimeoutMs: 10_000,
    })
    connections.push(connection)
    connection.start()
    try {
      // the sign-in's own version call, then beats: an error on the first beat, then more beats
      await waitFor(() => beats.length >= 5, { what: 'heartbeats after an XO error' })
      assert.equal(connection.state.status, 'connected')
    } finally {
      await connection.stop()
      wss.close()
    }
  })

  it('stops without leaving sockets or timers behind', async () => {
    await new Promise((resolve) => setImmediate(resolve)) // mocha arms this test's own timer once the test has begun
    const before = resources()
    const connection = open({ heartbeatMs: 30_000 })
    await untilState(connection, 'connected')
    assert.ok(resources().TCPSocketWrap > (before.TCPSocketWrap ?? 0))
    await connection.stop()
    await sim.stop() // the simulator lives in this process too: its side of the socket must be gone as well
    // Closing handshakes take a few turns of the event loop to finish on both sides.
    await waitFor(
      () => {
        const after = resources()
        return (
          (after.Timeout ?? 0) <= (before.Timeout ?? 0) && (after.TCPSocketWrap ?? 0) <= (before.TCPSocketWrap ?? 0)
        )
      },
      { what: 'no timer nor socket left' },
    ).catch((error) => {
      throw new Error(`${error.message}: ${JSON.stringify({ before, after: resources() })}`)
    })
    assert.equal(connection.listenerCount('state'), 0)
  })

  describe('over TLS with a self-signed certificate', () => {
    let tlsSim: XoSimulator
    const pair = selfSignedCertificate()
    beforeEach(async () => {
      tlsSim = await XoSimulator.start({ timeScale: 0.02, tls: pair })
    })
    afterEach(() => tlsSim.stop())

    const tlsOpen = (options: Partial<XoConnectionOptions>) =>
      open({ url: tlsSim.url, credentials: { token: tlsSim.issueToken('admin@admin.net') }, ...options })

    it('refuses it by default', async () => {
      assert.match(tlsSim.url, /^https:/)
      const [state] = await untilState(tlsOpen({}), 'unreachable')
      assert.equal(state.status === 'unreachable' && state.reason, 'untrusted TLS certificate')
    })

    it('accepts it when this connection trusts it as CA, and when told to accept self-signed', async () => {
      await untilState(tlsOpen({ ca: pair.cert }), 'connected')
      await untilState(tlsOpen({ allowSelfSigned: true }), 'connected')
      assert.equal(process.env.NODE_TLS_REJECT_UNAUTHORIZED, undefined)
    })

    it("downloads XO's NDJSON with the connection's own trust, and refuses the certificate without it", async () => {
      const connection = tlsOpen({ ca: pair.cert })
      await untilState(connection, 'connected')
      const { $getFrom } = await connection.call<{ $getFrom: string }>('xo.getAllObjects', { ndjson: true })
      const types = new Set<string>()
      const { count } = await connection.download($getFrom, (o) => void types.add((o as { type: string }).type))
      assert.ok(count > 50 && types.has('VM') && types.has('host'), `${count} objects`)
      const again = await connection.call<{ $getFrom: string }>('xo.getAllObjects', { ndjson: true })
      const untrusting = new NdjsonDownloader({})
      await assert.rejects(
        untrusting.fetch(tlsSim.url + again.$getFrom, () => {}),
        /self-signed certificate/,
      )
      await untrusting.close()
      // stopped early by its consumer: the rest is not read
      const third = await connection.call<{ $getFrom: string }>('xo.getAllObjects', { ndjson: true })
      const accepting = new NdjsonDownloader({ allowSelfSigned: true })
      assert.deepEqual(await accepting.fetch(tlsSim.url + third.$getFrom, () => false), { count: 1, stopped: true })
      await accepting.close()
    })
  })
})

function resources(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1
  return counts
}
