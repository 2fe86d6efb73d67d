import assert from 'node:assert/strict'
import { githubDispatch, gitlabTrigger } from '../../src/destinations/ci'
import { cloudEvent, structuredRequest, verifyStandardWebhook } from '../../src/destinations/cloudevents'
import type { XoEventSummary } from '../../src/destinations/summary'
import { haproxyServerState } from '../../src/destinations/haproxy'
import { isNotSent } from '../../src/destinations/not-sent'
import { pagerDutyEvent } from '../../src/destinations/pagerduty'
import { slackMessage } from '../../src/destinations/slack'
import { teamsMessage } from '../../src/destinations/teams'
import type { HookBody } from '../../src/hooks/delivery'
import {
  callMessage, HOST2, hookMessage, hostDown, hostUp, NEW_VM, POOL_ID, scenarioBodies, summary, TOKEN, usecaseMessages, vmMigrated, WEB01,
} from './destinations.spec'

const XO_URL = 'https://xo.lab.example/'
const steps = new Map(usecaseMessages().map(({ step, msg }) => [`${step} ${(msg.xo as { phase: string }).phase}`, summary(msg)]))
const step = (key: string) => steps.get(key)!
const json = (value: unknown) => JSON.stringify(value)

/** The worst case: a 5000-character VM name (multi-byte), a failure with a long message and stack, 100 facts. */
function extreme(): XoEventSummary {
  const { body } = scenarioBodies().find(({ scenario, body }) => scenario.startsWith('A4') && body.type === 'post')!
  const error = { message: `${'VM_BAD_POWER_STATE '.repeat(200)}\nsecond line`, code: 'X', stack: `Error\n${'    at deep (/opt/xo/stack.js:1:1)\n'.repeat(5000)}` }
  const msg = hookMessage({ ...body, error } as HookBody)
  const name = 'ü<&>'.repeat(1250)
  msg.xo.objects.vm = { id: 'vm-1', type: 'VM', name, pool: { id: POOL_ID, name } }
  const s = summary(msg)
  for (let i = 0; i < 100; i++) s.facts.push({ label: `Fact ${i} ${'ł'.repeat(100)}`, value: `${i} ${'€'.repeat(3000)}` })
  return s
}

/** Nothing known but the method: no objects, no user, no pool. */
const bare = (): XoEventSummary => summary(callMessage('system.getServerVersion', {}, '5.207.2'))

const tokenSummaries = () => [
  ...scenarioBodies().filter(({ body }) => body.method === 'token.create').map(({ body }) => summary(hookMessage(body))),
  summary(callMessage('token.create', {}, TOKEN)),
]

