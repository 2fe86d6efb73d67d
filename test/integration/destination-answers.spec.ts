/**
 * Each destination node's request goes through Node-RED's own core `http request` node to a local HTTP server
 * that plays the destination, and `xo outcome` (auto) reads what came back: the answers each service documents
 * (Slack's plain-text codes, PagerDuty's 202/400/429, Teams Workflows' 202, Kea's result codes under HTTP 200…),
 * plus 5xx with and without Retry-After, 429, a reset connection and a refused one, must take the output the rules
 * say, with the delay and the reason a flow (and a person reading the dead letters) relies on. The server also
 * checks that what arrived is the request the destination node built.
 */
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { verifyStandardWebhook } from '../../src/destinations/cloudevents'
import type { DestinationMessage, OutcomeMessage } from '../../src/destinations/outcome'
import type { HttpRequestMessage } from '../../src/destinations/request'
import type { XoHookMessage } from '../../src/hooks/message'
import xoDestinations from '../support/destination-nodes'
import { freePort } from '../support/ports'
import { coreHttpRequestNode, type NodeModule } from '../support/core-nodes'
import { initHelper, waitForEvent } from '../support/node-red'

// ---------------------------------------------------------------------------------------------------------------
// What goes in: XO events as xo-hook delivers them

const USER = { id: 'u1', name: 'admin@admin.net', ip: '10.0.0.5' }

function hookPost(
  method: string,
  callId: string,
  objects: XoHookMessage['xo']['objects'],
  error?: { code: number; message: string },
  result: unknown = true,
): XoHookMessage {
  return {
    topic: method,
    payload: {
      callId,
      userId: USER.id,
      userName: USER.name,
      userIp: USER.ip,
      method,
      params: { id: 'vm1' },
      timestamp: 1_800_000_000_000,
      duration: 20,
      type: 'post',
      ...(error ? { error } : { result }),
    },
    xo: { phase: 'post', callId, method, user: USER, ok: !error, durationMs: 20, ...(error ? { error } : {}), objects },
  }
}

const WEB_01 = { id: 'vm1', type: 'VM', name: 'web-01' }
const STARTED = hookPost('vm.start', 'c1', { vm: WEB_01 })
const START_FAILED = hookPost('vm.start', 'c1', { vm: WEB_01 }, { code: 14, message: 'NO_HOSTS_AVAILABLE()' })
const MAC = 'ea:f3:39:8a:74:ca'
// vm.create answers with the new VM's id
const CREATED = hookPost(
  'vm.create',
  'c2',
  {
    vm: {
      id: 'vm2',
      type: 'VM',
      name: 'web-02',
      vifs: [{ id: 'vif1', mac: MAC.toUpperCase(), device: '0', network: { id: 'net1', name: 'DMZ' } }],
    },
  },
  undefined,
  'vm2',
)

// ---------------------------------------------------------------------------------------------------------------
// The destinations, pointed at the local server

interface Received {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: string
}

interface Destination {
  /** the destination node (id, wires added) */
  node: (base: string) => Record<string, unknown>
  credentials: Record<string, string>
  event: XoHookMessage
  /** how the http request node returns the body: Kea's example flow parses it, the others keep the text */
  ret: 'txt' | 'obj'
  /** what the destination answers when all is well */
  success: Answer
  /** what the node built, checked on the request the server received */
  check: (received: Received, body: unknown) => void
}

const SECRET = `whsec_${Buffer.from('a signing secret of 24+ bytes!!').toString('base64')}`
const ROUTING_KEY = 'P0UT1NGKEY0123456789abcdef012345'
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
const json = (received: Received) => received.headers['content-type'] === 'application/json'

