/**
 * A digest through the destination nodes as a flow uses them: xo slack and xo pagerduty → Node-RED's core http
 * request node → a local HTTP server playing Slack and PagerDuty → xo outcome. A host evacuation (50 VMs migrated)
 * is one Slack post and one PagerDuty alert, not fifty; its resolved digest resolves that alert.
 */
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { OutcomeMessage } from '../../src/destinations/outcome'
import { coreHttpRequestNode, type NodeModule } from '../support/core-nodes'
import xoDestinations from '../support/destination-nodes'
import { digestMessage, EVACUATION_GROUP, evacuation } from '../support/digest-fixtures'
import { initHelper } from '../support/node-red'

interface Received {
  url: string
  body: Record<string, any>
}

const ROUTING_KEY = 'P0UT1NGKEY0123456789abcdef012345'
const SLACK_PATH = '/services/T0001/B0001/webhook-secret'

describe('a digest over real HTTP: xo slack and xo pagerduty → core http request → xo outcome', () => {
  const helper = initHelper()
  const httpRequest = coreHttpRequestNode()
  let server: http.Server
  let base = ''
  let received: Received[] = []

  before(async () => {
    await helper.startServer()
    // Answers as Slack (200 'ok') and PagerDuty (202, the dedup key) do.
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any>
        received.push({ url: req.url ?? '', body })
        if (req.url === SLACK_PATH) return res.writeHead(200).end('ok')
        if (req.url === '/v2/enqueue') {
          res.writeHead(202, { 'Content-Type': 'application/json' })
          return res.end(JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: body.dedup_key }))
        }
        res.writeHead(404).end('no such endpoint')
      })
    })
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  beforeEach(() => {
    received = []
  })
  afterEach(() => helper.unload())
  after(async () => {
    await helper.unload()
    await helper.stopServer()
    if (server) {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  function load() {
    const flow = [
      { id: 'slack', type: 'xo-slack', style: 'blocks', wires: [['request']] },
      { id: 'pagerduty', type: 'xo-pagerduty', mode: 'auto', eventsUrl: base, wires: [['request']] },
      {
        id: 'request',
        type: 'http request',
        method: 'use',
        ret: 'txt',
        paytoqs: 'ignore',
        url: '',
        tls: '',
        persist: false,
        proxy: '',
        authType: '',
        senderr: false,
        headers: [],
        wires: [['outcome']],
      },
      { id: 'outcome', type: 'xo-outcome', destination: 'auto', wires: [['ok'], ['retry'], ['failed']] },
      { id: 'ok', type: 'helper' },
      { id: 'retry', type: 'helper' },
      { id: 'failed', type: 'helper' },
    ]
    return helper.load([httpRequest, xoDestinations as unknown as NodeModule], flow, {
      slack: { url: `${base}${SLACK_PATH}` },
      pagerduty: { routingKey: ROUTING_KEY },
    })
  }

  /** The next `count` messages out of xo outcome, whichever output each took. */
  function outcomes(count: number): Promise<Array<{ output: string; msg: OutcomeMessage }>> {
    return new Promise((resolve, reject) => {
      const got: Array<{ output: string; msg: OutcomeMessage }> = []
      const offs = ['ok', 'retry', 'failed'].map((output) => {
        const node = helper.getNode(output)
        const listener = (msg: OutcomeMessage) => {
          got.push({ output, msg })
          if (got.length === count) done(() => resolve(got))
        }
        node.on('input', listener)
        return () => node.off('input', listener)
      })
      const timer = setTimeout(
        () => done(() => reject(new Error(`${got.length} of ${count} outcomes: ${JSON.stringify(got)}`))),
        15_000,
      )
      function done(then: () => void) {
        clearTimeout(timer)
        for (const off of offs) off()
        then()
      }
    })
  }

  it('a host evacuation of 50 VMs: one Slack post and one PagerDuty trigger; its resolved digest resolves it', async () => {
    await load()
    const firing = outcomes(2)
    helper.getNode('slack').receive(digestMessage(evacuation()))
    helper.getNode('pagerduty').receive(digestMessage(evacuation()))
    const first = await firing
    assert.deepEqual(first.map((o) => [o.output, o.msg.xoDestination]).sort(), [
      ['ok', 'pagerduty'],
      ['ok', 'slack'],
    ])
    assert.equal(received.length, 2, 'one request each, not fifty')
    const post = received.find((r) => r.url === SLACK_PATH)!.body
    assert.equal(post.text, 'web-01 and 49 other VMs migrated off host xcp-host-1 on pool sim-pool')
    assert.equal(post.blocks[0].text.text, `:x: ${post.text}`)
    assert.equal(post.blocks[1].text.text, '*50* VM.migrated\n*50* in all, *50* open')
    const list = (post.blocks[2].text.text as string).split('\n')
    assert.equal(list.length, 21)
    assert.equal(list[20], '_and 30 more_')
    const trigger = received.find((r) => r.url === '/v2/enqueue')!.body
    assert.deepEqual(
      [trigger.routing_key, trigger.event_action, trigger.dedup_key, trigger.payload.severity],
      [ROUTING_KEY, 'trigger', `xo:digest:${EVACUATION_GROUP}`, 'error'],
    )
    assert.equal(trigger.payload.custom_details.count, 50)
    assert.equal(trigger.payload.custom_details.items.length + trigger.payload.custom_details.more, 50)

    received = []
    const resolving = outcomes(2)
    helper.getNode('slack').receive(digestMessage(evacuation({ status: 'resolved' })))
    helper.getNode('pagerduty').receive(digestMessage(evacuation({ status: 'resolved' })))
    assert.deepEqual(
      (await resolving).map((o) => o.output),
      ['ok', 'ok'],
    )
    assert.deepEqual(received.find((r) => r.url === '/v2/enqueue')!.body, {
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: `xo:digest:${EVACUATION_GROUP}`,
    })
    const resolved = received.find((r) => r.url === SLACK_PATH)!.body
    assert.equal(resolved.blocks[0].text.text, ':white_check_mark: Resolved: 50 VMs migrated off host xcp-host-1')
    assert.equal(received.length, 2)
  })
})
