import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { PassThrough } from 'node:stream'
import type { CallClaim } from '../../../src/coordination/coordinator'
import type { HookBody, HookPost, HookPre } from '../../../src/hooks/delivery'
import type { EmitWith } from '../../../src/node-red/hook-emitter'
import { HeldDeliveries } from '../../../src/hooks/held-deliveries'
import { newHookState } from '../../../src/node-red/hook-status'
import { HookIntake, type HookIntakeOptions } from '../../../src/node-red/hook-intake'
import { secretDigest } from '../../../src/hooks/receiver'
import { hookSettings, type HookSettings } from '../../../src/hooks/settings'
import { t } from '../../support/hook-settings'

const SECRET = 'intake-secret'
const pre: HookPre = { type: 'pre', callId: 'c1', method: 'vm.start', params: { id: 'vm1' }, timestamp: 1 }
const post: HookPost = {
  type: 'post',
  callId: 'c1',
  method: 'vm.start',
  params: { id: 'vm1' },
  timestamp: 2,
  result: true,
}

function settingsOf(config: Parameters<typeof hookSettings>[0]): HookSettings {
  const settings = hookSettings(config)
  if ('error' in settings) throw new Error(settings.error)
  return settings
}

function request(body: unknown, method = 'POST'): IncomingMessage {
  const stream = new PassThrough()
  const req = Object.assign(stream, {
    method,
    headers: { 'content-type': 'application/json' },
    socket: { remoteAddress: '127.0.0.1' },
  })
  stream.end(JSON.stringify(body))
  return req as unknown as IncomingMessage
}

/** A response that says how it was answered. */
function response() {
  const headers: Record<string, string> = {}
  const res = {
    statusCode: 200,
    writableEnded: false,
    destroyed: false,
    headers,
    setHeader: (name: string, value: string) => void (headers[name] = value),
    end: () => void (res.writableEnded = true),
  }
  return res
}
const asResponse = (res: ReturnType<typeof response>) => res as unknown as ServerResponse

