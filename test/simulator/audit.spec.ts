// The audit plugin (xo-server-audit 0.15.1) against captures/audit.json: the capture's steps replayed on a VM of
// the simulator's inventory, then what the capture implies (read-only calls, unload, deactivation, clean).
import assert from 'node:assert/strict'
import http from 'node:http'
import { auditRecordId } from '../../src/simulator/audit'
import { XoSimulator } from '../../src/simulator'
import { capture, keysOf, RpcClient, shapeOf, Sink } from './helpers'

const au = capture('audit.json')
const step = (label: string) => {
  const s = au.steps.find((x: any) => x.label === label)
  assert.ok(s, `no step "${label}" in audit.json`)
  return s
}
const ADMIN = { email: 'admin@admin.net', password: 'admin' }
const GETFROM = /^\/api\/[\w-]+$/

/** Same keys in the same order at every level (arrays element by element). */
function keyTree(v: any): any {
  if (Array.isArray(v)) return v.map(keyTree)
  if (v !== null && typeof v === 'object') return Object.entries(v).map(([k, x]) => [k, keyTree(x)])
  return typeof v
}

async function get(url: string): Promise<{ status: number; contentType: string | undefined; body: string }> {
  const res = await fetch(url)
  return { status: res.status, contentType: res.headers.get('content-type') ?? undefined, body: await res.text() }
}

