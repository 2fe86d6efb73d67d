import assert from 'node:assert/strict'
import { missingSecretStatus, requestMessages, sentStatus } from '../../src/destinations/destination-messages'
import { DESTINATION_TYPES, type DestinationNodeView, type DestinationType } from '../../src/destinations/destination-types'
import { summarizeMessage, type XoEventSummary } from '../../src/destinations/event'
import { keaAnswered, keaRequest, keaStatus } from '../../src/destinations/kea-steps'
import { destinationOf, outcomeSettings, outcomeStatus, readAnswer } from '../../src/destinations/outcome-decision'
import type { HttpRequestMessage } from '../../src/destinations/request'
import type { XoHookMessage } from '../../src/hooks/message'

/** Translation as the test helper does it: the key, with its substitutions for the test to read. */
const t = (key: string, subs?: Record<string, string | number>) => (subs ? `${key} ${JSON.stringify(subs)}` : key)

const USER = { id: 'u1', name: 'admin@admin.net', ip: '10.0.0.5' }
const VM = { id: 'vm1', type: 'VM', name: 'web-01' }

function hook(method: string, phase: 'pre' | 'post', ok = true, object: Record<string, unknown> = VM): XoEventSummary {
  const payload = { callId: `c-${method}-${phase}`, userId: USER.id, userName: USER.name, userIp: USER.ip, method, params: { id: object.id }, timestamp: 1_800_000_000_000, type: phase, ...(phase === 'post' ? (ok ? { result: true, duration: 20 } : { error: { message: 'no', code: 1 }, duration: 20 }) : {}) }
  const msg = { topic: method, payload, xo: { phase, callId: payload.callId, method, user: USER, ...(phase === 'post' ? { ok, durationMs: 20 } : {}), objects: { vm: object } } } as unknown as XoHookMessage
  const s = summarizeMessage(msg)
  if (!('kind' in s)) throw new Error(s.error)
  return s
}

const typeOf = (name: string): DestinationType => DESTINATION_TYPES.find((d) => d.type === name)!

/** A node of a destination type: its properties, its credentials (no variables set), its context. */
function view(config: Record<string, unknown>, credentials: Record<string, string> = {}) {
  const context = new Map<string, unknown>()
  const node: DestinationNodeView = {
    config,
    t,
    secret: (name) => credentials[name],
    context: { get: (key) => context.get(key), set: (key, value) => void context.set(key, value) },
  }
  return { node, context }
}

const requests = (out: ReturnType<DestinationType['build']>): HttpRequestMessage[] => {
  assert.ok(Array.isArray(out), `requests, not ${JSON.stringify(out)}`)
  return out
}