describe('destinations: Slack, Mattermost, Rocket.Chat', () => {
  it('Block Kit with a text fallback', () => {
    const m = slackMessage(step('9 post'), { xoUrl: XO_URL }) as { text: string; blocks: Array<Record<string, any>> }
    assert.equal(m.text, 'admin@admin.net migrated VM web-01 to host xcp-host-2 on pool fake-pool')
    assert.deepEqual(m.blocks[0], { type: 'header', text: { type: 'plain_text', text: m.text, emoji: true } })
    assert.deepEqual(m.blocks[1].fields.slice(0, 2), [
      { type: 'mrkdwn', text: '*VM*\nweb-01' },
      { type: 'mrkdwn', text: '*Target host*\nxcp-host-2' },
    ])
    const context = m.blocks.at(-1)!
    assert.equal(context.type, 'context')
    assert.equal(context.elements[1].text, `<https://xo.lab.example/#/vms/${WEB01.id}|Open in XO>`)
  })

  it('marks failures and pre, and escapes what came from XO', () => {
    const failed = slackMessage(step('28 post')) as { blocks: Array<Record<string, any>> }
    assert.match(failed.blocks[0].text.text, /^:x: vm\.start of VM web-01 failed/)
    assert.match(failed.blocks[1].text.text, /^\*Error:\* VM_BAD_POWER_STATE/)
    assert.ok(!failed.blocks[2].fields.some((f: { text: string }) => f.text.startsWith('*Error*')), 'the error is shown once')
    assert.match((slackMessage(step('9 pre')) as any).blocks[0].text.text, /^:hourglass_flowing_sand: /)
    const s = { ...step('9 post'), title: 'VM <!channel> & co' }
    assert.equal((slackMessage(s) as { text: string }).text, 'VM &lt;!channel&gt; &amp; co')
  })

  it('attachments for Mattermost and Rocket.Chat: colour, fields, and no @-mentions', () => {
    const m = slackMessage(step('28 post'), { style: 'attachments', xoUrl: XO_URL }) as { text: string; attachments: Array<Record<string, any>> }
    assert.equal(m.attachments.length, 1)
    const a = m.attachments[0]
    assert.equal(a.color, '#d40e0d')
    assert.equal(a.title_link, `https://xo.lab.example/#/vms/${WEB01.id}`)
    assert.deepEqual(a.fields[0], { title: 'VM', value: 'web-01', short: true })
    assert.match(a.text, /^VM_BAD_POWER_STATE/)
    assert.equal('blocks' in m, false, 'Mattermost does not render blocks')
    assert.equal((slackMessage(step('9 post'), { style: 'attachments' }) as any).attachments[0].color, '#2eb886')
    const s = { ...step('9 post'), title: '@all look: admin@admin.net moved @channel' }
    assert.equal((slackMessage(s, { style: 'attachments' }) as { text: string }).text, '@\u200ball look: admin@admin.net moved @\u200bchannel')
  })

  it('respects the Block Kit limits, whatever the size of the event', () => {
    for (const s of [extreme(), bare()]) {
      const m = slackMessage(s, { xoUrl: XO_URL }) as { text: string; blocks: Array<Record<string, any>> }
      assert.ok(m.blocks.length <= 50)
      assert.ok(m.blocks[0].text.text.length <= 150)
      for (const block of m.blocks) {
        if (block.text) assert.ok(block.text.text.length <= 3000)
        if (block.fields) {
          assert.ok(block.fields.length <= 10)
          for (const field of block.fields) assert.ok(field.text.length <= 2000)
        }
      }
      assert.ok(json(m).length < 12_000, `${json(m).length} characters`)
      assert.doesNotMatch(json(m), /stack\.js/)
      const a = slackMessage(s, { style: 'attachments' })
      assert.ok(json(a).length < 16_383, `${json(a).length} characters for Mattermost`)
    }
    const shrunk = (slackMessage(extreme()) as any).blocks.flatMap((b: any) => b.fields ?? [])
    assert.ok(shrunk.length <= 20)
    assert.match(shrunk.at(-1).text, /more facts/)
    const many = { ...step('9 post'), facts: Array.from({ length: 100 }, (_, i) => ({ label: `F${i}`, value: `v${i}` })) }
    const fields = (slackMessage(many) as any).blocks.flatMap((b: any) => b.fields ?? [])
    assert.equal(fields.length, 20, 'two sections of ten')
    assert.equal(fields.at(-1).text, '*More*\n81 more facts')
  })
})

describe('destinations: Teams (Workflows, Adaptive Card)', () => {
  it('one Adaptive Card 1.4 in the envelope the Workflows template reads', () => {
    const m = teamsMessage(step('25 post'), { xoUrl: XO_URL }) as any
    assert.equal(m.type, 'message')
    assert.equal(m.attachments.length, 1)
    const { contentType, contentUrl, content } = m.attachments[0]
    assert.deepEqual([contentType, contentUrl], ['application/vnd.microsoft.card.adaptive', null])
    assert.deepEqual([content.type, content.version], ['AdaptiveCard', '1.4'])
    assert.equal(content.body[0].text, 'admin@admin.net emergency-stopped host xcp-host-2 in pool fake-pool')
    assert.deepEqual(content.body[1].facts[0], { title: 'Host', value: 'xcp-host-2' })
    assert.deepEqual(content.actions, [{ type: 'Action.OpenUrl', title: 'Open in XO', url: `https://xo.lab.example/#/hosts/${HOST2}` }])
  })

  it('shows failures in red', () => {
    const body = (teamsMessage(step('28 post')) as any).attachments[0].content.body
    assert.equal(body[0].color, 'Attention')
    assert.deepEqual([body[1].color, body[1].text.slice(0, 18)], ['Attention', 'VM_BAD_POWER_STATE'])
  })

  it('stays under 28 KB, whatever the size of the event', () => {
    for (const s of [extreme(), bare()]) {
      const m = teamsMessage(s, { xoUrl: XO_URL })
      assert.ok(Buffer.byteLength(json(m)) <= 28 * 1024, `${Buffer.byteLength(json(m))} bytes`)
      assert.doesNotMatch(json(m), /stack\.js/)
    }
  })
})

