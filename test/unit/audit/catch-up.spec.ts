import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import {
  CatchUp,
  type CatchUpClaimAnswer,
  type CatchUpOptions,
  type CatchUpSaved,
  type CatchUpStatus,
} from '../../../src/audit/catch-up'
import { readSince } from '../../../src/audit/reader'
import { type AuditRecord, NULL_ID, postDeliveryOf } from '../../../src/audit/records'
import type { HookPost } from '../../../src/hooks/delivery'
import { MemoryStateStore } from '../../../src/state/state-store'
import { XoApiError } from '../../../src/xo/errors'
import type { DownloadOptions } from '../../../src/xo/ndjson'
import { waitFor } from '../../support/node-red'

/** XO's audit plugin as catch-up sees it: plugin.get, audit.getRecords {ndjson} and its one-shot downloads. */
class FakeAudit extends EventEmitter {
  /** newest first, as XO walks them */
  records: AuditRecord[] = []
  plugin: Record<string, unknown> | undefined = { id: 'audit', loaded: true, configuration: { active: true } }
  admin = true
  isConnected = true
  /** lines handed over per download (a download stopped early hands over fewer than it holds) */
  lines: number[] = []
  calls: Array<{ method: string; params: Record<string, unknown> }> = []
  #downloads = new Map<string, unknown[]>()
  #n = 0

  add(method: string, options: { time?: number; event?: string; error?: boolean } = {}): AuditRecord {
    const n = ++this.#n
    const time = options.time ?? Date.now()
    const data: Record<string, unknown> = {
      callId: `call-${n}`,
      method,
      params: { id: `vm-${n}` },
      timestamp: time,
      duration: 3,
    }
    if (options.error) data.error = { message: 'VM state is running but should be halted', code: 13, name: 'XoError' }
    else data.result = method === 'token.create' ? 'the-token' : true
    const record: AuditRecord = {
      data,
      event: options.event ?? 'apiCall',
      previousId: this.records[0]?.id ?? NULL_ID,
      subject: { userId: 'u1', userIp: '10.0.0.5', userName: 'admin@admin.net' },
      time,
      id: `$5$$${n.toString(16).padStart(8, '0')}`,
    }
    this.records.unshift(record)
    return record
  }

  async call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    this.calls.push({ method, params })
    if (method === 'plugin.get') {
      if (!this.admin) throw new XoApiError(method, 2, 'not enough permissions', { permission: 'admin' })
      return [{ id: 'web-hooks', loaded: true }, ...(this.plugin ? [this.plugin] : [])] as T
    }
    if (method === 'audit.getRecords') {
      const from = params.id === undefined ? 0 : this.records.findIndex((r) => r.id === params.id)
      const max = params.maxRecords === null ? Infinity : Number(params.maxRecords ?? 10_000)
      const lines = from === -1 ? [] : this.records.slice(from, from + max)
      const path = `/api/${this.#downloads.size}-${Math.random().toString(36).slice(2)}`
      this.#downloads.set(path, JSON.parse(JSON.stringify(lines)))
      return { $getFrom: path } as T
    }
    throw new Error(`unexpected ${method}`)
  }

  async download(getFrom: string, onItem: (item: unknown) => boolean | void, _options?: DownloadOptions) {
    const lines = this.#downloads.get(getFrom)
    if (!lines) throw new Error(`GET ${getFrom} answered HTTP 404`)
    this.#downloads.delete(getFrom)
    let count = 0
    try {
      for (const line of lines) {
        count++
        if (onItem(line) === false) return { count, stopped: true }
      }
      return { count, stopped: false }
    } finally {
      this.lines.push(count)
    }
  }

  reconnect() {
    this.emit('connected')
  }
}

/** Claims on calls as Redis keeps them for two instances: sent, or held by a claimer. */
class FakeClaims {
  readonly calls = new Map<string, 'sent' | { claimer: string }>()
  readonly released: string[] = []

