/**
 * The destination nodes through an xo outbox, Node-RED's core http request node and xo outcome, against a local
 * server playing the destination: what only holds for a while when a request is built (a Standard Webhooks
 * signature) is made anew for each attempt, and xo kea's change goes on command after command through the outbox,
 * each command under its own key.
 */
import assert from 'node:assert/strict'
import type { IncomingHttpHeaders } from 'node:http'
import type { NodeAPI } from 'node-red'
import { verifyStandardWebhook } from '../../src/destinations/cloudevents'
import xoOutbox from '../../src/xo-outbox'
import { coreHttpRequestNode, type NodeModule } from '../support/core-nodes'
import destinationNodes from '../support/destination-nodes'
import { vmCreated } from '../support/destination-messages'
import { Sink } from '../support/examples'
import { initHelper, waitForEvent } from '../support/node-red'

const SECRET = `whsec_${Buffer.from('outbox-signing-secret-0123456789').toString('base64')}`
const header = (headers: IncomingHttpHeaders, name: string) => String(headers[name])

describe('destination nodes through xo outbox (core http request node, local destination)', function () {
  this.timeout(30_000)
  const helper = initHelper()
  const httpRequest = coreHttpRequestNode()
  let sink: Sink

  before(() => helper.startServer())
  after(() => helper.stopServer())
  beforeEach(async () => {
    sink = await new Sink().start()
  })
  afterEach(async () => {
    await helper.unload()
    await sink.stop()
  })

  /** destination -> xo outbox -> http request -> xo outcome -> back into the outbox; settled messages to `settled`. */
  function load(destination: Record<string, unknown>, credentials: Record<string, string>, ret: 'txt' | 'obj') {
    const flow = [
      { id: 'dest', ...destination, wires: [['outbox']] },
      { id: 'outbox', type: 'xo-outbox', wires: [['request'], ['settled']] },
      { id: 'request', type: 'http request', method: 'use', ret, paytoqs: 'ignore', wires: [['outcome']] },
      { id: 'outcome', type: 'xo-outcome', destination: 'auto', wires: [['outbox'], ['outbox'], ['outbox']] },
      { id: 'settled', type: 'helper' },
    ]
    const modules = [httpRequest, destinationNodes, xoOutbox] as unknown as NodeModule[]
    return helper.load(modules as Array<(red: NodeAPI) => void>, flow, { dest: credentials })
  }

  it('signs each attempt of a CloudEvent anew, under the same webhook-id and Idempotency-Key', async () => {
    // The first attempt is asked to come back 2 s later: its second signature must carry the later time.
    sink.answer((r) => (sink.on('/billing').indexOf(r) === 0 ? { status: 429, headers: { 'retry-after': '2' } } : {}))
    await load({ type: 'xo-cloudevent', url: `${sink.url}/billing`, objects: 'vm' }, { secret: SECRET }, 'txt')
    const settled = waitForEvent<[Record<string, unknown>]>(helper.getNode('settled'), 'input', 20_000)
    helper.getNode('dest').receive(vmCreated())
    const [msg] = await settled
    assert.equal((msg.xoOutbox as { state: string }).state, 'delivered')
    const [first, second] = sink.on('/billing')
    assert.equal(sink.on('/billing').length, 2)
    assert.equal(second.body, first.body, 'the same event')
    for (const name of ['webhook-id', 'idempotency-key'])
      assert.equal(header(second.headers, name), header(first.headers, name), name)
    const stamp = (r: typeof first) => Number(header(r.headers, 'webhook-timestamp'))
    assert.ok(stamp(second) >= stamp(first) + 2, `signed anew: ${stamp(first)} then ${stamp(second)}`)
    // Each verifies as received, within a second of its own time.
    for (const r of [first, second]) {
      const now = Math.floor(r.at / 1000)
      assert.ok(verifyStandardWebhook(r.headers as Record<string, string>, r.body, SECRET, 1, now), 'signature')
    }
  })

  it("takes xo kea's change command after command, each under its own key, a retried one under the same", async () => {
    const commands: string[] = []
    sink.answer((r) => {
      const command = JSON.parse(r.body).command as string
      commands.push(command)
      if (command === 'reservation-del') return { body: '[{"result":3,"text":"Host not deleted (not found)."}]' }
      // Kea restarting: the add fails once, then succeeds.
      if (commands.filter((c) => c === 'reservation-add').length === 1) return { status: 503, body: 'restarting' }
      return { body: '[{"result":0,"text":"Host added."}]' }
    })
    const flow = [
      { id: 'kea', type: 'xo-kea', url: `${sink.url}/`, subnets: 'DMZ=2', wires: [['outbox'], ['done']] },
      { id: 'outbox', type: 'xo-outbox', wires: [['request'], ['kea']] },
      { id: 'request', type: 'http request', method: 'use', ret: 'obj', paytoqs: 'ignore', wires: [['outcome']] },
      { id: 'outcome', type: 'xo-outcome', destination: 'auto', wires: [['outbox'], ['outbox'], ['outbox']] },
      { id: 'done', type: 'helper' },
    ]
    const modules = [httpRequest, destinationNodes, xoOutbox] as unknown as Array<(red: NodeAPI) => void>
    await helper.load(modules, flow)
    const done = waitForEvent<[{ xoKea: { ok: boolean; results: Array<{ command: string; ok: boolean }> } }]>(
      helper.getNode('done'),
      'input',
      20_000,
    )
    helper.getNode('kea').receive(vmCreated())
    const [msg] = await done
    assert.equal(msg.xoKea.ok, true)
    assert.deepEqual(
      msg.xoKea.results.map((r) => [r.command, r.ok]),
      [
        ['reservation-del', true],
        ['reservation-add', true],
      ],
    )
    assert.deepEqual(commands, ['reservation-del', 'reservation-add', 'reservation-add'])
    const [del, add, addAgain] = sink.received.map((r) => header(r.headers, 'idempotency-key'))
    assert.notEqual(add, del, 'each command its own key')
    assert.equal(addAgain, add, 'a retried command under the same key')
  })
})
