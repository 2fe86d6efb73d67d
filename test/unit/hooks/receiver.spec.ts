import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { PassThrough } from 'node:stream'
import type { HookPost } from '../../../src/hooks/delivery'
import {
  compileAllowList,
  digestsMatch,
  readDelivery,
  type ReceiverOptions,
  secretDigest,
} from '../../../src/hooks/receiver'

const SECRET = 'receiver-secret'
const options: ReceiverOptions = { secret: secretDigest(SECRET), maxBytes: 1000, allowFrom: undefined }
const delivery = (padding: number): HookPost => ({
  type: 'post',
  callId: 'c1',
  method: 'vm.start',
  params: { id: 'vm1', padding: 'x'.repeat(padding) },
  timestamp: 1,
  duration: 3,
  result: true,
})

/** A request as Node's HTTP server hands it over; `parsed`: as a body parser of the host left it (body read). */
function request(body: string, headers: Record<string, string>, parsed?: unknown): IncomingMessage {
  const stream = new PassThrough()
  const req = Object.assign(stream, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    socket: { remoteAddress: '127.0.0.1' },
    ...(parsed === undefined ? {} : { _body: true, body: parsed }),
  })
  if (parsed === undefined) stream.end(body)
  else stream.end()
  return req as unknown as IncomingMessage
}

describe('delivery checks', () => {
  it('compares secrets whatever their length', () => {
    assert.equal(digestsMatch('abc', secretDigest('abc')), true)
    assert.equal(digestsMatch('abd', secretDigest('abc')), false)
    assert.equal(digestsMatch('', secretDigest('abc')), false)
    assert.equal(digestsMatch('', secretDigest('')), false)
  })

  it('allows listed addresses and ranges, IPv4 seen through IPv6 sockets too', () => {
    const allow = compileAllowList('127.0.0.1, 10.1.0.0/16 ::1 fd00::/8') as (a: string) => boolean
    assert.equal(allow('127.0.0.1'), true)
    assert.equal(allow('::ffff:127.0.0.1'), true)
    assert.equal(allow('10.1.200.3'), true)
    assert.equal(allow('10.2.0.1'), false)
    assert.equal(allow('::1'), true)
    assert.equal(allow('fd12::5'), true)
    assert.equal(allow('fe80::1'), false)
    assert.equal(compileAllowList('  '), undefined)
    assert.deepEqual(compileAllowList('10.0.0.0/33'), { error: 'invalid address or CIDR: 10.0.0.0/33' })
    assert.deepEqual(compileAllowList('xo.lan'), { error: 'invalid address or CIDR: xo.lan' })
  })
})

describe('reading a delivery', () => {
  it('refuses a chunked body over the limit as it reads it', async () => {
    const body = JSON.stringify(delivery(2000))
    const outcome = await readDelivery(request(body, { 'transfer-encoding': 'chunked' }), SECRET, options)
    assert.deepEqual(outcome, { status: 413, reason: 'body over the 1000 bytes limit' })
  })

  it('refuses a chunked body over the limit that a body parser of the host read first', async () => {
    const body = delivery(2000)
    const outcome = await readDelivery(request('', { 'transfer-encoding': 'chunked' }, body), SECRET, options)
    assert.ok('status' in outcome)
    assert.equal(outcome.status, 413)
  })

  it('takes a body within the limit, read here or by a body parser of the host, with its size', async () => {
    const body = delivery(100)
    const text = JSON.stringify(body)
    assert.deepEqual(await readDelivery(request(text, { 'transfer-encoding': 'chunked' }), SECRET, options), {
      body,
      bytes: text.length,
    })
    assert.deepEqual(await readDelivery(request('', { 'transfer-encoding': 'chunked' }, body), SECRET, options), {
      body,
      bytes: text.length,
    })
    assert.deepEqual(
      await readDelivery(request('', { 'content-length': String(text.length) }, body), SECRET, options),
      { body, bytes: text.length },
    )
  })
})