  claimer(claimer: string): (callId: string) => Promise<CatchUpClaimAnswer<TestClaim>> {
    return async (callId) => {
      const found = this.calls.get(callId)
      if (found === 'sent') return { state: 'sent' }
      if (found && found.claimer !== claimer) return { state: 'held', retryMs: 20 }
      this.calls.set(callId, { claimer })
      return {
        state: 'mine',
        claim: {
          callId,
          claimer,
          release: () => {
            this.released.push(callId)
            this.calls.delete(callId)
          },
        },
      }
    }
  }
}

interface TestClaim {
  callId: string
  claimer: string
  release(): void
}

interface Harness {
  xo: FakeAudit
  catchUp: CatchUp<TestClaim>
  emitted: HookPost[]
  /** the claims the calls went out with */
  claims: Array<{ callId: string; claimer: string }>
  statuses: CatchUpStatus[]
  warnings: string[]
  logs: string[]
  pass(): Promise<void>
}

const store = () => new MemoryStateStore()

function harness(xo: FakeAudit, shared: MemoryStateStore, options: Partial<CatchUpOptions<TestClaim>> = {}): Harness {
  const h = {
    xo,
    emitted: [] as HookPost[],
    claims: [] as Harness['claims'],
    statuses: [] as CatchUpStatus[],
    warnings: [] as string[],
    logs: [] as string[],
  } as Harness
  h.catchUp = new CatchUp<TestClaim>({
    key: 'xo-hook/n1',
    xo: () => 'wss://xo.example.net/api/',
    store: shared,
    source: xo,
    selects: (method) => method.startsWith('vm.') || method === 'token.create',
    maxAgeMs: 24 * 3_600_000,
    maxCalls: 1000,
    periodMs: 3_600_000,
    graceMs: 0,
    emit: async (body, _record, claim) => {
      h.emitted.push(body)
      if (claim) h.claims.push({ callId: claim.callId, claimer: claim.claimer })
    },
    report: (status) => h.statuses.push(status),
    warn: (message) => h.warnings.push(message),
    log: (message) => h.logs.push(message),
    ...options,
  })
  h.pass = async () => {
    h.catchUp.request()
    await h.catchUp.idle()
  }
  return h
}

const methods = (bodies: HookPost[]) => bodies.map((b) => `${b.method} ${b.callId}`)