describe('simulator: audit plugin (vs captures/audit.json)', () => {
  let sim: XoSimulator
  let sink: Sink
  let main: RpcClient
  let vmId: string
  /** the records of step 9 as the simulator gave them (newest first) */
  let records: any[]
  const capturedAll = step('last 10 records (newest first)').response.result
  /** captured params with the simulator's VM in place of the captured one */
  const onOurVm = (params: any) =>
    params.id === step('vm.start test-01').request.params.id ? { ...params, id: vmId } : params

  before(async () => {
    sink = await Sink.start()
    sim = await XoSimulator.start({ timeScale: 0.02 })
    main = await RpcClient.connect(sim.url)
    await main.call('session.signIn', ADMIN)
    const vm = [...sim.objects.values()].find((o) => o.type === 'VM' && o.power_state === 'Halted')
    assert.ok(vm, 'a halted VM in the inventory')
    vmId = vm.id
    // web-hooks on vm.start: its post delivery carries the same callId and error as the audit record
    await main.call('plugin.configure', {
      id: 'web-hooks',
      configuration: { hooks: [{ method: 'vm.start', type: 'post', url: sink.url('/ok'), format: 'json' }] },
    })
    await main.call('plugin.load', { id: 'web-hooks' })
  })
  after(async () => {
    await main.close()
    await sim.stop()
    await sink.stop()
  })

  it('step 0: inactive by default: no records, plugin.get lists audit loaded and unconfigured', async () => {
    const s = step('records while audit inactive')
    await main.call('vm.set', { id: vmId, name_label: 'not recorded' })
    assert.deepEqual(await main.call(s.request.method, s.request.params), s.response.result)
    assert.deepEqual(s.response.result, [])
    const [audit] = await main.call('plugin.get')
    assert.equal(audit.id, 'audit')
    assert.equal(audit.loaded, true)
    assert.ok(!('configuration' in audit))
    assert.equal(sim.auditRecords().length, 0)
  })

  it('steps 1-2: activation is the first record (previousId nullId), with the captured shape', async () => {
    const s1 = step('activate audit')
    assert.equal(await main.call(s1.request.method, s1.request.params), s1.response.result)
    const [audit] = await main.call('plugin.get')
    assert.deepEqual(audit.configuration, { active: true })
    assert.deepEqual(keysOf(audit), [
      'id',
      'name',
      'autoload',
      'description',
      'loaded',
      'keywords',
      'unloadable',
      'version',
      'configuration',
      'configurationSchema',
      'testable',
    ])

    const s2 = step('newest record right after activation')
    const got = await main.call(s2.request.method, s2.request.params)
    assert.equal(got.length, 1)
    const [first] = got
    const [captured] = s2.response.result
    assert.deepEqual(shapeOf(first), shapeOf(captured))
    assert.deepEqual(keyTree(first), keyTree(captured))
    assert.deepEqual(first.data.params, captured.data.params)
    assert.equal(first.data.method, 'plugin.configure')
    assert.equal(first.event, 'apiCall')
    assert.equal(first.previousId, 'nullId')
    assert.equal(first.data.result, true)
    assert.match(first.id, /^\$5\$\$[0-9a-f]{64}$/)
    assert.deepEqual(first.subject, { userId: first.subject.userId, userIp: '127.0.0.1', userName: ADMIN.email })
    assert.match(first.subject.userId, /^[0-9a-f-]{36}$/)
  })

  it('steps 3-9: recorded calls newest first as captured, read-only vm.stats left out', async () => {
    assert.equal((await main.request('vm.start', { id: vmId })).error, undefined)
    assert.equal(await main.call('vm.set', { id: vmId, name_description: 'audit capture' }), true)
    const n = sink.requests.length
    const failed = await main.request('vm.start', { id: vmId })
    const cFailed = step('failing call: vm.start on running VM').response.error
    assert.deepEqual(keyTree(failed.error), keyTree({ ...cFailed, data: { ...cFailed.data } }))
    assert.equal(failed.error.message, cFailed.message)
    await sink.waitForCount(n + 1)
    const post = sink.requests[n].json
    assert.ok((await main.request('vm.stats', { id: vmId })).error, 'vm.stats fails (no stats here, refused there)')
    const token = await main.call('token.create', { description: 'audit capture', expiresIn: '1 hour' })
    assert.equal(typeof token, 'string')
    assert.equal(await main.call('vm.stop', { id: vmId, force: true }), true)

    const s9 = step('last 10 records (newest first)')
    records = await main.call(s9.request.method, s9.request.params)
    assert.deepEqual(
      records.map((r) => r.data.method),
      capturedAll.map((r: any) => r.data.method),
    )
    assert.deepEqual(
      records.map((r) => r.data.method),
      ['vm.stop', 'token.create', 'vm.start', 'vm.set', 'vm.start', 'plugin.configure'],
    )
    records.forEach((r, i) => {
      assert.deepEqual(keyTree(r), keyTree(capturedAll[i]), `keys of record ${i} (${r.data.method})`)
      assert.deepEqual(shapeOf(r), shapeOf(capturedAll[i]))
      assert.deepEqual(r.data.params, onOurVm(capturedAll[i].data.params))
      // written when the call ended (captured: same ms or the next one)
      assert.ok(
        r.time >= r.data.timestamp && r.time - r.data.timestamp <= 5,
        `time ${r.time} vs ${r.data.timestamp} ${i}`,
      )
      assert.equal(r.id, auditRecordId(r))
      assert.equal(r.previousId, records[i + 1]?.id ?? 'nullId')
    })
    // the failing call: the error as its post web-hook has it, same callId
    const rec = records[2]
    assert.equal(rec.data.callId, post.callId)
    assert.deepEqual(rec.data.error, post.error)
    assert.equal(rec.data.duration, post.duration)
    assert.equal(rec.data.timestamp, post.timestamp)
    assert.deepEqual(keysOf(rec.data.error), keysOf(capturedAll[2].data.error))
    assert.deepEqual(keysOf(rec.data.error.call), keysOf(capturedAll[2].data.error.call))
    assert.equal(rec.data.error.code, 'VM_BAD_POWER_STATE')
    assert.equal(rec.data.error.call.method, 'VM.start')
    assert.deepEqual(rec.data.error.call.params.slice(2), [false, false])
    // token.create: the token itself (results are not obfuscated)
    assert.equal(records[1].data.result, token)
    assert.deepEqual(records[1].data.params, { description: 'audit capture', expiresIn: '1 hour' })
    assert.deepEqual(sim.auditRecords(), records)
  })

  it("record ids: the plugin hash reproduces the captured ids (the error record's stack was rewritten)", () => {
    const hashed = capturedAll.filter((r: any) => r.data.error === undefined)
    assert.equal(hashed.length, 5)
    for (const r of hashed) assert.equal(auditRecordId(r), r.id)
    assert.notEqual(auditRecordId({ ...hashed[0], time: hashed[0].time + 1 }), hashed[0].id)
  })

  it('step 10: from a given id (included), every older record; maxRecords ignored', async () => {
    const s10 = step('records from a given id (walks older)')
    const from = await main.call(s10.request.method, { ...s10.request.params, id: records[2].id })
    assert.equal(s10.response.result.length, 4)
    assert.equal(from.length, s10.response.result.length)
    assert.equal(from[0].id, records[2].id)
    assert.deepEqual(from, records.slice(2))
    assert.deepEqual(
      from.map((r: any) => r.data.method),
      s10.response.result.map((r: any) => r.data.method),
    )
    assert.deepEqual(await main.call('audit.getRecords', { id: records[5].id }), [records[5]])
  })

  it('steps 11-12: ndjson: one-shot $getFrom, application/json, maxRecords lines newest first', async () => {
    const s11 = step('ndjson variant')
    const s12 = step('GET of the ndjson $getFrom URL')
    const { $getFrom } = await main.call(s11.request.method, s11.request.params)
    assert.match(s11.response.result.$getFrom, GETFROM)
    assert.match($getFrom, GETFROM)
    assert.equal($getFrom.length, s11.response.result.$getFrom.length)
    const res = await get(sim.url + $getFrom)
    assert.equal(res.status, s12.status)
    assert.equal(res.contentType, s12.contentType)
    assert.ok(res.body.endsWith('\n'))
    const lines = res.body.split('\n').slice(0, -1)
    assert.equal(lines.length, s11.request.params.maxRecords)
    assert.equal(lines.length, s12.lines.length)
    assert.deepEqual(
      lines.map((l) => JSON.parse(l)),
      records.slice(0, 4),
    )
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).data.method),
      s12.lines.map((r: any) => r.data.method),
    )
    assert.equal(lines[0], JSON.stringify(records[0]))
    assert.equal((await get(sim.url + $getFrom)).status, 404)
  })

  it('ndjson: maxRecords null gives all, from an id, default 10,000, unknown id nothing', async () => {
    const all = await main.call('audit.getRecords', { ndjson: true, maxRecords: null })
    const allLines = (await get(sim.url + all.$getFrom)).body.split('\n').slice(0, -1)
    assert.deepEqual(
      allLines.map((l) => JSON.parse(l)),
      records,
    )
    const dflt = await main.call('audit.getRecords', { ndjson: true })
    assert.equal((await get(sim.url + dflt.$getFrom)).body.split('\n').length - 1, records.length)
    const fromId = await main.call('audit.getRecords', { ndjson: true, id: records[3].id, maxRecords: 2 })
    assert.deepEqual(
      (await get(sim.url + fromId.$getFrom)).body
        .split('\n')
        .slice(0, -1)
        .map((l) => JSON.parse(l).id),
      [records[3].id, records[4].id],
    )
    const none = await main.call('audit.getRecords', { ndjson: true, id: '$5$$0000' })
    const empty = await get(sim.url + none.$getFrom)
    assert.equal(empty.status, 200)
    assert.equal(empty.body, '')
  })

  it('an id that is not a stored record yields no records', async () => {
    assert.deepEqual(await main.call('audit.getRecords', { id: 'nullId' }), [])
    assert.deepEqual(await main.call('audit.getRecords', { id: `$5$$${'f'.repeat(64)}`, maxRecords: 5 }), [])
  })

  it('step 13: checkIntegrity counts the chain, stops at oldest, finds altered and missing records', async () => {
    const s13 = step('integrity check')
    assert.equal(await main.call(s13.request.method, s13.request.params), s13.response.result)
    assert.equal(await main.call('audit.checkIntegrity', { newest: records[2].id }), 4)
    assert.equal(await main.call('audit.checkIntegrity', { newest: records[0].id, oldest: records[3].id }), 3)
    const missing = await main.request('audit.checkIntegrity', { newest: `$5$$${'0'.repeat(64)}` })
    assert.deepEqual(missing.error, {
      message: 'missing record',
      code: 22,
      data: { id: `$5$$${'0'.repeat(64)}`, nValid: 0 },
    })
    // a record changed behind the plugin's back no longer matches its id
    const stored = sim.auditRecords()[1] as any
    const duration = stored.data.duration
    stored.data.duration = duration + 1
    try {
      const altered = await main.request('audit.checkIntegrity', {})
      assert.equal(altered.error.code, 23)
      assert.equal(altered.error.message, 'altered record')
      assert.equal(altered.error.data.id, records[1].id)
      assert.equal(altered.error.data.nValid, 1)
    } finally {
      stored.data.duration = duration
    }
    assert.equal(await main.call('audit.checkIntegrity'), 6)
    const fp = await main.call('audit.generateFingerprint', {})
    assert.deepEqual(fp, { fingerprint: `nullId|${records[0].id}`, newest: records[0].id, nValid: 6, oldest: 'nullId' })
  })

  it('read-only methods are not recorded, others are (with anonymous calls as "(unknown user)")', async () => {
    const before = sim.auditRecords().length
    await main.call('plugin.get')
    await main.call('session.getUser')
    await main.call('xo.getAllObjects', { limit: 1 })
    await main.call('audit.getRecords', { maxRecords: 1 })
    await main.call('system.getMethodsInfo')
    assert.equal(sim.auditRecords().length, before)
    const anon = await RpcClient.connect(sim.url)
    try {
      const reply = await anon.request('vm.set', { id: vmId, name_label: 'anonymous' })
      assert.equal(reply.error.code, 2)
    } finally {
      await anon.close()
    }
    const [newest] = sim.auditRecords()
    assert.equal(sim.auditRecords().length, before + 1)
    assert.equal(newest.data.method, 'vm.set')
    assert.deepEqual(keysOf(newest.subject), ['userIp', 'userName'])
    assert.equal(newest.subject.userName, '(unknown user)')
    assert.deepEqual(keysOf(newest.data), ['callId', 'method', 'params', 'timestamp', 'duration', 'error'])
    assert.equal((newest.data.error as any).code, 2)
  })

  it('audit.* methods are admin-only (code 2 for another user)', async () => {
    await main.call('user.create', { email: 'auditor@example.org', password: 'pw', permission: 'none' })
    const user = await RpcClient.connect(sim.url)
    try {
      await user.call('session.signIn', { email: 'auditor@example.org', password: 'pw' })
      for (const method of ['audit.getRecords', 'audit.checkIntegrity', 'audit.clean']) {
        const reply = await user.request(method, {})
        assert.equal(reply.error?.code, 2, method)
        assert.deepEqual(reply.error.data, { permission: 'admin', object: {} })
      }
    } finally {
      await user.close()
    }
    assert.ok(sim.auditRecords().length > 0, 'the refused audit.clean deleted nothing')
  })

  it('plugin.unload: audit.* are unknown methods (-32601) and nothing is recorded; plugin.load brings them back', async () => {
    assert.equal(await main.call('plugin.unload', { id: 'audit' }), true)
    const count = sim.auditRecords().length
    const reply = await main.request('audit.getRecords', { maxRecords: 1 })
    assert.deepEqual(reply.error, {
      code: -32601,
      data: 'audit.getRecords',
      message: 'method not found: audit.getRecords',
    })
    assert.equal((await main.request('audit.checkIntegrity', {})).error.code, -32601)
    assert.ok(!(await main.call('system.listMethods')).includes('audit.getRecords'))
    assert.ok(!('audit.getRecords' in (await main.call('system.getMethodsInfo'))))
    await main.call('vm.set', { id: vmId, name_label: 'while unloaded' })
    assert.equal(sim.auditRecords().length, count)
    const [audit] = await main.call('plugin.get')
    assert.equal(audit.loaded, false)
    assert.equal(await main.call('plugin.load', { id: 'audit' }), true)
    const after = await main.call('audit.getRecords', {})
    assert.equal(after.length, count + 1)
    assert.equal(after[0].data.method, 'plugin.load')
    assert.equal(after[0].previousId, after[1].id)
    assert.ok((await main.call('system.listMethods')).includes('audit.getRecords'))
    // not in the plugin's blocked list: recorded
    assert.equal(sim.auditRecords()[0].data.method, 'system.listMethods')
  })

  it('configure {active: false}: recording stops, records stay; invalid configuration refused', async () => {
    const count = sim.auditRecords().length
    assert.equal(await main.call('plugin.configure', { id: 'audit', configuration: { active: false } }), true)
    await main.call('vm.set', { id: vmId, name_label: 'while inactive' })
    const kept = await main.call('audit.getRecords', {})
    assert.equal(kept.length, count)
    assert.equal(kept[0].data.method, 'system.listMethods')
    const [audit] = await main.call('plugin.get')
    assert.deepEqual(audit.configuration, { active: false })
    const bad = await main.request('plugin.configure', { id: 'audit', configuration: { active: 'yes' } })
    assert.equal(bad.error.code, 10)
    assert.equal(await main.call('plugin.configure', { id: 'audit', configuration: { active: true } }), true)
    const [newest] = sim.auditRecords()
    assert.equal(newest.data.method, 'plugin.configure')
    assert.equal(sim.auditRecords().length, count + 1)
  })

  it('audit.clean deletes every record; a new chain starts at nullId', async () => {
    assert.equal(await main.call('audit.clean'), true)
    assert.deepEqual(await main.call('audit.getRecords', {}), [])
    assert.deepEqual(sim.auditRecords(), [])
    // like the plugin: an empty log has no newest record to start from
    assert.equal((await main.request('audit.checkIntegrity', {})).error.code, 22)
    await main.call('vm.set', { id: vmId, name_label: 'after clean' })
    const [first, ...rest] = await main.call('audit.getRecords', {})
    assert.equal(rest.length, 0)
    assert.equal(first.previousId, 'nullId')
    assert.equal(first.data.method, 'vm.set')
    assert.deepEqual(await main.call('audit.getRecords', { id: records[0].id }), [])
    assert.equal(await main.call('audit.checkIntegrity'), 1)
  })
})

