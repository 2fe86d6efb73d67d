import assert from 'node:assert/strict'
import { isXoEventSummary, summarizeMessage } from '../../../src/destinations/event'
import type { XoEventSummary } from '../../../src/destinations/summary'
import type { HookBody } from '../../../src/hooks/delivery'
import {
  ADMIN_ID,
  callMessage,
  eventMessage,
  hookMessage,
  HOST1,
  host,
  HOST2,
  hostDown,
  hostUp,
  NET_DMZ,
  NET_ETH0,
  NEW_VIFS,
  NEW_VM,
  NOW,
  now,
  POOL_ID,
  scenarioBodies,
  summary,
  TOKEN,
  usecaseMessages,
  usecases,
  vmCreated,
  vmMigrated,
  vmRemoved,
  WEB01,
} from '../../support/destination-messages'

const oneLine = (text: string) => !/[\r\n]/.test(text)

describe('destinations: summarising xo-hook messages', () => {
  it('summarises every hook body the real XO sent (webhooks-scenarios.json)', () => {
    const bodies = scenarioBodies()
    assert.ok(bodies.length >= 30, `${bodies.length} bodies`)
    for (const { scenario, body } of bodies) {
      const s = summary(hookMessage(body))
      const where = `${scenario} ${body.type} ${body.method}`
      assert.equal(s.source, 'hook', where)
      assert.equal(s.id, `${body.callId}:${body.type}`, where)
      assert.equal(s.kind, body.method, where)
      assert.equal(s.phase, body.type, where)
      assert.equal(s.ok, body.type === 'pre' || body.error === undefined, where)
      assert.equal(s.time, new Date(body.timestamp).toISOString(), where)
      assert.ok(s.title && oneLine(s.title) && s.title.length <= 1000, where)
      if (body.type === 'pre') assert.match(s.title, / is about to /, where)
      for (const fact of s.facts) assert.ok(fact.value !== '' && oneLine(fact.value), `${where}: ${fact.label}`)
      if (body.type === 'post' && body.error)
        assert.equal(s.facts.find((f) => f.label === 'Error')?.value, body.error.message.split('\n')[0], where)
    }
  })

  it('says who did what in words', () => {
    const titles = new Map(
      scenarioBodies().map(({ scenario, body }) => [
        `${scenario.split(' ')[0]} ${body.type}`,
        summary(hookMessage(body)).title,
      ]),
    )
    assert.equal(titles.get('A1 pre'), 'admin@admin.net is about to create user hooktest@example.org')
    assert.equal(titles.get('A1 post'), 'admin@admin.net created user hooktest@example.org')
    assert.equal(
      titles.get('A2 post'),
      'user.create of user hooktest@example.org failed: the user hooktest@example.org already exists',
    )
    assert.equal(titles.get('A4 post'), 'vm.start of VM bogus-vm-id failed: no such VM bogus-vm-id')
    assert.equal(titles.get('A5 post'), 'admin@admin.net created a token')
    // XO's placeholder name for a caller it does not know is not a user's name
    assert.equal(titles.get('A6 pre'), 'An anonymous caller (127.0.0.1) is about to sign in')
    assert.equal(titles.get('J post'), 'xo.getAllObjects failed: not enough permissions')
  })

  it('never shows XO\'s "(unknown user)" placeholder as a name', () => {
    const anonymous = scenarioBodies().filter(({ body }) => body.userName === '(unknown user)')
    assert.ok(anonymous.length >= 3)
    for (const { body } of anonymous) {
      const s = summary(hookMessage(body))
      const { raw: _raw, ...shown } = s
      assert.doesNotMatch(JSON.stringify(shown), /unknown user/, `${body.type} ${body.method}`)
      assert.equal(s.facts.find((f) => f.label === 'User')?.value, 'anonymous (127.0.0.1)')
    }
  })

  it('keeps the error message and code, never the stack', () => {
    const { body } = scenarioBodies().find(({ scenario, body }) => scenario.startsWith('A4') && body.type === 'post')!
    assert.match(
      String((body as { error?: { stack?: string } }).error?.stack),
      /noSuchObject/,
      'the capture has a stack',
    )
    const s = summary(hookMessage(body))
    assert.deepEqual(s.error, { message: 'no such VM bogus-vm-id', code: 1 })
    const { raw: _raw, ...shown } = s
    assert.doesNotMatch(JSON.stringify(shown), /noSuchObject|api-errors/)
  })

  it("never carries token.create's token, not even in raw", () => {
    for (const { body } of scenarioBodies().filter(({ body }) => body.method === 'token.create')) {
      const s = summary(hookMessage(body))
      assert.doesNotMatch(JSON.stringify(s), new RegExp(TOKEN))
      if (body.type === 'post') assert.equal((s.raw as { result: unknown }).result, '* obfuscated *')
    }
  })

  it("tells the backup job runner's own pair (no user id, no ip) from the caller's", () => {
    const runs = scenarioBodies().filter(({ body }) => body.method === 'backupNg.runJob')
    assert.equal(runs.length, 4)
    const own = runs.map(({ body }) => summary(hookMessage(body))).filter((s) => !s.user?.ip)
    assert.equal(own.length, 2)
    for (const s of own) assert.deepEqual(s.user, { name: 'admin@admin.net' })
    assert.equal(own[0].subject?.id, 'db87e177-1199-4ba4-80f8-76d2350130e8')
  })

  it('summarises every operation of the use cases, with the objects xo-hook resolves', () => {
    const messages = usecaseMessages()
    assert.equal(messages.length, 60)
    const byStep = new Map<string, XoEventSummary>()
    for (const { step, msg } of messages) {
      const s = summary(msg)
      byStep.set(`${step} ${s.phase}`, s)
      assert.ok(oneLine(s.title), s.title)
      assert.equal(s.user?.name, 'admin@admin.net')
    }
    const title = (key: string) => byStep.get(key)?.title
    assert.equal(title('1 pre'), 'admin@admin.net is about to create VM nr-vm-d9ibu on pool fake-pool')
    assert.equal(title('1 post'), 'admin@admin.net created VM nr-vm-d9ibu on pool fake-pool')
    assert.equal(title('6 post'), 'admin@admin.net shut down VM nr-vm-d9ibu on pool fake-pool')
    assert.equal(title('8 post'), 'admin@admin.net force-stopped VM nr-vm-d9ibu on pool fake-pool')
    assert.equal(title('9 post'), 'admin@admin.net migrated VM web-01 to host xcp-host-2 on pool fake-pool')
    assert.equal(title('10 post'), 'admin@admin.net snapshotted VM web-01 as web-01-snap-d9ibu on pool fake-pool')
    assert.equal(title('11 post'), 'admin@admin.net cloned VM test-01 as test-01-clone-d9ibu on pool fake-pool')
    assert.equal(title('12 post'), 'admin@admin.net tagged VM web-01 with nr-test on pool fake-pool')
    assert.equal(title('17 pre'), 'admin@admin.net is about to delete VM nr-vm-d9ibu on pool fake-pool')
    assert.equal(title('18 post'), 'admin@admin.net put host xcp-host-2 in maintenance mode in pool fake-pool')
    assert.equal(title('19 post'), 'admin@admin.net took host xcp-host-2 out of maintenance mode in pool fake-pool')
    assert.equal(title('21 pre'), 'admin@admin.net is about to shut down host xcp-host-2 in pool fake-pool')
    assert.equal(title('23 post'), 'admin@admin.net restarted host xcp-host-2 in pool fake-pool')
    assert.equal(title('25 post'), 'admin@admin.net emergency-stopped host xcp-host-2 in pool fake-pool')
    assert.equal(
      title('28 post'),
      'vm.start of VM web-01 failed: VM_BAD_POWER_STATE(OpaqueRef:5841a7d1-57f5-438c-801b-edf9499f0260, halted, running)',
    )

    const created = byStep.get('1 post')!
    assert.equal(byStep.get('1 pre')!.subject, undefined, 'the VM vm.create makes has no id before it runs')
    assert.equal(created.subject?.id, NEW_VM)
    assert.deepEqual(created.pool, { id: POOL_ID, name: 'fake-pool' })
    assert.deepEqual(
      (created.objects.vm.vifs as Array<{ mac: string }>).map((v) => v.mac),
      ['92:cd:09:3f:54:f0', '6a:76:60:4d:c1:ed'],
    )
    assert.deepEqual(created.facts.slice(0, 3), [
      { label: 'VM', value: 'nr-vm-d9ibu' },
      { label: 'Template', value: 'Debian 12 template' },
      { label: 'Pool', value: 'fake-pool' },
    ])
    const migrated = byStep.get('9 post')!
    assert.equal(migrated.subject?.name, 'web-01')
    assert.equal(migrated.objects.targetHost.name, 'xcp-host-2')
    assert.deepEqual(
      migrated.facts.find((f) => f.label === 'Duration'),
      { label: 'Duration', value: '919 ms' },
    )
    const emergency = byStep.get('25 post')!
    assert.deepEqual([emergency.subject?.type, emergency.host?.name], ['host', 'xcp-host-2'])
    assert.deepEqual(byStep.get('29 post')!.error, {
      message:
        'VM_REQUIRES_SR(OpaqueRef:28c299de-9b30-41a5-81e0-1f98ef05080d, OpaqueRef:3c537a36-6314-456e-80ca-c96e87c2e312)',
      code: 'VM_REQUIRES_SR',
    })
  })

  it('works without enrichment: ids, types from the parameters, names from the parameters of created objects', () => {
    const post = usecases.operations[0].webhooks.requests[1]
    const body = { ...post, userId: ADMIN_ID, timestamp: Date.parse(post.receivedAt) } as unknown as HookBody
    const s = summary(hookMessage(body))
    // The types are those the parameters name, and said to be guessed: XO never described the objects.
    assert.deepEqual(s.subject, { id: NEW_VM, type: 'VM', typeGuessed: true, name: 'nr-vm-d9ibu' })
    assert.equal(s.title, 'admin@admin.net created VM nr-vm-d9ibu')
    assert.deepEqual(s.objects.template, {
      id: 'f1f1f1f1-0000-4000-8000-0000000000b1',
      type: 'VM-template',
      typeGuessed: true,
    })
  })
})