describe('destinations: PagerDuty', () => {
  const routingKey = 'a'.repeat(32)
  const pdResult = (s: XoEventSummary, opts: Partial<Parameters<typeof pagerDutyEvent>[1]> = {}) => pagerDutyEvent(s, { routingKey, xoUrl: XO_URL, ...opts })
  const pd = (s: XoEventSummary, opts: Partial<Parameters<typeof pagerDutyEvent>[1]> = {}) => {
    const result = pdResult(s, opts)
    if (isNotSent(result)) return assert.fail(`not sent: ${result.notSent}`)
    return result
  }

  it('auto: a failed call triggers, with a deterministic dedup key', () => {
    const e = pd(step('28 post'))!
    assert.equal(e.url, 'https://events.pagerduty.com/v2/enqueue')
    assert.equal(e.body.event_action, 'trigger')
    assert.equal(e.body.dedup_key, `xo:vm.start:${WEB01.id}`)
    assert.equal(e.body.routing_key, routingKey)
    const payload = e.body.payload as Record<string, any>
    assert.equal(payload.severity, 'error')
    assert.equal(payload.source, 'xo.lab.example')
    assert.equal(payload.class, 'vm.start')
    assert.equal(payload.component, 'VM web-01')
    assert.equal(payload.group, 'fake-pool')
    assert.match(payload.summary, /^vm\.start of VM web-01 failed/)
    assert.equal(payload.custom_details['Error code'], 'VM_BAD_POWER_STATE')
    assert.deepEqual(e.body.links, [{ href: `https://xo.lab.example/#/vms/${WEB01.id}`, text: 'Open in Xen Orchestra' }])
    assert.deepEqual(pd(step('28 post')), e, 'a retry sends the same event')
  })

  it('auto: host shutdowns and host down trigger one alert per host, its return resolves it', () => {
    const key = `xo:host.down:${HOST2}`
    const cases: Array<[XoEventSummary, string, string | undefined]> = [
      [step('25 post'), 'trigger', 'critical'],
      [step('21 post'), 'trigger', 'error'],
      [step('23 post'), 'trigger', 'error'],
      [summary(hostDown()), 'trigger', 'critical'],
      [step('22 post'), 'resolve', undefined],
      [summary(hostUp()), 'resolve', undefined],
    ]
    for (const [s, action, severity] of cases) {
      const e = pd(s)!
      assert.deepEqual([s.kind, e.body.event_action, e.body.dedup_key, (e.body.payload as any)?.severity], [s.kind, action, key, severity])
    }
    assert.deepEqual(pd(step('22 post'))!.body, { routing_key: routingKey, event_action: 'resolve', dedup_key: key })
  })

  it('auto: routine successes are change events; a success whose key is open resolves', () => {
    for (const s of [step('9 post'), summary(vmMigrated()), step('1 post')]) {
      const e = pd(s)!
      assert.equal(e.url, 'https://events.pagerduty.com/v2/change/enqueue', s.kind)
      assert.equal('event_action' in e.body || 'dedup_key' in e.body, false)
      assert.deepEqual(Object.keys(e.body.payload as object).sort(), ['custom_details', 'source', 'summary', 'timestamp'])
    }
    const open = new Set([`xo:vm.start:${WEB01.id}`])
    const started = summary(callMessage('vm.start', { id: WEB01.id }, true))
    assert.deepEqual(pd(started, { open })!.body, { routing_key: routingKey, event_action: 'resolve', dedup_key: `xo:vm.start:${WEB01.id}` })
    assert.equal(pd(started)!.url, 'https://events.pagerduty.com/v2/change/enqueue')
  })

  it('alert and change modes; nothing for a pre; no change events for ruleset keys', () => {
    assert.equal(pd(step('9 post'), { mode: 'alert' })!.body.event_action, 'resolve')
    assert.deepEqual(pdResult(summary(vmMigrated()), { mode: 'alert' }), { notSent: 'routine' })
    assert.equal(pd(step('28 post'), { mode: 'alert' })!.body.event_action, 'trigger')
    assert.equal(pd(step('28 post'), { mode: 'change' })!.url, 'https://events.pagerduty.com/v2/change/enqueue')
    for (const mode of ['alert', 'change', 'auto'] as const) assert.deepEqual(pdResult(step('25 pre'), { mode }), { notSent: 'beforeCall' })
    assert.deepEqual(pdResult(step('9 post'), { routingKey: 'R0123456789abcdef0123456789abcde' }), { notSent: 'rulesetKeyChange' })
    // An integration key is 32 hexadecimal digits: one of another length or alphabet that starts with R is no ruleset key.
    for (const key of ['0123456789abcdef0123456789abcdef', 'Rabbit', 'R0DEMO0STAND0IN0ROUTING0KEY000000']) {
      assert.equal('url' in pdResult(step('9 post'), { routingKey: key }), true, key)
    }
  })

  it('severity by method, overridable; source given or from the pool', () => {
    assert.equal((pd(step('28 post'), { severity: { 'vm.start': 'warning' } })!.body.payload as any).severity, 'warning')
    assert.equal((pd(step('25 post'), { severity: { 'host.emergencyShutdownHost': 'error' } })!.body.payload as any).severity, 'error')
    assert.equal((pd(step('28 post'), { source: 'xo-prod' })!.body.payload as any).source, 'xo-prod')
    assert.equal(((pagerDutyEvent(step('28 post'), { routingKey }) as { body: Record<string, unknown> }).body.payload as any).source, 'fake-pool')
    assert.equal(((pagerDutyEvent(bare(), { routingKey, mode: 'change' }) as { body: Record<string, unknown> }).body.payload as any).source, 'xen-orchestra')
  })

  it('limits: summary ≤1024, dedup key ≤255, no stack, small body', () => {
    const s = extreme()
    s.subject = { id: 'x'.repeat(400), type: 'VM' }
    const e = pd(s)!
    assert.ok((e.body.payload as any).summary.length <= 1024)
    assert.ok(String(e.body.dedup_key).length <= 255)
    assert.equal(pd(s)!.body.dedup_key, e.body.dedup_key, 'a shortened key is still deterministic')
    assert.doesNotMatch(json(e), /stack\.js/)
    assert.ok(json(e).length < 100_000, `${json(e).length}`)
    assert.equal(pd(bare(), { mode: 'alert' })!.body.dedup_key, 'xo:system.getServerVersion')
  })
})

