import assert from 'node:assert/strict'
import type { NodeAPI } from 'node-red'
import type { DestinationMessage, OutcomeMessage, XoOutcome } from '../../src/destinations/outcome'
import type { XoHookMessage } from '../../src/hooks/message'
import xoDestinations from '../support/destination-nodes'
import { initHelper, waitForCall, waitForEvent } from '../support/node-red'

const reasonOf = (o: XoOutcome) => (o.outcome === 'ok' ? '' : o.reason)

// An xo-hook post as the destination nodes take it.
const HOOK: XoHookMessage = {
  topic: 'vm.start',
  payload: {
    callId: 'c1',
    userId: 'u1',
    userName: 'admin@admin.net',
    userIp: '10.0.0.5',
    method: 'vm.start',
    params: { id: 'vm1' },
    timestamp: 1_800_000_000_000,
    duration: 20,
    result: true,
    type: 'post',
  },
  xo: {
    phase: 'post',
    callId: 'c1',
    method: 'vm.start',
    user: { id: 'u1', name: 'admin@admin.net', ip: '10.0.0.5' },
    ok: true,
    durationMs: 20,
    objects: { vm: { id: 'vm1', type: 'VM', name: 'web-01' } },
  },
}

/**
 * A destination node's request, answered as the core http request node would put the answer on the message, then
 * read by an xo outcome node in auto mode: the rules of the destination the request went to must apply.
 */
describe('xo outcome reads each destination as the destination node tagged it', () => {
  const helper = initHelper()
  before(() => helper.startServer())
  after(() => helper.stopServer())
  afterEach(() => helper.unload())

  async function answer(
    destination: Record<string, unknown>,
    credentials: Record<string, string>,
    response: { statusCode: number; headers?: Record<string, string>; payload?: unknown },
  ) {
    const flow = [
      { id: 'dest', type: destination.type, ...destination, wires: [['request']] },
      { id: 'request', type: 'helper' },
      { id: 'outcome', type: 'xo-outcome', destination: 'auto', wires: [['ok'], ['retry'], ['failed']] },
      { id: 'ok', type: 'helper' },
      { id: 'retry', type: 'helper' },
      { id: 'failed', type: 'helper' },
    ]
    await helper.load(xoDestinations as unknown as (red: NodeAPI) => void, flow, { dest: credentials })
    const requested = waitForEvent<[DestinationMessage]>(helper.getNode('request'), 'input', 5000)
    helper.getNode('dest').receive(structuredClone(HOOK))
    const [request] = await requested
    const out = Promise.race(
      ['ok', 'retry', 'failed'].map((id) =>
        waitForEvent<[OutcomeMessage]>(helper.getNode(id), 'input', 5000).then(([msg]) => ({ output: id, msg })),
      ),
    )
    helper.getNode('outcome').receive({ ...request, ...response })
    return out
  }

  it("GitHub: a rate limit waits until the limit's reset, 403 or 429", async () => {
    const github = { type: 'xo-ci', kind: 'github', owner: 'acme', repo: 'infra' }
    const reset = String(Math.ceil(Date.now() / 1000) + 120)
    for (const statusCode of [403, 429]) {
      const { output, msg } = await answer(
        github,
        { token: 'ghp_x' },
        { statusCode, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset } },
      )
      assert.equal(output, 'retry', `${statusCode}`)
      assert.match(reasonOf(msg.xoOutcome), /GitHub rate limit/)
      assert.ok(
        msg.delay !== undefined && msg.delay > 100_000 && msg.delay <= 121_000,
        `waits for the reset: ${msg.delay} ms`,
      )
      await helper.unload()
    }
  })

  it('GitLab: a refused trigger fails with what GitLab said', async () => {
    const { output, msg } = await answer(
      { type: 'xo-ci', kind: 'gitlab', baseUrl: 'https://gitlab.example.net', project: 'infra/provisioning' },
      { token: 'glptt-x' },
      { statusCode: 400, payload: { message: { base: ['Reference not found'] } } },
    )
    assert.equal(output, 'failed')
    assert.match(reasonOf(msg.xoOutcome), /Reference not found/)
  })

  it('Rocket.Chat / Mattermost (text and attachments): 200 {success:true} is delivered, {success:false} is not', async () => {
    const chat = { type: 'xo-slack', style: 'attachments' }
    assert.equal(
      (
        await answer(
          chat,
          { url: 'https://chat.example.net/hooks/x' },
          { statusCode: 200, payload: '{"success":true}' },
        )
      ).output,
      'ok',
    )
    await helper.unload()
    assert.equal(
      (
        await answer(
          chat,
          { url: 'https://chat.example.net/hooks/x' },
          { statusCode: 200, payload: '{"success":false}' },
        )
      ).output,
      'failed',
    )
  })

  it("Slack: only 200 'ok' is delivered; its error codes fail", async () => {
    const slack = { type: 'xo-slack', style: 'blocks' }
    assert.equal(
      (await answer(slack, { url: 'https://hooks.slack.com/services/T/B/x' }, { statusCode: 200, payload: 'ok' }))
        .output,
      'ok',
    )
    await helper.unload()
    const { output, msg } = await answer(
      slack,
      { url: 'https://hooks.slack.com/services/T/B/x' },
      { statusCode: 400, payload: 'invalid_blocks' },
    )
    assert.equal(output, 'failed')
    assert.match(reasonOf(msg.xoOutcome), /invalid_blocks/)
  })
})

describe('a destination node without its secret says so as soon as it is deployed', () => {
  const helper = initHelper()
  before(() => helper.startServer())
  after(() => helper.stopServer())
  afterEach(() => helper.unload())

  const cases: [Record<string, unknown>, string][] = [
    [{ type: 'xo-slack', urlEnv: '' }, 'xo-destinations.status.missing'],
    [{ type: 'xo-teams', urlEnv: 'XO_TEST_UNSET_TEAMS_URL' }, 'xo-destinations.status.missingEnv'],
    [{ type: 'xo-pagerduty', routingKeyEnv: '' }, 'xo-destinations.status.missing'],
    [{ type: 'xo-ci', kind: 'github', owner: 'acme', repo: 'infra', tokenEnv: '' }, 'xo-destinations.status.missing'],
    [
      { type: 'xo-haproxy', url: 'http://lb.example.net:5555', backend: 'web', passwordEnv: 'XO_TEST_UNSET_HAPROXY' },
      'xo-destinations.status.missingEnv',
    ],
  ]
  for (const [node, text] of cases) {
    it(`${node.type}: a red status before any message`, async () => {
      await helper.load(xoDestinations as unknown as (red: NodeAPI) => void, [{ id: 'dest', ...node, wires: [[]] }], {})
      await waitForCall(helper.getNode('dest'), 'status', (s) => s.fill === 'red' && s.text === text)
    })
  }

  it('no red status when the variable it names is set', async () => {
    process.env.XO_TEST_SET_SLACK_URL = 'https://hooks.slack.com/services/T/B/x'
    try {
      await helper.load(
        xoDestinations as unknown as (red: NodeAPI) => void,
        [{ id: 'dest', type: 'xo-slack', urlEnv: 'XO_TEST_SET_SLACK_URL', wires: [[]] }],
        {},
      )
      const node = helper.getNode('dest') as unknown as { status: { getCalls?: () => { args: [{ fill?: string }] }[] } }
      assert.deepEqual(
        (node.status.getCalls?.() ?? []).filter((c) => c.args[0]?.fill === 'red'),
        [],
      )
    } finally {
      delete process.env.XO_TEST_SET_SLACK_URL
    }
  })
})