describe('destinations: summarising xo-events and xo-call messages', () => {
  it('VM.migrated: from and to hosts', () => {
    const s = summary(vmMigrated())
    assert.equal(s.source, 'events')
    assert.equal(s.kind, 'VM.migrated')
    assert.equal(s.title, 'VM web-01 migrated from xcp-host-1 to xcp-host-2')
    assert.equal(s.ok, true)
    assert.equal(s.phase, undefined)
    assert.equal(s.time, NOW.toISOString())
    assert.deepEqual(s.host, { id: HOST2, name: 'xcp-host-2' })
    assert.deepEqual(
      s.facts.filter((f) => /host/i.test(f.label)),
      [
        { label: 'Host', value: 'xcp-host-2' },
        { label: 'From host', value: 'xcp-host-1' },
        { label: 'To host', value: 'xcp-host-2' },
      ],
    )
    assert.match(s.id, new RegExp(`^VM:${WEB01.id}:migrated:[0-9a-f]{16}$`))
  })

  it('ids are deterministic: the same object version gives the same id, another version another', () => {
    const a = summary(vmMigrated())
    const b = summarizeMessage(vmMigrated(), () => new Date(0)) as XoEventSummary
    assert.equal(a.id, b.id, 'the id does not depend on the time of summarising')
    const moved = vmMigrated()
    ;(moved.payload as { object: Record<string, unknown> }).object.name_label = 'web-01b'
    assert.notEqual(summary(moved).id, a.id)
  })

  it('host.down and host.up', () => {
    const down = summary(hostDown())
    assert.equal(down.title, 'Host xcp-host-2 went down')
    assert.deepEqual(down.subject, { id: HOST2, type: 'host', name: 'xcp-host-2' })
    assert.deepEqual(
      down.facts.find((f) => f.label === 'Power state'),
      { label: 'Power state', value: 'Running → Halted' },
    )
    assert.equal(summary(hostUp()).title, 'Host xcp-host-2 came up')
  })

  it('VM.created carries the VIFs a flow resolved; VM.removed the last known ones', () => {
    const created = summary(vmCreated())
    assert.equal(created.title, 'VM nr-vm-d9ibu created')
    assert.deepEqual(created.objects.vm.vifs, NEW_VIFS)
    assert.equal(summary(vmCreated(false)).objects.vm.vifs, undefined, 'the object stream alone has VIF ids, no MACs')
    const removed = summary(vmRemoved())
    assert.equal(removed.title, 'VM nr-vm-d9ibu removed')
    assert.deepEqual(
      (removed.objects.vm.vifs as Array<{ mac: string; network: { id: string } }>).map((v) => [v.mac, v.network.id]),
      [
        ['92:cd:09:3f:54:f0', NET_ETH0],
        ['6a:76:60:4d:c1:ed', NET_DMZ],
      ],
    )
  })

  it('takes the time of an event when given', () => {
    const msg = hostDown()
    Object.assign(msg.payload, { time: '2026-05-01T10:00:00Z' })
    assert.equal(summary(msg).time, '2026-05-01T10:00:00.000Z')
  })

  it('xo-call results and errors', () => {
    const ok = summary(callMessage('vm.start', { id: WEB01.id }, true))
    assert.equal(ok.source, 'call')
    assert.equal(ok.title, `Started VM ${WEB01.id}`)
    assert.equal(ok.ok, true)
    assert.equal(ok.time, NOW.toISOString())
    assert.match(ok.id, /^call:vm\.start:[0-9a-f]{16}$/)
    assert.equal(summary(callMessage('vm.start', { id: WEB01.id }, true)).id, ok.id, 'same call, same instant: same id')
    assert.notEqual(summary(callMessage('vm.start', { id: 'other' }, true)).id, ok.id)
    const failed = summary(
      callMessage(
        'vm.start',
        { id: WEB01.id },
        { id: WEB01.id },
        { name: 'XoApiError', message: 'VM state is running but should be halted', code: 13 },
      ),
    )
    assert.equal(failed.ok, false)
    assert.equal(failed.title, `vm.start of VM ${WEB01.id} failed: VM state is running but should be halted`)
    assert.deepEqual(failed.error, { message: 'VM state is running but should be halted', code: 13 })
    const token = summary(callMessage('token.create', { description: 'x' }, TOKEN))
    assert.equal(token.title, 'Created a token')
    assert.doesNotMatch(JSON.stringify(token), new RegExp(TOKEN))
  })

  it('hides transfer paths (they are credentials) in raw', () => {
    const s = summary(callMessage('vm.export', { vm: WEB01.id }, { $getFrom: '/api/6rhpbs3o5yq' }))
    assert.doesNotMatch(JSON.stringify(s), /6rhpbs3o5yq/)
  })

  it('says what is not an XO message', () => {
    for (const msg of [{}, { payload: 'hello' }, { xo: { phase: 'pre' } }, { payload: { event: 'x' } }]) {
      const result = summarizeMessage(msg, now)
      assert.equal(isXoEventSummary(result), false)
      assert.match((result as { error: string }).error, /not a message/)
    }
    const failed = summarizeMessage(
      callMessage('vm.start', {}, undefined, { name: 'XoApiError', message: 'boom' }),
      now,
    )
    assert.ok(
      isXoEventSummary(failed) && 'error' in failed,
      "a failed call's summary has an error too: use isXoEventSummary",
    )
  })
})