const DESTINATIONS: Record<string, Destination> = {
  slack: {
    node: () => ({ type: 'xo-slack', style: 'blocks' }),
    credentials: { url: '/services/T0001/B0001/webhook-secret' },
    event: STARTED,
    ret: 'txt',
    success: { status: 200, body: 'ok' },
    check: (r, body) => {
      assert.ok(json(r))
      assert.equal(r.url, '/services/T0001/B0001/webhook-secret')
      const message = body as { text: string; blocks: Array<{ type: string }> }
      assert.match(message.text, /web-01/)
      assert.equal(message.blocks[0].type, 'header')
    },
  },
  mattermost: {
    node: () => ({ type: 'xo-slack', style: 'attachments' }),
    credentials: { url: '/hooks/mattermost-key' },
    event: STARTED,
    ret: 'txt',
    success: { status: 200, body: 'ok' },
    check: (r, body) => {
      assert.ok(json(r))
      const message = body as { text: string; attachments: Array<{ title: string }> }
      assert.match(message.attachments[0].title, /web-01/)
    },
  },
  teams: {
    node: () => ({ type: 'xo-teams' }),
    credentials: { url: '/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=s3cret' },
    event: STARTED,
    ret: 'txt',
    success: { status: 202, body: '' },
    check: (r, body) => {
      assert.ok(json(r))
      assert.equal(r.url, '/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=s3cret')
      const message = body as {
        type: string
        attachments: Array<{ contentType: string; content: { type: string; version: string } }>
      }
      assert.equal(message.type, 'message')
      assert.equal(message.attachments[0].contentType, 'application/vnd.microsoft.card.adaptive')
      assert.deepEqual(
        [message.attachments[0].content.type, message.attachments[0].content.version],
        ['AdaptiveCard', '1.4'],
      )
    },
  },
  pagerduty: {
    node: (base) => ({ type: 'xo-pagerduty', eventsUrl: base }),
    credentials: { routingKey: ROUTING_KEY },
    event: START_FAILED,
    ret: 'txt',
    success: { status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"xo:vm.start:vm1"}' },
    check: (r, body) => {
      assert.ok(json(r))
      assert.equal(r.url, '/v2/enqueue')
      const event = body as {
        routing_key: string
        event_action: string
        dedup_key: string
        payload: { summary: string; source: string; severity: string }
      }
      assert.deepEqual(
        [event.routing_key, event.event_action, event.dedup_key, event.payload.severity],
        [ROUTING_KEY, 'trigger', 'xo:vm.start:vm1', 'error'],
      )
      assert.match(event.payload.summary, /web-01/)
    },
  },
  cloudevents: {
    node: (base) => ({ type: 'xo-cloudevent', url: `${base}/api/v1/events`, source: 'https://xo.example.net' }),
    credentials: { secret: SECRET },
    event: STARTED,
    ret: 'txt',
    success: { status: 204 },
    check: (r, body) => {
      assert.equal(r.url, '/api/v1/events')
      assert.equal(r.headers['content-type'], 'application/cloudevents+json; charset=UTF-8')
      assert.ok(
        verifyStandardWebhook(r.headers as Record<string, string>, r.body, SECRET),
        'signed with the secret, over the bytes received',
      )
      const event = body as { specversion: string; id: string; source: string; type: string }
      assert.deepEqual(
        [event.specversion, event.id, event.source, event.type],
        ['1.0', 'c1:post', 'https://xo.example.net', 'org.xen-orchestra.vm.start.post'],
      )
      assert.equal(r.headers['webhook-id'], 'c1:post')
    },
  },
  github: {
    node: (base) => ({ type: 'xo-ci', kind: 'github', owner: 'acme', repo: 'infra', apiUrl: base }),
    credentials: { token: 'ghp_token' },
    event: STARTED,
    ret: 'txt',
    success: { status: 204 },
    check: (r, body) => {
      assert.ok(json(r))
      assert.equal(r.url, '/repos/acme/infra/dispatches')
      assert.equal(r.headers.authorization, 'Bearer ghp_token')
      assert.equal(r.headers['x-github-api-version'], '2022-11-28')
      assert.equal((body as { event_type: string }).event_type, 'xo.vm.start.post')
    },
  },
  gitlab: {
    node: (base) => ({ type: 'xo-ci', kind: 'gitlab', baseUrl: base, project: 'infra/provisioning', ref: 'main' }),
    credentials: { token: 'glptt-token' },
    event: STARTED,
    ret: 'txt',
    success: {
      status: 201,
      body: '{"id":42,"status":"created","web_url":"https://gitlab.example.net/infra/provisioning/-/pipelines/42"}',
    },
    check: (r, body) => {
      assert.ok(json(r))
      assert.equal(r.url, '/api/v4/projects/infra%2Fprovisioning/trigger/pipeline')
      const trigger = body as { token: string; ref: string; variables: Record<string, string> }
      assert.deepEqual(
        [trigger.token, trigger.ref, trigger.variables.XO_EVENT, trigger.variables.XO_VM_NAME],
        ['glptt-token', 'main', 'vm.start', 'web-01'],
      )
    },
  },
  haproxy: {
    node: (base) => ({ type: 'xo-haproxy', url: base, backend: 'web', user: 'dataplane' }),
    credentials: { password: 'lb-password' },
    event: STARTED,
    ret: 'txt',
    success: { status: 200, body: '{"name":"web-01","admin_state":"ready"}' },
    check: (r, body) => {
      assert.equal(r.method, 'PUT')
      assert.ok(json(r))
      assert.equal(r.url, '/v3/services/haproxy/runtime/backends/web/servers/web-01')
      assert.equal(r.headers.authorization, basic('dataplane', 'lb-password'))
      assert.deepEqual(body, { admin_state: 'ready' })
    },
  },
  kea: {
    node: (base) => ({ type: 'xo-kea', url: `${base}/`, user: 'kea-api', subnets: 'DMZ=2' }),
    credentials: { password: 'kea-password' },
    event: CREATED,
    ret: 'obj',
    success: { status: 200, body: '[{"result":0,"text":"Host deleted."}]' },
    check: (r, body) => {
      assert.ok(json(r))
      assert.equal(r.url, '/')
      assert.equal(r.headers.authorization, basic('kea-api', 'kea-password'))
      // Deleting first makes a retried reservation harmless (Kea refuses to add one that exists).
      assert.deepEqual(body, {
        command: 'reservation-del',
        arguments: { 'subnet-id': 2, 'identifier-type': 'hw-address', identifier: MAC },
      })
    },
  },
}