async function until(condition: () => boolean, ms = 1000): Promise<void> {
  const end = Date.now() + ms
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

function intakeWith(
  options: Partial<HookIntakeOptions> & {
    shared?: { claim?: unknown; pre?: HookPre }
    fails?: boolean
    given?: Set<string>
  } = {},
) {
  const emitted: Array<[HookBody, number, string | undefined, EmitWith | undefined]> = []
  const said: string[] = []
  const counted: string[] = []
  const live: string[] = []
  let closed = false
  let refreshed = 0
  const state = newHookState()
  const held = new HeldDeliveries()
  const intake = new HookIntake({
    settings: settingsOf({ methods: 'vm.*' }),
    receiving: { secret: secretDigest(SECRET), maxBytes: 10_000, allowFrom: undefined },
    path: 'node-red',
    held,
    emitter: {
      emit: async (body, bytes, hold, extra) => {
        if (options.fails) throw new Error('no flow')
        emitted.push([body, bytes, hold, extra])
        return true
      },
      sharedPost: async () => (options.shared ?? {}) as Awaited<ReturnType<HookIntakeOptions['emitter']['sharedPost']>>,
    },
    catchUp: { tookLive: (callId) => (live.push(callId), options.given ? !options.given.has(callId) : undefined) },
    state,
    metrics: {
      refused: (status) => counted.push(`refused ${status}`),
      gated: (outcome) => counted.push(`gated ${outcome}`),
    },
    closed: () => closed,
    refresh: () => refreshed++,
    debug: (m) => said.push(`debug ${m}`),
    warn: (m) => said.push(`warn ${m}`),
    error: (m) => said.push(`error ${m}`),
    t,
    now: () => 42,
    ...options,
  })
  const receive = async (
    body: unknown,
    { secret = SECRET, method = 'POST', via = 'node-red' as const, arrived = Date.now() } = {},
  ) => {
    const res = response()
    intake.receive(request(body, method), asResponse(res), secret, arrived, via)
    await new Promise((resolve) => setTimeout(resolve, 5))
    return res
  }
  return {
    intake,
    receive,
    emitted,
    said,
    counted,
    live,
    state,
    held,
    close: () => (closed = true),
    refreshed: () => refreshed,
  }
}

describe('the intake of an xo-hook node', () => {
  it('refuses what is not for it, counting each refusal with its status', async () => {
    const { receive, emitted, said, counted, state, refreshed } = intakeWith()
    const wrong = await receive(post, { secret: 'wrong' })
    await until(() => wrong.writableEnded)
    assert.equal(wrong.statusCode, 401)
    const get = await receive(post, { method: 'GET' })
    await until(() => get.writableEnded)
    assert.equal(get.statusCode, 405)
    assert.equal(get.headers.Allow, 'POST')
    assert.deepEqual(state, { ...newHookState(), rejected: 2, lastRejection: 405 })
    assert.deepEqual(counted, ['refused 401', 'refused 405'])
    assert.equal(refreshed(), 2)
    assert.deepEqual(said, [
      'debug errors.rejected {"status":401,"reason":"missing or wrong secret"}',
      'debug errors.rejected {"status":405,"reason":"method GET not allowed"}',
    ])
    assert.deepEqual(emitted, [])
  })

  it('answers 404, counting nothing, on the path whose URL is not registered in XO', async () => {
    const { receive, state, counted } = intakeWith({ path: 'listener' })
    const res = await receive(post)
    await until(() => res.writableEnded)
    assert.equal(res.statusCode, 404)
    assert.deepEqual(state, newHookState())
    assert.deepEqual(counted, [])
  })

  it('tells XO at once, then emits what the node selects', async () => {
    const { receive, emitted } = intakeWith({ shared: { pre } })
    const res = await receive(post)
    assert.equal(res.statusCode, 204)
    const other = await receive({ ...post, method: 'host.restart' })
    assert.equal(other.statusCode, 204)
    assert.equal(emitted.length, 1)
    const [body, bytes, hold, extra] = emitted[0]
    assert.deepEqual(body, post)
    assert.equal(bytes, JSON.stringify(post).length)
    assert.equal(hold, undefined)
    assert.deepEqual(extra, { sharedPre: pre, claim: undefined })
  })

  it('does not emit twice a post the catch-up gave already', async () => {
    const { receive, emitted, live } = intakeWith({ given: new Set(['c1']) })
    assert.equal((await receive(post)).statusCode, 204)
    assert.deepEqual(emitted, [])
    await receive({ ...post, callId: 'c2' })
    assert.equal(emitted.length, 1)
    assert.deepEqual(live, ['c1', 'c2'])
  })

  it('holds a gated pre until a flow lets XO go on', async () => {
    const { intake, receive, emitted, counted } = intakeWith({ settings: settingsOf({ methods: 'vm.*', gate: true }) })
    const res = await receive(pre)
    assert.equal(res.writableEnded, false)
    assert.equal(emitted[0][2], 'vm.start:c1:42')
    assert.equal(intake.proceed('vm.start:c1:42'), true)
    assert.equal(res.statusCode, 204)
    assert.equal(intake.proceed('vm.start:c1:42'), false)
    assert.deepEqual(counted, ['gated held', 'gated released'])
  })

  it('lets XO go on at the gate timeout, counted from the arrival, saying so', async () => {
    const { receive, said, counted } = intakeWith({
      settings: settingsOf({ methods: 'vm.*', gate: true, gateTimeout: 1 }),
    })
    const res = await receive(pre, { arrived: Date.now() - 990 })
    await until(() => res.writableEnded)
    assert.equal(res.statusCode, 204)
    assert.deepEqual(counted, ['gated held', 'gated timeout'])
    assert.deepEqual(said, ['warn errors.gateTimeout {"method":"vm.start","seconds":1}'])
  })

  it('holds nothing once the node closed', async () => {
    const { receive, emitted, close } = intakeWith({ settings: settingsOf({ methods: 'vm.*', gate: true }) })
    close()
    assert.equal((await receive(pre)).statusCode, 204)
    assert.equal(emitted[0][2], undefined)
  })

  it('leaves a post another claim gives, and hands its own claim to the emitter', async () => {
    const given = intakeWith({ shared: { claim: { state: 'held', retryMs: 10 } } })
    await given.receive(post)
    assert.deepEqual(given.emitted, [])
    const claim = { release() {} } as unknown as CallClaim
    const mine = intakeWith({ shared: { claim: { state: 'mine', claim } } })
    await mine.receive(post)
    assert.equal(mine.emitted[0][3]?.claim, claim)
  })

  it('when the emitter fails: gives back the claim, lets XO go on at once, and says why', async () => {
    const released: string[] = []
    const claim = { release: () => released.push('claim') } as unknown as CallClaim
    const { receive, said, counted } = intakeWith({
      fails: true,
      shared: { claim: { state: 'mine', claim } },
      settings: settingsOf({ methods: 'vm.*', gate: true }),
    })
    const res = await receive(pre)
    assert.equal(res.statusCode, 204)
    assert.deepEqual(released, ['claim'])
    assert.deepEqual(counted, ['gated held', 'gated released'])
    assert.deepEqual(said, ['error errors.emitFailed {"reason":"no flow"}'])
  })

  it('emits what its predecessor handed over, recording a post as come live; gives back a claim it does not select', async () => {
    const { intake, emitted, live } = intakeWith({ settings: settingsOf({ methods: 'vm.*', phase: 'post' }) })
    const released: string[] = []
    const claim = { release: () => released.push('released') } as unknown as CallClaim
    await intake.deliver(pre, 10, claim)
    assert.deepEqual(released, ['released'])
    await intake.deliver(post, 10, claim)
    assert.deepEqual(live, ['c1'])
    assert.deepEqual(emitted, [[post, 10, undefined, { claim }]])
  })
})
