import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { XoConnection, type XoConnectionState } from '../../../src/xo/connection'
import { XoProtocolError } from '../../../src/xo/errors'
import { USER } from '../../hostile/hostile-xo'
import { waitFor, waitForEvent } from '../../support/node-red'

type Request = { id: number; method: string }

/** An "XO" over a real socket whose answers the test writes: `answer` sends what XO should answer each request. */
async function fakeXo(answer: (ws: WebSocket, request: Request) => void) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  const requests: Request[] = []
  wss.on('connection', (ws) =>
    ws.on('message', (data) => {
      const request = JSON.parse(String(data)) as Request
      requests.push(request)
      answer(ws, request)
    }),
  )
  await waitForEvent(wss, 'listening')
  return { wss, requests, url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/` }
}

const reply = (ws: WebSocket, id: number, result: unknown) => ws.send(JSON.stringify({ jsonrpc: '2.0', id, result }))
const all = (items: Record<string, unknown>) =>
  JSON.stringify({ jsonrpc: '2.0', method: 'all', params: { type: 'enter', items } })

describe('XoConnection against frames that are not XO’s', () => {
  const cleanups: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })
  const open = async (answer: (ws: WebSocket, request: Request) => void, options: { heartbeatMs?: number } = {}) => {
    const xo = await fakeXo(answer)
    cleanups.push(() => new Promise<void>((resolve) => xo.wss.close(() => resolve())))
    cleanups.push(() => xo.wss.clients.forEach((client) => client.terminate()))
    const connection = new XoConnection({
      url: xo.url,
      credentials: { token: 't' },
      heartbeatMs: 0,
      backoff: { initialMs: 50, maxMs: 100 },
      ...options,
    })
    cleanups.push(() => connection.stop())
    const warnings: string[] = []
    connection.on('warning', (w) => warnings.push(w))
    connection.start()
    return { xo, connection, warnings }
  }
  const until = (connection: XoConnection, accept: (state: XoConnectionState) => boolean) =>
    accept(connection.state)
      ? Promise.resolve(connection.state)
      : waitForEvent<[XoConnectionState]>(connection, 'state', { timeoutMs: 5000, what: 'a state' }, accept).then(
          ([s]) => s,
        )

  it('takes a notification that comes in the same breath as the sign-in answer, but refuses one before it', async () => {
    const { connection } = await open((ws, { id, method }) => {
      if (method === 'session.signIn') {
        // One write, two frames: the notification is read before the sign-in's promise settles.
        ws.send(JSON.stringify({ jsonrpc: '2.0', id, result: USER }))
        ws.send(all({ 'vm-1': { id: 'vm-1', type: 'VM' } }))
      } else reply(ws, id, '5.207.2')
    })
    const state = await until(connection, (s) => s.status === 'connected' || s.status === 'unreachable')
    assert.equal(state.status, 'connected')

    const early = await open((ws, { id, method }) => {
      if (method === 'session.signIn') ws.send(all({}))
      else reply(ws, id, '5.207.2')
    })
    const refused = await until(early.connection, (s) => s.status === 'unreachable')
    assert.deepEqual(
      refused.status === 'unreachable' && refused.reason,
      'not an XO API: a notification (all) before signing in',
    )
  })

  it('fails a call at once when the frame naming it is not an answer, instead of leaving it waiting', async () => {
    const { connection, warnings } = await open((ws, { id, method }) => {
      if (method === 'session.signIn') return reply(ws, id, USER)
      if (method === 'system.getServerVersion') return reply(ws, id, '5.207.2')
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method: 5, result: 'started' }))
    })
    await until(connection, (s) => s.status === 'connected')
    // No timeout: without the frame failing it, this call would wait forever.
    const error = await connection.call('vm.start', { id: 'vm-1' }).catch((e: unknown) => e)
    assert.ok(error instanceof XoProtocolError, String(error))
    assert.match(error.message, /frame whose method is not a string: .* answering vm\.start/)
    assert.ok(
      warnings.some((w) => /^XO sent frame whose method is not a string/.test(w)),
      JSON.stringify(warnings),
    )
    assert.equal(connection.state.status === 'connected' && connection.state.badFrames, 1)
  })

  it('keeps its heartbeat when XO answers one with a frame that is not an answer: the socket is alive', async () => {
    let beats = 0
    const { xo, connection } = await open(
      (ws, { id, method }) => {
        if (method === 'session.signIn') return reply(ws, id, USER)
        if (method !== 'system.getServerVersion') return
        // the sign-in's own version call, then the beats: the first one is answered with a malformed error
        if (beats++ === 1) ws.send(JSON.stringify({ jsonrpc: '2.0', id, error: { message: 'busy' } }))
        else reply(ws, id, '5.207.2')
      },
      { heartbeatMs: 20 },
    )
    await until(connection, (s) => s.status === 'connected')
    await waitFor(() => beats >= 4, { timeoutMs: 3000, what: 'beats after a malformed answer' })
    assert.equal(connection.state.status, 'connected')
    assert.equal(connection.state.status === 'connected' && connection.state.badFrames, 1)
    assert.equal(xo.wss.clients.size, 1, 'the same socket, never replaced')
  })
})