type DestinationName = keyof typeof DESTINATIONS

// ---------------------------------------------------------------------------------------------------------------
// What comes back

/** An HTTP answer; the connection reset (RST) once the request is read; or nothing listening where the node sends. */
type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'reset' | 'refused'

interface Case {
  /** what the destination does */
  says: string
  answer: Answer
  output: 'ok' | 'retry' | 'failed'
  /** output 2: msg.delay, exactly; 'backoff': the first retry's backoff (full jitter below 2 s) */
  delay?: number | 'backoff'
  reason?: RegExp
}

/** What every destination is expected to do the same way (Standard Webhooks and each vendor's retry rules). */
const COMMON: Case[] = [
  {
    says: '503 without Retry-After: retry with backoff',
    answer: { status: 503, body: 'upstream down' },
    output: 'retry',
    delay: 'backoff',
    reason: /^HTTP 503: upstream down$/,
  },
  {
    says: '502 with Retry-After 7 (seconds): retry in 7 s',
    answer: { status: 502, headers: { 'Retry-After': '7' }, body: '' },
    output: 'retry',
    delay: 7000,
    reason: /^HTTP 502$/,
  },
  {
    says: '503 with Retry-After as an HTTP date already past: retry at once',
    answer: { status: 503, headers: { 'Retry-After': 'Wed, 21 Oct 2015 07:28:00 GMT' } },
    output: 'retry',
    delay: 0,
    reason: /^HTTP 503$/,
  },
  {
    says: '429 with Retry-After 30: retry in 30 s',
    answer: { status: 429, headers: { 'Retry-After': '30' }, body: 'slow down' },
    output: 'retry',
    delay: 30_000,
    reason: /^HTTP 429: slow down$/,
  },
  {
    says: 'the connection reset: retry, saying so',
    answer: 'reset',
    output: 'retry',
    delay: 'backoff',
    reason: /^no answer: \w*Error: .*ECONNRESET$/,
  },
  {
    says: 'nothing listening (connection refused): retry, saying so',
    answer: 'refused',
    output: 'retry',
    delay: 'backoff',
    reason: /^no answer: \w*Error: connect ECONNREFUSED 127\.0\.0\.1:\d+$/,
  },
]