describe('destinations: CloudEvents', () => {
  const source = 'https://xo.lab.example'

  it('a structured CloudEvent 1.0 with a deterministic id and a thin data', () => {
    const s = step('1 post')
    const e = cloudEvent(s, { source, typePrefix: 'net.example.xo' })
    assert.deepEqual(
      { ...e, data: undefined },
      { specversion: '1.0', id: 'uo7i9599mg:post', source, type: 'net.example.xo.vm.create.post', subject: 'admin@admin.net', time: s.time, datacontenttype: 'application/json', data: undefined },
    )
    const data = e.data as Record<string, any>
    assert.deepEqual(data.subject, { id: NEW_VM, type: 'VM', name: 'nr-vm-d9ibu' })
    assert.deepEqual(data.pool, { id: POOL_ID, name: 'fake-pool' })
    assert.equal(data.ok, true)
    assert.equal('params' in data || 'raw' in data, false)
    assert.deepEqual(cloudEvent(s, { source, typePrefix: 'net.example.xo' }), e)
  })

  it('types and subjects', () => {
    assert.equal(cloudEvent(step('1 pre'), { source }).type, 'org.xen-orchestra.vm.create.pre')
    assert.equal(cloudEvent(summary(vmMigrated()), { source }).type, 'org.xen-orchestra.VM.migrated')
    assert.equal(cloudEvent(bare(), { source }).type, 'org.xen-orchestra.system.getServerVersion.call')
    assert.equal(cloudEvent(step('9 post'), { source, subject: 'pool' }).subject, POOL_ID)
    assert.equal(cloudEvent(step('9 post'), { source, subject: 'object' }).subject, WEB01.id)
    assert.equal('subject' in cloudEvent(bare(), { source }), false, 'no user known: no subject')
    const failed = cloudEvent(step('28 post'), { source }).data as Record<string, any>
    assert.deepEqual([failed.ok, failed.error.code], [false, 'VM_BAD_POWER_STATE'])
  })

  it('stays under 64 KiB, whatever the size of the event', () => {
    for (const s of [extreme(), bare()]) {
      const e = cloudEvent(s, { source })
      assert.ok(Buffer.byteLength(json(e)) <= 64 * 1024)
      assert.doesNotMatch(json(e), /stack\.js/)
    }
  })

  it('the request sends the exact JSON text, signed when asked', () => {
    const e = cloudEvent(step('9 post'), { source })
    const plain = structuredRequest(e, 'https://meter.example/api/v1/events')
    assert.deepEqual(plain, {
      url: 'https://meter.example/api/v1/events',
      method: 'POST',
      headers: { 'Content-Type': 'application/cloudevents+json; charset=UTF-8' },
      payload: JSON.stringify(e),
    })
    const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`
    const signed = structuredRequest(e, 'https://meter.example/api/v1/events', { secret, timestamp: 1_800_000_000 })
    assert.equal(signed.headers['webhook-id'], '25sf35br4ef:post')
    assert.equal(signed.headers['webhook-timestamp'], '1800000000')
    assert.ok(verifyStandardWebhook(signed.headers, signed.payload as string, secret, 300, 1_800_000_100))
  })
})

describe('destinations: CI triggers and HAProxy', () => {
  it('GitLab pipeline trigger: URL-encoded project, string variables', () => {
    const r = gitlabTrigger(step('1 post'), { baseUrl: 'https://gitlab.example/', project: 'infra/dhcp', token: 'glptt-1', ref: 'main' })
    assert.equal(r.url, 'https://gitlab.example/api/v4/projects/infra%2Fdhcp/trigger/pipeline')
    assert.equal(r.method, 'POST')
    assert.equal(r.headers['Content-Type'], 'application/json')
    const body = JSON.parse(r.payload as string)
    assert.deepEqual([body.token, body.ref], ['glptt-1', 'main'])
    assert.equal(body.variables.XO_EVENT, 'vm.create')
    assert.equal(body.variables.XO_VM_ID, NEW_VM)
    assert.equal(body.variables.XO_VM_NAME, 'nr-vm-d9ibu')
    assert.equal(body.variables.XO_USER, 'admin@admin.net')
    assert.equal(body.variables.XO_POOL_NAME, 'fake-pool')
    assert.equal(body.variables.XO_OK, 'true')
    for (const value of Object.values(body.variables)) assert.equal(typeof value, 'string')
    assert.equal(gitlabTrigger(summary(vmMigrated()), { baseUrl: 'https://gitlab.example/api/v4', project: '42', token: 't', ref: 'main' }).url, 'https://gitlab.example/api/v4/projects/42/trigger/pipeline')
  })

  it('GitHub repository_dispatch: headers, event_type ≤100, client_payload ≤10 keys', () => {
    const r = githubDispatch(step('28 post'), { owner: 'acme', repo: 'infra', token: 'ghp_x' })
    assert.equal(r.url, 'https://api.github.com/repos/acme/infra/dispatches')
    assert.deepEqual(r.headers, {
      'Content-Type': 'application/json',
      Authorization: 'Bearer ghp_x',
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
      'User-Agent': 'node-red-xen-orchestra',
    })
    const body = JSON.parse(r.payload as string)
    assert.equal(body.event_type, 'xo.vm.start.post')
    assert.ok(Object.keys(body.client_payload).length <= 10)
    assert.equal(body.client_payload.error.code, 'VM_BAD_POWER_STATE')
    const long = githubDispatch(extreme(), { owner: 'acme', repo: 'infra', token: 't', eventType: 'e'.repeat(300), apiUrl: 'https://ghe.example/api/v3/' })
    assert.equal(JSON.parse(long.payload as string).event_type.length, 100)
    assert.equal(long.url, 'https://ghe.example/api/v3/repos/acme/infra/dispatches')
  })

  it('HAProxy Data Plane API: runtime admin state of a server', () => {
    const r = haproxyServerState({ baseUrl: 'http://lb.example:5555', backend: 'web be', server: 'web-01', state: 'drain', user: 'admin', password: 'p:w' })
    assert.deepEqual(r, {
      url: 'http://lb.example:5555/v3/services/haproxy/runtime/backends/web%20be/servers/web-01',
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', Authorization: `Basic ${Buffer.from('admin:p:w').toString('base64')}` },
      payload: '{"admin_state":"drain"}',
    })
    assert.equal(haproxyServerState({ baseUrl: 'http://lb:5555/v3/', backend: 'b', server: 's', state: 'ready', user: 'u', password: 'p' }).url, 'http://lb:5555/v3/services/haproxy/runtime/backends/b/servers/s')
  })
})

describe("destinations: token.create's token never leaves", () => {
  it('in no output of any destination', () => {
    const summaries = tokenSummaries()
    assert.equal(summaries.length, 3)
    for (const s of summaries) {
      const outputs = [
        s,
        slackMessage(s),
        slackMessage(s, { style: 'attachments' }),
        teamsMessage(s),
        ...(['alert', 'change', 'auto'] as const).map((mode) => pagerDutyEvent(s, { routingKey: 'k', mode })),
        structuredRequest(cloudEvent(s, { source: 'https://xo' }), 'https://x', { secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }),
        gitlabTrigger(s, { baseUrl: 'https://g', project: 'p', token: 't', ref: 'main' }),
        githubDispatch(s, { owner: 'o', repo: 'r', token: 't' }),
      ]
      for (const output of outputs) assert.doesNotMatch(json(output) ?? '', new RegExp(TOKEN))
    }
  })
})