describe('destinations: other xo-events titles, and links to XO', () => {
  const vm = { id: 'vm-9', type: 'VM', name_label: 'db-01', power_state: 'Running', $pool: POOL_ID }

  it('updated, tagged, started, alarm, initial', () => {
    const title = (payload: Record<string, unknown>) =>
      summary(eventMessage({ type: 'VM', id: 'vm-9', object: vm, event: 'x', ...payload })).title
    assert.equal(
      title({ event: 'updated', changes: { name_label: {}, memory: {} } }),
      'VM db-01 updated (name_label, memory)',
    )
    assert.equal(title({ event: 'tagged', tags: ['prod', 'db'] }), 'VM db-01 tagged prod, db')
    assert.equal(title({ event: 'started', host: host(HOST1) }), 'VM db-01 started on xcp-host-1')
    assert.equal(title({ event: 'initial' }), 'VM db-01 (initial state)')
    const alarm = { id: 'm-1', type: 'message', name: 'ALARM', body: 'value: 0.95\nconfig: cpu_usage', $object: 'vm-9' }
    assert.equal(
      summary(eventMessage({ type: 'message', id: 'm-1', event: 'alarm', object: alarm })).title,
      'Alarm: value: 0.95 config: cpu_usage',
    )
  })

  it('links to the page of the subject, from any form of XO URL', async () => {
    const { xoLink } = await import('../../../src/destinations/links')
    const s = summary(vmMigrated())
    assert.equal(xoLink('https://xo.example.net', s), `https://xo.example.net/#/vms/${WEB01.id}`)
    assert.equal(xoLink('wss://xo.example.net/api/', s), `https://xo.example.net/#/vms/${WEB01.id}`)
    assert.equal(xoLink('https://example.net/xo/', summary(hostDown())), `https://example.net/xo/#/hosts/${HOST2}`)
    assert.equal(
      xoLink('https://xo.example.net', summary(vmRemoved())),
      'https://xo.example.net/',
      'a removed VM has no page',
    )
    assert.equal(xoLink('javascript:alert(1)', s), undefined)
    assert.equal(xoLink('not a url', s), undefined)
    assert.equal(xoLink(undefined, s), undefined)
  })
})