/** Each destination's own answers, as its vendor documents them. */
const OWN: Record<DestinationName, Case[]> = {
  slack: [
    { says: "200 'ok': delivered", answer: { status: 200, body: 'ok' }, output: 'ok' },
    {
      says: '200 with an error code as the body: failed',
      answer: { status: 200, body: 'invalid_payload' },
      output: 'failed',
      reason: /^Slack answered HTTP 200 invalid_payload$/,
    },
    {
      says: '200 with an empty body: failed',
      answer: { status: 200, body: '' },
      output: 'failed',
      reason: /^Slack answered HTTP 200 \(empty\)$/,
    },
    {
      says: '400 invalid_blocks: failed (fix the payload)',
      answer: { status: 400, body: 'invalid_blocks' },
      output: 'failed',
      reason: /^HTTP 400: invalid_blocks$/,
    },
    {
      says: '403 invalid_token: failed',
      answer: { status: 403, body: 'invalid_token' },
      output: 'failed',
      reason: /^HTTP 403: invalid_token$/,
    },
    {
      says: '404 no_service (webhook revoked): failed',
      answer: { status: 404, body: 'no_service' },
      output: 'failed',
      reason: /^HTTP 404: no_service$/,
    },
    {
      says: '410 channel_is_archived: failed, disable the route',
      answer: { status: 410, body: 'channel_is_archived' },
      output: 'failed',
      reason: /^HTTP 410: channel_is_archived \(disable this route\)$/,
    },
    {
      says: '500 rollup_error: retry',
      answer: { status: 500, body: 'rollup_error' },
      output: 'retry',
      delay: 'backoff',
      reason: /^HTTP 500: rollup_error$/,
    },
  ],
  mattermost: [
    { says: "200 'ok' (Mattermost): delivered", answer: { status: 200, body: 'ok' }, output: 'ok' },
    {
      says: '200 {"success":true} (Rocket.Chat): delivered',
      answer: { status: 200, headers: { 'Content-Type': 'application/json' }, body: '{"success":true}' },
      output: 'ok',
    },
    {
      says: '200 {"success":false} (Rocket.Chat): failed',
      answer: {
        status: 200,
        headers: { 'Content-Type': 'application/json' },
        body: '{"success":false,"error":"invalid-channel"}',
      },
      output: 'failed',
      reason: /^HTTP 200: .*invalid-channel/,
    },
    {
      says: '400: failed',
      answer: { status: 400, body: 'Unable to parse incoming data' },
      output: 'failed',
      reason: /^HTTP 400: Unable to parse incoming data$/,
    },
  ],
  teams: [
    {
      says: '202 with an empty body (queued by the workflow): delivered',
      answer: { status: 202, body: '' },
      output: 'ok',
    },
    { says: "legacy connector's 200 '1': delivered", answer: { status: 200, body: '1' }, output: 'ok' },
    {
      says: '400 (bad URL or signature): failed',
      answer: { status: 400, body: 'Bad Request' },
      output: 'failed',
      reason: /^HTTP 400: Bad Request$/,
    },
    {
      says: '413 Request Entity too large: failed',
      answer: { status: 413, body: 'Request Entity too large' },
      output: 'failed',
      reason: /^HTTP 413: Request Entity too large$/,
    },
  ],
  pagerduty: [
    {
      says: '202 Event processed: delivered',
      answer: { status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"xo:vm.start:vm1"}' },
      output: 'ok',
    },
    {
      says: '400 invalid event: failed with its message and errors',
      answer: {
        status: 400,
        headers: { 'Content-Type': 'application/json' },
        body: '{"status":"invalid event","message":"Event object is invalid","errors":["Length of \'routing_key\' is incorrect (should be 32 characters)"]}',
      },
      output: 'failed',
      reason:
        /^HTTP 400: Event object is invalid \(Length of 'routing_key' is incorrect \(should be 32 characters\)\)$/,
    },
    {
      says: '429 without Retry-After: retry with backoff',
      answer: { status: 429, body: '' },
      output: 'retry',
      delay: 'backoff',
      reason: /^HTTP 429$/,
    },
  ],
  cloudevents: [
    { says: '204: delivered', answer: { status: 204 }, output: 'ok' },
    { says: '202: delivered', answer: { status: 202, body: '' }, output: 'ok' },
    {
      says: '400: failed',
      answer: { status: 400, body: 'missing specversion' },
      output: 'failed',
      reason: /^HTTP 400: missing specversion$/,
    },
    { says: '408: retry', answer: { status: 408, body: '' }, output: 'retry', delay: 'backoff', reason: /^HTTP 408$/ },
  ],
  github: [
    { says: '204: delivered', answer: { status: 204 }, output: 'ok' },
    {
      says: '422: failed with its message',
      answer: {
        status: 422,
        headers: { 'Content-Type': 'application/json' },
        body: '{"message":"Invalid request.\\n\\nFor \'properties/client_payload\', nil is not an object.","documentation_url":"https://docs.github.com/rest"}',
      },
      output: 'failed',
      reason: /^HTTP 422: Invalid request\. For 'properties\/client_payload', nil is not an object\.$/,
    },
    {
      says: '404 (no access): failed',
      answer: { status: 404, body: '{"message":"Not Found"}' },
      output: 'failed',
      reason: /^HTTP 404: Not Found$/,
    },
    {
      says: '403 rate limit with Retry-After 60: retry in 60 s',
      answer: {
        status: 403,
        headers: { 'x-ratelimit-remaining': '0', 'Retry-After': '60' },
        body: '{"message":"API rate limit exceeded"}',
      },
      output: 'retry',
      delay: 60_000,
      reason: /^GitHub rate limit: /,
    },
    {
      says: '403 without a rate limit (bad token scope): failed',
      answer: {
        status: 403,
        headers: { 'x-ratelimit-remaining': '4999' },
        body: '{"message":"Resource not accessible by personal access token"}',
      },
      output: 'failed',
      reason: /^HTTP 403: Resource not accessible by personal access token$/,
    },
  ],
  gitlab: [
    {
      says: '201 pipeline created: delivered',
      answer: { status: 201, body: '{"id":42,"status":"created"}' },
      output: 'ok',
    },
    {
      says: '400 bad ref: failed with its message',
      answer: { status: 400, body: '{"message":{"base":["Reference not found"]}}' },
      output: 'failed',
      reason: /^HTTP 400: \{"base":\["Reference not found"\]\}$/,
    },
    {
      says: '404 bad token or project: failed',
      answer: { status: 404, body: '{"message":"404 Not Found"}' },
      output: 'failed',
      reason: /^HTTP 404: 404 Not Found$/,
    },
  ],
  haproxy: [
    { says: '200: delivered', answer: { status: 200, body: '{"admin_state":"ready"}' }, output: 'ok' },
    {
      says: '202 with a Reload-ID: delivered',
      answer: { status: 202, headers: { 'Reload-ID': '1' }, body: '' },
      output: 'ok',
    },
    {
      says: '409 (configuration changed meanwhile): retry',
      answer: { status: 409, body: '{"code":409,"message":"version mismatch"}' },
      output: 'retry',
      delay: 'backoff',
      reason: /^HAProxy configuration changed meanwhile \(409\): /,
    },
    {
      says: '404 (no such server): failed',
      answer: { status: 404, body: '{"code":404,"message":"server web-01 not found"}' },
      output: 'failed',
      reason: /^HTTP 404: .*server web-01 not found/,
    },
    { says: '401 (bad password): failed', answer: { status: 401, body: '' }, output: 'failed', reason: /^HTTP 401$/ },
  ],
  kea: [
    {
      says: 'result 0: delivered',
      answer: { status: 200, body: '[{"result":0,"text":"Host deleted."}]' },
      output: 'ok',
    },
    {
      says: 'result 3 (empty): delivered',
      answer: { status: 200, body: '[{"result":3,"text":"Host not deleted (not found)."}]' },
      output: 'ok',
    },
    {
      says: 'result 1 "not found" on a delete: delivered',
      answer: { status: 200, body: '[{"result":1,"text":"Host not deleted (not found)."}]' },
      output: 'ok',
    },
    {
      says: 'result 1 (error) under HTTP 200: failed',
      answer: { status: 200, body: '[{"result":1,"text":"Database not available."}]' },
      output: 'failed',
      reason: /^Kea result 1: Database not available\.$/,
    },
    {
      says: 'result 2 (command not supported: hook not loaded): failed',
      answer: { status: 200, body: '[{"result":2,"text":"\'reservation-del\' command not supported."}]' },
      output: 'failed',
      reason: /^Kea result 2: 'reservation-del' command not supported\.$/,
    },
    {
      says: 'result 4 (conflict): failed',
      answer: { status: 200, body: '[{"result":4,"text":"Conflict with the server state."}]' },
      output: 'failed',
      reason: /^Kea result 4: Conflict with the server state\.$/,
    },
    {
      says: 'result 5 (partly applied): failed',
      answer: { status: 200, body: '[{"result":5,"text":"Configuration partially altered."}]' },
      output: 'failed',
      reason: /^Kea result 5: Configuration partially altered\.$/,
    },
    {
      says: 'one of two services failing: failed',
      answer: { status: 200, body: '[{"result":0,"text":"ok"},{"result":1,"text":"Host not added."}]' },
      output: 'failed',
      reason: /^Kea result 1: Host not added\.$/,
    },
    {
      says: 'a bare {result: 403} (RBAC): failed',
      answer: { status: 200, body: '{"result":403,"text":"Forbidden"}' },
      output: 'failed',
      reason: /^Kea result 403: Forbidden$/,
    },
    {
      says: 'HTTP 401 (basic auth): failed',
      answer: { status: 401, body: 'Unauthorized' },
      output: 'failed',
      reason: /^HTTP 401: Unauthorized$/,
    },
    {
      says: "an answer that is not Kea's: failed",
      answer: { status: 200, body: '<html>proxy login</html>' },
      output: 'failed',
      reason: /^Kea result \?: not a Kea answer: <html>proxy login<\/html>$/,
    },
  ],
}