describe('catch-up from XO audit log', () => {
  const running: CatchUp[] = []
  const start = (h: Harness) => {
    running.push(h.catchUp)
    h.catchUp.start()
    return h.catchUp.idle()
  }
  afterEach(async () => {
    for (const c of running.splice(0)) await c.stop(false)
  })

  it('starts from the newest record the first time: nothing that happened before is replayed', async () => {
    const xo = new FakeAudit()
    xo.add('vm.start')
    const newest = xo.add('vm.stop')
    const h = harness(xo, store())
    await start(h)
    assert.deepEqual(h.emitted, [])
    assert.deepEqual(h.statuses.at(-1), { state: 'caught-up', replayed: 0, cursorTime: newest.time })
    assert.equal(
      xo.calls.filter((c) => c.method === 'audit.getRecords').at(-1)?.params.maxRecords,
      1,
      'only the newest record read',
    )
  })

  it("emits each missed call of the node's methods once, oldest first, shaped like XO's post delivery", async () => {
    const xo = new FakeAudit()
    xo.add('vm.start')
    const shared = store()
    const h = harness(xo, shared)
    await start(h)
    const started = xo.add('vm.start')
    xo.add('user.create')
    xo.add('vm.migrate', { error: true })
    xo.add('signInFailed', { event: 'signInFailed' })
    const newest = xo.add('token.create')
    await h.pass()
    assert.deepEqual(methods(h.emitted), ['vm.start call-2', 'vm.migrate call-4', 'token.create call-6'])
    assert.deepEqual(Object.keys(h.emitted[0]), [
      'callId',
      'userId',
      'userName',
      'userIp',
      'method',
      'params',
      'timestamp',
      'duration',
      'result',
      'type',
    ])
    assert.deepEqual(h.emitted[0], {
      callId: 'call-2',
      userId: 'u1',
      userName: 'admin@admin.net',
      userIp: '10.0.0.5',
      method: 'vm.start',
      params: { id: 'vm-2' },
      timestamp: started.time,
      duration: 3,
      result: true,
      type: 'post',
    })
    assert.equal(h.emitted[1].error?.message, 'VM state is running but should be halted')
    assert.ok(!('result' in h.emitted[1]))
    assert.equal(h.emitted[2].result, 'the-token', 'results as XO delivers them')
    assert.doesNotMatch(JSON.stringify(await shared.read('xo-hook/n1')), /the-token/, 'never saved')
    await h.pass()
    assert.equal(h.emitted.length, 3, 'a second read emits nothing again')
    assert.deepEqual(h.statuses.at(-1), { state: 'caught-up', replayed: 3, cursorTime: newest.time })
    // the second read stopped at the cursor: one record downloaded, the cursor itself
    assert.equal(xo.lines.at(-1), 1)
  })

  it('never emits a call that came live; a live delivery of a call the log gave already is refused', async () => {
    const xo = new FakeAudit()
    const h = harness(xo, store())
    await start(h)
    const live = xo.add('vm.start')
    assert.equal(h.catchUp.claim(String(live.data!.callId)), true)
    const missed = xo.add('vm.stop')
    await h.pass()
    assert.deepEqual(methods(h.emitted), ['vm.stop call-2'])
    assert.equal(h.catchUp.claim(String(missed.data!.callId)), false, 'late live delivery of a replayed call')
  })

  it('across a restart: goes on from where it was, neither losing nor repeating calls (live ones included)', async () => {
    const xo = new FakeAudit()
    const shared = store()
    const first = harness(xo, shared)
    await start(first)
    const live = xo.add('vm.start')
    first.catchUp.claim(String(live.data!.callId))
    await first.catchUp.stop(false)
    // Node-RED is stopped: XO runs calls nobody receives
    xo.add('vm.stop')
    xo.add('vm.start')
    const second = harness(xo, shared)
    await start(second)
    assert.deepEqual(methods(second.emitted), ['vm.stop call-2', 'vm.start call-3'])
    await second.catchUp.stop(false)
    const third = harness(xo, shared)
    await start(third)
    assert.deepEqual(third.emitted, [])
  })

  it('says when XO recorded the call at its cursor, and still knows after a restart with nothing new', async () => {
    const xo = new FakeAudit()
    const shared = store()
    const first = harness(xo, shared)
    await start(first)
    const older = xo.add('vm.start', { time: Date.now() - 60_000 })
    await first.pass()
    const passed = first.statuses.at(-1)
    assert.equal(passed?.state === 'caught-up' && passed.cursorTime, older.time)
    await first.catchUp.stop(false)
    const second = harness(xo, shared)
    await start(second)
    const last = second.statuses.at(-1)
    assert.equal(last?.state === 'caught-up' && last.cursorTime, older.time)
  })

  it('saves its progress call by call: a stop in the middle of a catch-up repeats nothing after the restart', async () => {
    const xo = new FakeAudit()
    const shared = store()
    let release: () => void = () => {}
    const first = harness(xo, shared)
    await start(first)
    for (let i = 0; i < 5; i++) xo.add('vm.start')
    const blocked = harness(xo, shared)
    await first.catchUp.stop(false)
    let count = 0
    blocked.catchUp = new CatchUp({
      key: 'xo-hook/n1',
      xo: () => 'wss://xo.example.net/api/',
      store: shared,
      source: xo,
      selects: () => true,
      maxAgeMs: 3_600_000,
      maxCalls: 1000,
      periodMs: 3_600_000,
      graceMs: 0,
      emit: async (body) => {
        blocked.emitted.push(body)
        if (++count === 3) await new Promise<void>((resolve) => (release = resolve))
      },
      report: () => {},
      warn: () => {},
      log: () => {},
    })
    blocked.catchUp.start()
    await waitFor(() => count === 3)
    const stopping = blocked.catchUp.stop(false)
    release()
    await stopping
    const after = harness(xo, shared)
    await start(after)
    assert.deepEqual(
      [...methods(blocked.emitted), ...methods(after.emitted)],
      ['call-1', 'call-2', 'call-3', 'call-4', 'call-5'].map((c) => `vm.start ${c}`),
    )
  })

  it('leaves a call younger than the grace to its live delivery, then takes it from the log', async () => {
    const xo = new FakeAudit()
    const h = harness(xo, store(), { graceMs: 150 })
    await start(h)
    xo.add('vm.start', { time: Date.now() - 1000 })
    xo.add('vm.stop')
    await h.pass()
    assert.deepEqual(methods(h.emitted), ['vm.start call-1'], 'the older one at once (a later record exists)')
    await waitFor(() => h.emitted.length === 2, { timeoutMs: 3000, what: 'the young call once its grace is over' })
    assert.deepEqual(methods(h.emitted), ['vm.start call-1', 'vm.stop call-2'])
  })

  it("puts its cursor's time just before a call left to its grace, not at the newest record", async () => {
    const xo = new FakeAudit()
    const h = harness(xo, store(), { graceMs: 60_000 })
    await start(h)
    xo.add('vm.start', { time: Date.now() - 120_000 })
    const young = xo.add('vm.stop', { time: Date.now() - 30_000 })
    xo.add('vm.start')
    await h.pass()
    assert.deepEqual(methods(h.emitted), ['vm.start call-1'])
    const last = h.statuses.at(-1)
    assert.equal(last?.state === 'caught-up' && last.cursorTime, young.time)
  })

  it('catches up at most the newest calls asked for, and no older than the age asked for, and says so', async () => {
    const xo = new FakeAudit()
    const h = harness(xo, store(), { maxCalls: 2 })
    await start(h)
    for (let i = 0; i < 5; i++) xo.add('vm.start')
    await h.pass()
    assert.deepEqual(methods(h.emitted), ['vm.start call-4', 'vm.start call-5'])
    assert.match(h.warnings.join('\n'), /more missed calls than the 2 caught up at most/)
    const newest = xo.records[0]
    assert.deepEqual(h.statuses.at(-1), { state: 'caught-up', replayed: 2, cut: 'count', cursorTime: newest.time })

    const aged = harness(xo, store(), { maxAgeMs: 60_000 })
    await start(aged)
    xo.add('vm.start', { time: Date.now() - 120_000 })
    xo.add('vm.stop', { time: Date.now() - 1_000 })
    await aged.pass()
    assert.deepEqual(methods(aged.emitted), ['vm.stop call-7'])
    assert.match(aged.warnings.join('\n'), /older than 0 h were skipped|older than .* were skipped/)
  })

  it("says when XO's log no longer holds its cursor (cleaned), and catches up what the log holds", async () => {
    const xo = new FakeAudit()
    const h = harness(xo, store())
    xo.add('vm.start')
    await start(h)
    xo.records = []
    xo.add('vm.stop')
    await h.pass()
    assert.deepEqual(methods(h.emitted), ['vm.stop call-2'])
    assert.match(h.warnings.join('\n'), /no longer holds the last record/)
  })

  it('reads the log page by page, never the whole log in one download, stopping at the cursor', async () => {
    const xo = new FakeAudit()
    for (let i = 0; i < 10; i++) xo.add(i % 2 ? 'vm.start' : 'host.stop')
    const cursor = xo.records[7].id
    const result = await readSince(xo, cursor, {
      notBefore: 0,
      maxKept: 100,
      pageSize: 3,
      keep: (r) => r.data?.method === 'vm.start',
    })
    assert.deepEqual(
      result.kept.map((r) => r.data?.callId),
      ['call-10', 'call-8', 'call-6', 'call-4'],
    )
    assert.equal(result.stoppedAt, 'since')
    assert.deepEqual(xo.lines, [3, 3, 2], 'pages of 3, the last stopped at the cursor')
    assert.deepEqual(
      xo.calls.map((c) => c.params.id),
      [undefined, xo.records[3].id, xo.records[6].id],
      'each page from the record after the last one read',
    )
    const whole = await readSince(xo, undefined, { notBefore: 0, maxKept: 100, pageSize: 4, keep: () => true })
    assert.equal(whole.kept.length, 10)
    assert.equal(whole.stoppedAt, 'start')
  })

  it('walks on past a line of the log that is not JSON, which still takes its place in the page', async () => {
    const xo = new FakeAudit()
    for (let i = 0; i < 6; i++) xo.add('vm.start')
    const original = xo.download.bind(xo)
    let first = true
    // The first page's second line arrives damaged: XO wrote it, the walk must neither stop nor lose the next page.
    xo.download = async (getFrom, onItem, options) =>
      original(getFrom, (item) => {
        if (first && (item as AuditRecord).data?.callId === 'call-5') {
          first = false
          options?.onBadLine?.(new SyntaxError('Unexpected token'))
          return true
        }
        return onItem(item)
      })
    const bad: string[] = []
    const result = await readSince(xo, undefined, {
      notBefore: 0,
      maxKept: 100,
      pageSize: 3,
      keep: () => true,
      onBadLine: (line) => void bad.push(String(line)),
    })
    assert.deepEqual(
      result.kept.map((r) => r.data?.callId),
      ['call-6', 'call-4', 'call-3', 'call-2', 'call-1'],
    )
    assert.equal(bad.length, 1)
  })

  it('skips what is not a record, with a warning', async () => {
    const xo = new FakeAudit()
    const h = harness(xo, store())
    await start(h)
    xo.add('vm.start')
    const original = xo.download.bind(xo)
    xo.download = async (getFrom, onItem) =>
      original(getFrom, (item) => (onItem('not a record'), onItem({ id: 42 }), onItem(item)))
    await h.pass()
    assert.deepEqual(methods(h.emitted), ['vm.start call-1'])
    assert.match(h.warnings.join('\n'), /not a record/)
  })

  for (const [what, change, reason] of [
    ['the audit plugin is not loaded', (xo: FakeAudit) => (xo.plugin = { id: 'audit', loaded: false }), 'not-loaded'],
    ['the audit plugin is not installed', (xo: FakeAudit) => (xo.plugin = undefined), 'not-loaded'],
    ['the audit plugin is not active', (xo: FakeAudit) => (xo.plugin = { id: 'audit', loaded: true }), 'inactive'],
    ["XO's user is not an admin", (xo: FakeAudit) => (xo.admin = false), 'not-admin'],
  ] as const) {
    it(`says why it cannot catch up when ${what}, and reads nothing`, async () => {
      const xo = new FakeAudit()
      change(xo)
      const h = harness(xo, store())
      await start(h)
      assert.deepEqual(h.statuses.at(-1), { state: 'unavailable', reason })
      assert.equal(xo.calls.filter((c) => c.method === 'audit.getRecords').length, 0)
    })
  }

  it('reads again after every reconnection', async () => {
    const xo = new FakeAudit()
    const h = harness(xo, store())
    await start(h)
    xo.add('vm.start')
    xo.reconnect()
    await waitFor(() => h.emitted.length === 1)
  })

  it('stops a pass as soon as it may no longer emit (a leader whose lease ran out), leaving the rest for the next leader', async () => {
    const xo = new FakeAudit()
    xo.add('vm.start')
    const shared = store()
    const claims = new FakeClaims()
    let leading = true
    const h = harness(xo, shared, { claim: claims.claimer('leader'), mayEmit: () => leading })
    await start(h)
    for (let i = 0; i < 3; i++) xo.add('vm.start')
    const emit = h.emitted.push.bind(h.emitted)
    h.emitted.push = (...bodies: HookPost[]) => {
      leading = false // the lease runs out while the first call goes out
      return emit(...bodies)
    }
    await h.pass()
    assert.deepEqual(methods(h.emitted), ['vm.start call-2'])
    assert.deepEqual(claims.released, ['call-3'], 'the claim taken for the call it no longer emits, given back')
    await h.catchUp.stop(false)
    // The next leader reads the state this one saved: the calls it did not give are still ahead of the cursor.
    const next = harness(xo, shared, { claim: claims.claimer('next') })
    await start(next)
    assert.deepEqual(methods(next.emitted), ['vm.start call-3', 'vm.start call-4'])
  })

  it('emits each call with its claim; skips a call either instance emitted already, moving its cursor past it', async () => {
    const xo = new FakeAudit()
    const shared = store()
    const claims = new FakeClaims()
    const h = harness(xo, shared, { claim: claims.claimer('leader') })
    await start(h)
    xo.add('vm.start')
    xo.add('vm.stop')
    claims.calls.set('call-1', 'sent')
    await h.pass()
    assert.deepEqual(methods(h.emitted), ['vm.stop call-2'])
    assert.deepEqual(h.claims, [{ callId: 'call-2', claimer: 'leader' }])
    assert.equal((await shared.read<CatchUpSaved>('xo-hook/n1'))?.value.cursor, xo.records[0].id)
  })

  it("waits behind a call a live delivery has claimed (keeping XO's order), and gives it once the claim runs out unsent", async () => {
    const xo = new FakeAudit()
    const claims = new FakeClaims()
    const h = harness(xo, store(), { claim: claims.claimer('leader') })
    await start(h)
    xo.add('vm.start')
    xo.add('vm.stop')
    // The live delivery of call-1 is on its way out on the other instance (claimed), or its claimer was paused.
    claims.calls.set('call-1', { claimer: 'paused' })
    await h.pass()
    assert.deepEqual(h.emitted, [], 'given while another claim held it, or call-2 before call-1')
    // The paused claimer never sent it: its claim runs out, and the pass tried again gives both, in XO's order.
    claims.calls.delete('call-1')
    await waitFor(() => h.emitted.length === 2, { what: 'both calls, once the claim ran out' })
    assert.deepEqual(methods(h.emitted), ['vm.start call-1', 'vm.stop call-2'])
  })

  it('never gives a call whose claimer sent it while the pass waited behind it', async () => {
    const xo = new FakeAudit()
    const claims = new FakeClaims()
    const h = harness(xo, store(), { claim: claims.claimer('leader') })
    await start(h)
    xo.add('vm.start')
    xo.add('vm.stop')
    claims.calls.set('call-1', { claimer: 'live' })
    await h.pass()
    claims.calls.set('call-1', 'sent')
    await waitFor(() => h.emitted.length === 1, { what: 'the call after it' })
    assert.deepEqual(methods(h.emitted), ['vm.stop call-2'])
  })

  it('starts from now, quietly, for another XO than the one its state was saved for', async () => {
    const xo = new FakeAudit()
    const shared = store()
    const first = harness(xo, shared)
    await start(first)
    await first.catchUp.stop(false)
    xo.add('vm.start')
    const elsewhere = harness(xo, shared, { xo: () => 'wss://other-xo.example.net/api/' })
    await start(elsewhere)
    assert.deepEqual(elsewhere.emitted, [])
    assert.match(elsewhere.logs.join('\n'), /saved was for wss:\/\/xo\.example\.net/)
  })

  it('forgets its state when its node is deleted', async () => {
    const xo = new FakeAudit()
    const shared = store()
    const h = harness(xo, shared)
    await start(h)
    assert.ok(await shared.read('xo-hook/n1'))
    await h.catchUp.stop(true)
    assert.equal(await shared.read('xo-hook/n1'), undefined)
  })

  it('describes a record as the post delivery of its call, or not at all', () => {
    const xo = new FakeAudit()
    const record = xo.add('vm.start')
    assert.equal(postDeliveryOf({ ...record, event: 'signInFailed' }), undefined)
    assert.equal(postDeliveryOf({ ...record, data: { ...record.data, callId: 7 } }), undefined)
    const anonymous = postDeliveryOf({ ...record, subject: { userIp: '10.0.0.9', userName: '(unknown user)' } })!
    assert.deepEqual(Object.keys(anonymous).slice(0, 3), ['callId', 'userName', 'userIp'])
  })
})