describe('destination types', () => {
  it('are the six of the xo-destinations node set, each with its credentials', () => {
    assert.deepEqual(
      DESTINATION_TYPES.map((d) => [d.type, d.credentials.join(), d.needs ?? '']),
      [['xo-slack', 'url', 'url'], ['xo-teams', 'url', 'url'], ['xo-pagerduty', 'routingKey', 'routingKey'], ['xo-cloudevent', 'secret', ''], ['xo-ci', 'token', 'token'], ['xo-haproxy', 'password', 'password']],
    )
  })

  it('say which rules xo outcome reads their answers by', () => {
    assert.equal(typeOf('xo-slack').destinationOf({ style: 'attachments' }), 'mattermost')
    assert.equal(typeOf('xo-slack').destinationOf({ style: 'blocks' }), 'slack')
    assert.equal(typeOf('xo-ci').destinationOf({ kind: 'github' }), 'github')
    assert.equal(typeOf('xo-ci').destinationOf({}), 'gitlab')
    assert.equal(typeOf('xo-cloudevent').destinationOf({}), 'cloudevents')
  })

  it('fail a message without the secret they need, naming the variable looked at', () => {
    const { node } = view({ urlEnv: 'SLACK_URL' })
    assert.throws(() => typeOf('xo-slack').build(hook('vm.start', 'post'), node), { message: 'errors.missingSecret {"name":"url","env":"SLACK_URL"}' })
    assert.throws(() => typeOf('xo-cloudevent').build(hook('vm.start', 'post'), view({ url: '  ' }).node), { message: 'errors.missingUrl' })
  })

  it('slack: posts to the webhook of its credential, in the style chosen', () => {
    const [request] = requests(typeOf('xo-slack').build(hook('vm.start', 'post'), view({ style: 'attachments' }, { url: 'https://chat/hook' }).node))
    assert.equal(request.url, 'https://chat/hook')
    assert.ok('attachments' in (JSON.parse(String(request.payload)) as object))
  })

  it("pagerduty: an alert triggered stays open in the node's context until a success on the same object resolves it", () => {
    const { node, context } = view({ eventsUrl: 'http://pd.test/' }, { routingKey: 'k'.repeat(32) })
    const pagerduty = typeOf('xo-pagerduty')
    const [trigger] = requests(pagerduty.build(hook('vm.start', 'post', false), node))
    assert.equal(trigger.url, 'http://pd.test/v2/enqueue')
    assert.equal((context.get('openAlerts') as string[]).length, 1)
    const [resolve] = requests(pagerduty.build(hook('vm.start', 'post', true), node))
    assert.equal((JSON.parse(String(resolve.payload)) as { event_action: string }).event_action, 'resolve')
    assert.deepEqual(context.get('openAlerts'), [])
  })

  it('cloudevent set to VMs only: nothing for a snapshot', () => {
    const snapshot = { id: 'snap1', type: 'VM-snapshot', name: 'web-01-snap' }
    assert.deepEqual(typeOf('xo-cloudevent').build(hook('vm.delete', 'pre', true, snapshot), view({ url: 'https://in', objects: 'vm' }).node), { notSent: 'snapshot' })
    assert.equal(requests(typeOf('xo-cloudevent').build(hook('vm.delete', 'pre', true, snapshot), view({ url: 'https://in' }).node)).length, 1)
  })

  it('ci: a GitHub dispatch or a GitLab trigger, as set', () => {
    const github = requests(typeOf('xo-ci').build(hook('vm.start', 'post'), view({ kind: 'github', owner: 'acme', repo: 'infra' }, { token: 'x' }).node))
    assert.match(github[0].url, /\/repos\/acme\/infra\/dispatches$/)
    const gitlab = requests(typeOf('xo-ci').build(hook('vm.start', 'post'), view({ baseUrl: 'https://gl', project: '42' }, { token: 'x' }).node))
    assert.match(gitlab[0].url, /^https:\/\/gl\/api\/v4\/projects\/42\/trigger\/pipeline$/)
  })

  it("haproxy: drains the VM's server before the call and sets it ready after, by name or id", () => {
    const haproxy = typeOf('xo-haproxy')
    const { node } = view({ url: 'http://lb:5555', backend: 'web', user: 'admin' }, { password: 'pw' })
    const [drain] = requests(haproxy.build(hook('vm.migrate', 'pre'), node))
    assert.match(drain.url, /\/backends\/web\/servers\/web-01$/)
    assert.deepEqual(JSON.parse(String(drain.payload)), { admin_state: 'drain' })
    const [ready] = requests(haproxy.build(hook('vm.migrate', 'post', false), view({ url: 'http://lb:5555', backend: 'web', serverFrom: 'id' }, { password: 'pw' }).node))
    assert.match(ready.url, /\/servers\/vm1$/)
    assert.deepEqual(JSON.parse(String(ready.payload)), { admin_state: 'ready' })
    assert.deepEqual(haproxy.build(hook('vm.migrate', 'pre', true, { id: 'vm2', type: 'VM' }), node), { notSent: 'noServer' })
  })
})