describe('simulator: audit option and large NDJSON downloads', () => {
  let sim: XoSimulator

  before(async () => {
    sim = await XoSimulator.start({ timeScale: 0.02, audit: true })
  })
  after(async () => {
    await sim.stop()
  })

  it('audit: true starts active (configured, no record for it)', async () => {
    const c = await RpcClient.connect(sim.url)
    try {
      await c.call('session.signIn', ADMIN)
      const [audit] = await c.call('plugin.get')
      assert.deepEqual(audit.configuration, { active: true })
      assert.deepEqual(await c.call('audit.getRecords', {}), [])
      await c.call('vm.set', { id: [...sim.objects.values()].find((o) => o.type === 'VM').id, name_label: 'x' })
      const got = await c.call('audit.getRecords', {})
      assert.equal(got.length, 1)
      assert.equal(got[0].previousId, 'nullId')
    } finally {
      await c.close()
    }
    const off = await XoSimulator.start({ timeScale: 0.02 })
    try {
      await off.invoke('vm.set', { id: [...off.objects.values()].find((o) => o.type === 'VM').id, name_label: 'x' })
      assert.equal(off.auditRecords().length, 0)
    } finally {
      await off.stop()
    }
  })

  it('a 20,000-record download streams in order; a reader that goes away does not stop the simulator', async function () {
    this.timeout(60_000)
    const count = 20_000
    for (let i = sim.auditRecords().length; i < count; i++) await sim.invoke('session.signOut', {})
    const recs = sim.auditRecords()
    assert.equal(recs.length, count)
    const { $getFrom } = (await sim.invoke('audit.getRecords', { ndjson: true, maxRecords: null })) as any
    const body = (await get(sim.url + $getFrom)).body
    const lines = body.split('\n')
    assert.equal(lines.length, count + 1)
    assert.equal(JSON.parse(lines[0]).id, recs[0].id)
    assert.equal(JSON.parse(lines[count - 1]).previousId, 'nullId')
    // a reader that takes a little and hangs up
    const partial = (await sim.invoke('audit.getRecords', { ndjson: true, maxRecords: null })) as any
    await new Promise<void>((resolve, reject) => {
      http
        .get(sim.url + partial.$getFrom, (res) => {
          res.once('data', () => {
            res.destroy()
            resolve()
          })
        })
        .once('error', reject)
    })
    assert.equal(await sim.invoke('audit.checkIntegrity', {}), count)
  })
})

describe('simulator: audit log bounded on request', () => {
  it('keeps at most auditMaxRecords, dropping the oldest, and still walks from any record it holds', async () => {
    const sim = await XoSimulator.start({ timeScale: 0.01, audit: true, auditMaxRecords: 10 })
    try {
      const vm = [...sim.objects.values()].find((o) => o.type === 'VM')!.id
      for (let i = 0; i < 25; i++) await sim.invoke('vm.set', { id: vm, name_description: `round ${i}` })
      const records = sim.auditRecords()
      assert.ok(records.length <= 10 && records.length >= 9, `${records.length} records`)
      assert.equal((records[0].data.params as { name_description: string }).name_description, 'round 24')
      const walked = (await sim.invoke('audit.getRecords', { id: records[3].id })) as unknown[]
      assert.equal(walked.length, records.length - 3)
    } finally {
      await sim.stop()
    }
  })
})
