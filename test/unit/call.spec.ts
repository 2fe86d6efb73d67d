import assert from 'node:assert/strict'
import { CallLimiter, QueueFullError } from '../../src/call/limiter'
import { obfuscate } from '../../src/call/obfuscate'
import { checkParams, MethodSchema, normalizeParams } from '../../src/call/params'
import { objectTypeOf, searchObjects } from '../../src/call/search'
import { callSettings } from '../../src/call/settings'
import { transferOf } from '../../src/call/transfer'
import type { XoObject } from '../../src/xo/object-store'
import { capture } from '../support/captures'

const catalogue = capture<{ result: Record<string, MethodSchema> }>('system.getMethodsInfo.response.json').result
const check = (method: string, params: Record<string, unknown>) => checkParams(method, catalogue[method], normalizeParams(method, catalogue[method], params))

describe('parameter checks against the real catalogue', () => {
  it('accepts good parameters', () => {
    assert.equal(check('vm.start', { id: 'x' }), undefined)
    assert.equal(check('vm.migrate', { vm: 'x', targetHost: 'h' }), undefined)
    assert.equal(check('vm.create', { name_label: 'a', template: 't', VIFs: [{ network: 'n' }], CPUs: 2 }), undefined, "vm.create takes any other key ('*')")
    assert.equal(check('vm.set', { id: 'x', memory: '2 GiB' }), undefined)
    assert.equal(check('vm.set', { id: 'x', name_description: '' }), undefined, 'minLength 0 allows an empty string')
  })

  it('names a missing, unknown, empty or wrongly typed parameter', () => {
    assert.equal(check('vm.start', {}), 'vm.start: missing parameter "id" (string)')
    assert.equal(check('vm.migrate', { vm: 'x' }), 'vm.migrate: missing parameter "targetHost" (string)')
    assert.equal(check('host.stop', { id: 'h', force: true }), 'host.stop: unknown parameter "force" (it takes bypassBackupCheck, id, bypassEvacuate)')
    assert.equal(check('vm.start', { id: '' }), 'vm.start: parameter "id" must not be empty')
    assert.equal(check('vm.start', { id: 42 }), 'vm.start: parameter "id" must be string, not number')
    assert.equal(check('vm.export', { vm: 'x', format: 'qcow' }), 'vm.export: parameter "format" must be one of "xva", "ova"')
    assert.equal(check('vm.create', { name_label: 'a', template: 't', acls: [{ subject: 1, action: 'x' }] }), 'vm.create: parameter "acls[0].subject" must be string, not number')
  })

  it('does what xo-server does first: <namespace> as id, and optional keys ending in ?', () => {
    assert.deepEqual(normalizeParams('vm.start', catalogue['vm.start'], { vm: 'x' }), { id: 'x' })
    assert.deepEqual(normalizeParams('vm.start', catalogue['vm.start'], { id: 'x', 'force?': true, 'nope?': 1 }), { id: 'x', force: true })
    assert.deepEqual(normalizeParams('vm.migrate', catalogue['vm.migrate'], { vm: 'x' }), { vm: 'x' }, 'vm.migrate takes vm itself')
  })
})

describe('call limiter', () => {
  it('runs at most N at once, queues the rest in order, and refuses beyond the queue', async () => {
    const limiter = new CallLimiter(2, 1)
    const gates: Array<() => void> = []
    const started: number[] = []
    const task = (i: number) => () => new Promise<number>((resolve) => (started.push(i), gates.push(() => resolve(i))))
    const results = [limiter.run(task(1)), limiter.run(task(2)), limiter.run(task(3))]
    await assert.rejects(limiter.run(task(4)), QueueFullError)
    assert.deepEqual(started, [1, 2])
    assert.equal(limiter.queued, 1)
    gates[0]()
    await results[0]
    await new Promise((r) => setImmediate(r))
    assert.deepEqual(started, [1, 2, 3])
    gates[1]()
    gates[2]()
    assert.deepEqual(await Promise.all(results), [1, 2, 3])
  })

  it('refuses what waits when cleared', async () => {
    const limiter = new CallLimiter(1, 5)
    const first = limiter.run(() => new Promise<void>(() => {}))
    const second = limiter.run(async () => 2)
    limiter.clear(new Error('closing'))
    await assert.rejects(second, /closing/)
    void first
  })
})

describe('call pieces', () => {
  it('makes transfer URLs absolute', () => {
    assert.deepEqual(transferOf({ $getFrom: '/api/abc' }, 'https://xo.example.net'), { url: 'https://xo.example.net/api/abc', method: 'GET' })
    assert.deepEqual(transferOf({ $sendTo: '/api/up' }, 'https://proxy/xo'), { url: 'https://proxy/xo/api/up', method: 'POST' })
    assert.equal(transferOf(true, 'x'), undefined)
  })

  it('hides secrets in what it shows', () => {
    assert.deepEqual(obfuscate({ email: 'a', password: 'p', nested: [{ token: 't', newPassword: 'n' }] }), {
      email: 'a',
      password: '* obfuscated *',
      nested: [{ token: '* obfuscated *', newPassword: '* obfuscated *' }],
    })
  })

  it('finds objects by name for the pickers', () => {
    const objects: XoObject[] = [
      { id: 'p', type: 'pool', name_label: 'prod' },
      { id: 'v2', type: 'VM', name_label: 'web-02', $pool: 'p', power_state: 'Halted' },
      { id: 'v1', type: 'VM', name_label: 'web-01', $pool: 'p', power_state: 'Running' },
      { id: 'v3', type: 'VM', name_label: 'db-01', $pool: 'p' },
    ]
    const lookup = (id: string) => objects.find((o) => o.id === id)
    assert.deepEqual(searchObjects(objects, 'VM', 'WEB', 10, lookup), [
      { id: 'v1', name: 'web-01', type: 'VM', pool: 'prod', powerState: 'Running' },
      { id: 'v2', name: 'web-02', type: 'VM', pool: 'prod', powerState: 'Halted' },
    ])
    assert.equal(searchObjects(objects, 'VM', '', 1, lookup).length, 1)
    assert.equal(objectTypeOf('vm.migrate', 'targetHost'), 'host')
    assert.equal(objectTypeOf('vm.start', 'id'), 'VM')
    assert.equal(objectTypeOf('vm.create', 'template'), 'VM-template')
  })

  it('compiles settings with defaults and says what is wrong', () => {
    const s = callSettings({ params: [{ name: 'id', type: 'msg', value: 'payload.id' }, { name: '' }] })
    assert.ok(!('error' in s))
    assert.deepEqual(s.params, [{ name: 'id', type: 'msg', value: 'payload.id' }])
    assert.equal(s.timeoutMs, 60_000)
    assert.equal(s.concurrency, 4)
    assert.equal(s.whenDown, 'wait')
    assert.deepEqual(callSettings({ method: 'vm start' }), { error: 'invalid method name: vm start' })
    assert.deepEqual(callSettings({ params: [{ name: 'a' }, { name: 'a' }] }), { error: 'parameter a is set twice' })
    assert.deepEqual(callSettings({ concurrency: 0 }), { error: 'concurrency must be a whole number from 1' })
  })
})