describe('a destination node, its messages and status', () => {
  it('puts each request on the message (a copy from the second on), with what a retry and xo outcome need', () => {
    const summary = hook('vm.start', 'post')
    const msg = { topic: 'vm.start', keep: 1 }
    const one = { url: 'https://a', method: 'POST' as const, headers: {}, payload: '1' }
    const two = { ...one, url: 'https://b' }
    const cloned: unknown[] = []
    const out = requestMessages(msg, [one, two], 'slack', summary, (m) => (cloned.push(m), { ...m, cloned: true }))
    assert.equal(cloned.length, 1)
    assert.deepEqual(out.map((m) => [m.url, m.xoRequest, m.xoDestination, 'cloned' in m]), [['https://a', one, 'slack', false], ['https://b', two, 'slack', true]])
    assert.deepEqual(out[0].xoSummary, { id: summary.id, kind: 'vm.start', title: summary.title, ok: true })
  })

  it('says at once that a secret is missing, or that the variable it names is not set', () => {
    assert.equal(missingSecretStatus('url', 'https://x', 'SLACK_URL', t), undefined)
    assert.deepEqual(missingSecretStatus('url', undefined, ' ', t), { fill: 'red', shape: 'ring', text: 'status.missing {"name":"url"}' })
    assert.deepEqual(missingSecretStatus('url', undefined, ' SLACK_URL ', t), { fill: 'red', shape: 'ring', text: 'status.missingEnv {"name":"url","env":"SLACK_URL"}' })
  })

  it('counts requests (green once one was made) and what it did not send', () => {
    assert.deepEqual(sentStatus(0, ' · 1 snapshot', t), { fill: 'grey', shape: 'dot', text: 'status.sent {"count":0} · 1 snapshot' })
    assert.equal(sentStatus(2, '', t).fill, 'green')
  })
})

describe('xo kea, command after command', () => {
  const del = { command: 'reservation-del', arguments: { 'subnet-id': 2 } }
  const add = { command: 'reservation-add', arguments: { reservation: {} } }

  it('sends the first command left, saying which it is and what remains; Basic authentication with both user and password', () => {
    const out = keaRequest({ topic: 't' }, { pending: [del, add], results: [] }, { url: 'http://kea/', user: 'api', password: 'pw' })
    assert.deepEqual([out.url, out.xoDestination, out.xoKea.current, out.xoKea.pending], ['http://kea/', 'kea', 'reservation-del', [add]])
    assert.equal(out.headers.Authorization, `Basic ${Buffer.from('api:pw').toString('base64')}`)
    assert.deepEqual(JSON.parse(String(out.payload)), del)
    assert.equal(out.xoRequest.payload, out.payload)
    assert.equal(keaRequest({}, { pending: [del], results: [] }, { url: 'http://kea/', user: 'api', password: undefined }).headers.Authorization, undefined)
  })

  it('goes on after a success, or "not found" on a delete; stops at a failure or once none is left', () => {
    const notFound = keaAnswered({ current: 'reservation-del', pending: [add], results: [] }, 200, [{ result: 3, text: 'Host not deleted (not found).' }])
    assert.ok('next' in notFound)
    assert.deepEqual(notFound.next.pending, [add])
    assert.equal(notFound.next.results[0].ok, true)
    const refused = keaAnswered({ current: 'reservation-add', pending: [add], results: [] }, 200, [{ result: 1, text: 'Host already exists.' }])
    assert.deepEqual(refused, { done: { ok: false, results: [{ command: 'reservation-add', ok: false, text: 'Host already exists.', result: 1 }] } })
    const last = keaAnswered({ current: 'reservation-add', pending: [], results: [] }, 200, [{ result: 0, text: 'Host added.' }])
    assert.ok('done' in last && last.done.ok)
    assert.deepEqual(keaAnswered({ current: 'reservation-del', pending: [add], results: [] }, 502, ''), { done: { ok: false, results: [{ command: 'reservation-del', ok: false, text: 'HTTP 502', result: undefined }] } })
    const unanswered = keaAnswered({ current: 'reservation-del', pending: [], results: [] }, undefined, '')
    assert.equal('done' in unanswered && unanswered.done.results[0].text, 'HTTP error')
  })

  it('counts changes and failures in its status', () => {
    assert.deepEqual(keaStatus({ changes: 0, failed: 0 }, '', t), { fill: 'grey', shape: 'dot', text: 'status.kea {"count":0,"failed":0}' })
    assert.equal(keaStatus({ changes: 2, failed: 0 }, '', t).fill, 'green')
    assert.equal(keaStatus({ changes: 2, failed: 1 }, ' · 1 snapshot', t).text, 'status.kea {"count":2,"failed":1} · 1 snapshot')
    assert.equal(keaStatus({ changes: 2, failed: 1 }, '', t).fill, 'yellow')
  })
})