// ---------------------------------------------------------------------------------------------------------------

describe('destination answers over real HTTP: destination node → core http request → xo outcome', () => {
  const helper = initHelper()
  const httpRequest = coreHttpRequestNode()
  let server: http.Server
  let base = ''
  let refusedBase = ''
  /** what the server answers next, in order */
  let answers: Answer[] = []
  let received: Received[] = []

  before(async () => {
    await helper.startServer()
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        received.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        })
        const answer = answers.shift() ?? { status: 500, body: 'the test gave no answer for this request' }
        if (answer === 'reset' || answer === 'refused') return req.socket.resetAndDestroy()
        res.writeHead(answer.status, answer.headers ?? {})
        res.end(answer.body ?? '')
      })
    })
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    refusedBase = `http://127.0.0.1:${await freePort()}`
  })
  beforeEach(() => {
    answers = []
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

  /**
   * The flow: destination node → http request → xo outcome (auto) → ok / retry / failed, the destination at `at`
   * (in the node's properties, or in its credentials for Slack and Teams, whose URL is the secret).
   */
  function load(name: DestinationName, at: string, outcome: Record<string, unknown> = {}, retryWire = 'retry') {
    const d = DESTINATIONS[name]
    const credentials = Object.fromEntries(
      Object.entries(d.credentials).map(([k, v]) => [k, v.startsWith('/') ? `${at}${v}` : v]),
    )
    const flow = [
      { id: 'dest', ...d.node(at), wires: [['request', 'built']] },
      { id: 'built', type: 'helper' },
      {
        id: 'request',
        type: 'http request',
        method: 'use',
        ret: d.ret,
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
      { id: 'outcome', type: 'xo-outcome', destination: 'auto', ...outcome, wires: [['ok'], [retryWire], ['failed']] },
      { id: 'ok', type: 'helper' },
      { id: 'retry', type: 'helper' },
      { id: 'failed', type: 'helper' },
    ]
    return helper.load([httpRequest, xoDestinations as unknown as NodeModule], flow, { dest: credentials })
  }

  /**
   * Sends the event to the destination node: the message it built (a copy of what went to the http request node)
   * and the first message out of one of xo outcome's three outputs.
   */
  async function deliver(
    event: XoHookMessage,
  ): Promise<{ built: DestinationMessage; output: 'ok' | 'retry' | 'failed'; msg: OutcomeMessage }> {
    const built = waitForEvent<[DestinationMessage]>(helper.getNode('built'), 'input', 15_000)
    const out = Promise.race(
      (['ok', 'retry', 'failed'] as const).map((id) =>
        waitForEvent<[OutcomeMessage]>(helper.getNode(id), 'input', 15_000).then(([msg]) => ({ output: id, msg })),
      ),
    )
    helper.getNode('dest').receive(structuredClone(event))
    const [[message], result] = await Promise.all([built, out])
    return { built: message, ...result }
  }

  /** The request the server received is the one the node built, and what the destination expects. */
  function checkRequest(name: DestinationName, got: Received, built: HttpRequestMessage) {
    assert.equal(got.method, built.method)
    assert.equal(`${base}${got.url}`, built.url)
    assert.equal(got.body, built.payload, 'the body is sent exactly as built (and signed)')
    for (const [header, value] of Object.entries(built.headers))
      assert.equal(got.headers[header.toLowerCase()], value, header)
    DESTINATIONS[name].check(got, JSON.parse(got.body))
  }

  for (const name of Object.keys(DESTINATIONS) as DestinationName[]) {
    describe(name, () => {
      for (const c of [...OWN[name], ...COMMON]) {
        it(`${c.says} → ${c.output}`, async () => {
          await load(name, c.answer === 'refused' ? refusedBase : base)
          if (c.answer !== 'refused') answers.push(c.answer)
          const { built, output, msg } = await deliver(DESTINATIONS[name].event)
          assert.deepEqual(
            built.xoRequest,
            { url: built.url, method: built.method, headers: built.headers, payload: built.payload },
            'the copy a retry re-sends',
          )
          const verdict = msg.xoOutcome
          assert.equal(output, c.output, `output taken (${JSON.stringify(verdict)})`)
          assert.equal(verdict.outcome, c.output)
          assert.equal(msg.xoAttempt, 1)
          assert.equal(msg.xoDestination, name)
          if (c.reason) assert.match(verdict.outcome === 'ok' ? '' : verdict.reason, c.reason)
          if (verdict.outcome === 'retry') {
            assert.equal(msg.delay, verdict.delayMs)
            if (c.delay === 'backoff')
              assert.ok(
                typeof msg.delay === 'number' && msg.delay >= 0 && msg.delay < 2000,
                `first backoff under 2 s: ${msg.delay}`,
              )
            else assert.equal(msg.delay, c.delay)
            // Ready to go round again: the request, not the answer, is on the message.
            assert.deepEqual(
              [msg.url, msg.method, msg.headers, msg.payload],
              [built.url, built.method, built.headers, built.payload],
            )
          } else {
            assert.equal(msg.delay, undefined)
          }
          // A webhook's URL is its secret (Slack, Teams): a reason goes to logs and dead letters, the URL must not.
          if (verdict.outcome !== 'ok') assert.doesNotMatch(verdict.reason, /https?:\/\/|webhook-secret|s3cret/)
          if (c.answer === 'refused') {
            assert.deepEqual(received, [], 'nothing reached the server')
          } else {
            assert.equal(received.length, 1)
            checkRequest(name, received[0], built)
          }
        })
      }
    })
  }

  describe('the retry loop: output 2 wired back to the http request node', () => {
    it('a CloudEvent refused with 503 then accepted: the same signed request twice, delivered on attempt 2', async () => {
      await load('cloudevents', base, {}, 'request')
      answers.push({ status: 503, headers: { 'Retry-After': '0' }, body: 'busy' }, { status: 204 })
      const { built, output, msg } = await deliver(STARTED)
      assert.equal(output, 'ok')
      assert.deepEqual(msg.xoOutcome, { outcome: 'ok', attempt: 2 })
      assert.equal(received.length, 2)
      assert.deepEqual(received[1].body, received[0].body)
      assert.deepEqual(received[1].headers['webhook-signature'], received[0].headers['webhook-signature'])
      for (const r of received) checkRequest('cloudevents', r, built)
    })

    it('Kea failing over and over: out of attempts after the last, on output 3, saying why', async () => {
      await load('kea', base, { maxAttempts: 3 }, 'request')
      answers.push(
        ...Array.from(
          { length: 3 },
          (): Answer => ({ status: 503, headers: { 'Retry-After': '0' }, body: 'Service Unavailable' }),
        ),
      )
      const { built, output, msg } = await deliver(CREATED)
      assert.equal(output, 'failed')
      assert.deepEqual(msg.xoOutcome, {
        outcome: 'failed',
        reason: 'HTTP 503: Service Unavailable; gave up after 3 attempts',
        attempt: 3,
      })
      assert.equal(received.length, 3)
      for (const r of received) checkRequest('kea', r, built)
    })
  })
})