describe('xo outcome, one answer', () => {
  const settings = outcomeSettings({ destination: 'auto', maxAttempts: 3, maxDelay: 10 })

  it('reads defaults for what is not set', () => {
    assert.deepEqual(outcomeSettings({}), { destination: undefined, maxAttempts: 5, maxDelayMs: 300_000 })
    assert.deepEqual(outcomeSettings({ destination: 'kea', maxAttempts: '0', maxDelay: 'x' }), { destination: 'kea', maxAttempts: 5, maxDelayMs: 300_000 })
    assert.deepEqual(settings, { destination: undefined, maxAttempts: 3, maxDelayMs: 10_000 })
  })

  it("reads by the node's destination, else the message's, else a generic receiver's; names one it does not know", () => {
    assert.deepEqual(destinationOf(settings, 'slack'), { destination: 'slack' })
    assert.deepEqual(destinationOf(settings, undefined), { destination: 'generic' })
    assert.deepEqual(destinationOf(settings, 'smtp'), { destination: 'generic', unknown: 'smtp' })
    assert.deepEqual(destinationOf(outcomeSettings({ destination: 'teams' }), 'slack'), { destination: 'teams' })
  })

  it('delivered: output 1, attempt counted', () => {
    const msg: Record<string, unknown> = { statusCode: 200, payload: 'ok' }
    assert.equal(readAnswer(msg, 'slack', settings), 'ok')
    assert.deepEqual([msg.xoAttempt, msg.xoOutcome], [1, { outcome: 'ok', attempt: 1 }])
  })

  it('retry: the request put back, a wait from Retry-After or backoff, never beyond the longest wait', () => {
    const request = { url: 'https://x', method: 'POST', headers: { a: '1' }, payload: 'body' }
    const msg: Record<string, unknown> = { statusCode: 503, payload: 'busy', headers: {}, xoRequest: request }
    assert.equal(readAnswer(msg, 'generic', settings, (attempt) => attempt * 1000), 'retry')
    assert.deepEqual([msg.payload, msg.headers, msg.delay, msg.xoAttempt], ['body', { a: '1' }, 1000, 1])
    assert.equal((msg.xoOutcome as { outcome: string }).outcome, 'retry')
    const later: Record<string, unknown> = { statusCode: 429, headers: { 'retry-after': '60' }, xoAttempt: 1 }
    assert.equal(readAnswer(later, 'generic', settings), 'retry')
    assert.equal(later.delay, 10_000)
  })

  it('failed for good, or out of attempts: output 3 with the reason', () => {
    const refused: Record<string, unknown> = { statusCode: 400, payload: 'invalid_blocks' }
    assert.equal(readAnswer(refused, 'slack', settings), 'failed')
    const tired: Record<string, unknown> = { statusCode: 503, payload: '', xoAttempt: 2 }
    assert.equal(readAnswer(tired, 'generic', settings), 'failed')
    assert.deepEqual(tired.xoOutcome, { outcome: 'failed', reason: 'HTTP 503; gave up after 3 attempts', attempt: 3 })
  })

  it('counts answers by output, yellow once one failed for good', () => {
    assert.deepEqual(outcomeStatus({ ok: 2, retry: 1, failed: 0 }, t), { fill: 'green', shape: 'dot', text: 'status.counts {"ok":2,"retry":1,"failed":0}' })
    assert.equal(outcomeStatus({ ok: 2, retry: 1, failed: 1 }, t).fill, 'yellow')
  })
})
