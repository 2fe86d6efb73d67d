import assert from 'node:assert/strict'
import { HeldDeliveries } from '../../src/hooks/held-deliveries'
import { isSettled, macOwnersOf, summarize } from '../../src/hooks/involved'
import { compileMethods, MethodMatcher } from '../../src/hooks/patterns'
import { compileAllowList, digestsMatch, secretDigest } from '../../src/hooks/receiver'
import { hookSettings, HookSettings } from '../../src/hooks/settings'
import type { XoObject } from '../../src/xo/object-store'
import { capture } from '../support/captures'

describe('method patterns', () => {
  const catalogue = ['vm.start', 'vm.stop', 'vm.migrate', 'host.stop', 'host.restart', 'user.delete', 'vm.delete']
  const matcher = (patterns: string[]) => compileMethods(patterns) as MethodMatcher

  it('matches exact names and globs, expanding them against the catalogue in its order', () => {
    assert.deepEqual(matcher(['vm.*']).expand(catalogue), ['vm.start', 'vm.stop', 'vm.migrate', 'vm.delete'])
    assert.deepEqual(matcher(['*.delete', 'host.stop']).expand(catalogue), ['host.stop', 'user.delete', 'vm.delete'])
    assert.deepEqual(matcher(['vm.st?p']).expand(catalogue), ['vm.stop'])
    assert.equal(matcher(['vm.*']).matches('vmx.start'), false) // the dot is literal
  })

  it('names what matches nothing and refuses what is not a method pattern', () => {
    assert.deepEqual(matcher(['vm.start', 'vm.fly', 'pool.*']).unknown(catalogue), ['vm.fly', 'pool.*'])
    assert.deepEqual(compileMethods([' ', '']), { error: 'no method selected' })
    assert.deepEqual(compileMethods(['vm.start; rm']), { error: 'invalid method pattern: vm.start; rm' })
  })
})

describe('delivery checks', () => {
  it('compares secrets whatever their length', () => {
    assert.equal(digestsMatch('abc', secretDigest('abc')), true)
    assert.equal(digestsMatch('abd', secretDigest('abc')), false)
    assert.equal(digestsMatch('', secretDigest('abc')), false)
    assert.equal(digestsMatch('', secretDigest('')), false)
  })

  it('allows listed addresses and ranges, IPv4 seen through IPv6 sockets too', () => {
    const allow = compileAllowList('127.0.0.1, 10.1.0.0/16 ::1 fd00::/8') as (a: string) => boolean
    assert.equal(allow('127.0.0.1'), true)
    assert.equal(allow('::ffff:127.0.0.1'), true)
    assert.equal(allow('10.1.200.3'), true)
    assert.equal(allow('10.2.0.1'), false)
    assert.equal(allow('::1'), true)
    assert.equal(allow('fd12::5'), true)
    assert.equal(allow('fe80::1'), false)
    assert.equal(compileAllowList('  '), undefined)
    assert.deepEqual(compileAllowList('10.0.0.0/33'), { error: 'invalid address or CIDR: 10.0.0.0/33' })
    assert.deepEqual(compileAllowList('xo.lan'), { error: 'invalid address or CIDR: xo.lan' })
  })
})

describe('object summaries', () => {
  const objects = capture<{ response: { result: Record<string, XoObject> } }>('xo.getAllObjects.fake-xapi.json').response.result
  const lookup = (id: string) => objects[id]

  it('names a VM, its pool and its host from a real object map', () => {
    const running = Object.values(objects).find((o) => o.type === 'VM' && o.power_state === 'Running')
    const vm = running ?? Object.values(objects).find((o) => o.type === 'VM')!
    const summary = summarize(vm, lookup)
    assert.equal(summary.id, vm.id)
    assert.equal(summary.type, 'VM')
    assert.equal(summary.name, vm.name_label)
    assert.equal(summary.powerState, vm.power_state)
    assert.equal(summary.pool?.name, (objects[vm.$pool as string] as XoObject).name_label)
    if (objects[vm.$container as string]?.type === 'host') assert.equal(summary.host?.id, vm.$container)
    assert.ok(Array.isArray(summary.vifs))
  })

  it('describes VIFs with MAC and network name, and waits for a created VM to settle', () => {
    const vm: XoObject = { id: 'vm1', type: 'VM', name_label: 'web', power_state: 'Halted', $pool: 'p', $container: 'p', VIFs: ['vif1'] }
    const table: Record<string, XoObject> = {
      p: { id: 'p', type: 'pool', name_label: 'pool-a' },
      vif1: { id: 'vif1', type: 'VIF', MAC: 'ea:f3:39:8a:74:ca', device: '0', $network: 'net', $VM: 'vm1' },
      net: { id: 'net', type: 'network', name_label: 'DMZ' },
    }
    const get = (id: string) => table[id]
    assert.deepEqual(summarize(vm, get), {
      id: 'vm1',
      type: 'VM',
      name: 'web',
      powerState: 'Halted',
      pool: { id: 'p', name: 'pool-a' },
      vifs: [{ id: 'vif1', mac: 'ea:f3:39:8a:74:ca', device: '0', network: { id: 'net', name: 'DMZ' } }],
    })
    assert.equal(isSettled(vm, get), true)
    assert.equal(isSettled({ ...vm, type: 'VM-template' }, get), false)
    assert.equal(isSettled({ ...vm, VIFs: ['vif1', 'vif2'] }, get), false)
    // the moment between the template's VIF removed and the requested ones added
    assert.equal(isSettled({ ...vm, VIFs: [] }, get, 1), false)
    assert.equal(isSettled(vm, get, 1), true)
  })

  it('says which other VMs carry the MAC of a VIF: VMs only, never the object itself, its snapshots or templates', () => {
    const table: Record<string, XoObject> = {
      original: { id: 'original', type: 'VM', VIFs: ['v1'] },
      restored: { id: 'restored', type: 'VM', VIFs: ['v2'] },
      snap: { id: 'snap', type: 'VM-snapshot', VIFs: ['v3'] },
      other: { id: 'other', type: 'VM', VIFs: ['v4'] },
      v1: { id: 'v1', type: 'VIF', MAC: 'EA:F3:39:8A:74:CA', $VM: 'original' },
      v2: { id: 'v2', type: 'VIF', MAC: 'ea:f3:39:8a:74:ca', $VM: 'restored' },
      v3: { id: 'v3', type: 'VIF', MAC: 'ea:f3:39:8a:74:ca', $VM: 'snap' },
      v4: { id: 'v4', type: 'VIF', MAC: '02:00:00:00:00:01', $VM: 'other' },
    }
    const get = (id: string) => table[id]
    const owners = macOwnersOf(() => Object.values(table), get)
    assert.deepEqual(summarize(table.restored, get, owners).vifs?.[0].sharedWith, ['original'])
    assert.deepEqual(summarize(table.snap, get, owners).vifs?.[0].sharedWith, ['original', 'restored'])
    assert.equal(summarize(table.other, get, owners).vifs?.[0].sharedWith, undefined)
    assert.equal(summarize(table.restored, get).vifs?.[0].sharedWith, undefined, 'only when asked')
  })
})

describe('held deliveries', () => {
  it('releases once, by the flow, by timeout or on close', async () => {
    const held = new HeldDeliveries()
    const answers: string[] = []
    const limit = (limitMs: number) => ({ arrived: Date.now(), limitMs })
    held.hold('a', (how) => answers.push(`a:${how}`), limit(60_000))
    held.hold('b', (how) => answers.push(`b:${how}`), limit(60_000))
    assert.equal(held.release('a'), true)
    assert.equal(held.release('a'), false)
    await new Promise<void>((resolve) => held.hold('c', (how) => (answers.push(`c:${how}`), resolve()), limit(5)))
    held.releaseAll()
    assert.deepEqual(answers, ['a:released', 'c:timeout', 'b:closed'])
    assert.equal(held.size, 0)
  })
})

describe('xo-hook settings', () => {
  it('compiles a configuration with defaults', () => {
    const s = hookSettings({ methods: ['vm.*'] }) as HookSettings
    assert.equal(s.pre && s.post && s.register && s.enrich, true)
    assert.equal(s.gate, false)
    assert.equal(s.gateTimeoutMs, 8000)
    assert.equal(s.maxBytes, 16 * 1024 * 1024)
    assert.equal(s.enrichWaitMs, 5000)
  })

  it('refuses what XO could not honour', () => {
    assert.deepEqual(hookSettings({ methods: [] }), { error: 'no method selected' })
    assert.deepEqual(hookSettings({ methods: ['vm.start'], gateTimeout: 10 }), { error: 'gate timeout must be over 0 and at most 9 s' })
    assert.deepEqual(hookSettings({ methods: ['vm.start'], allowFrom: 'nope' }), { error: 'invalid address or CIDR: nope' })
    assert.equal((hookSettings({ methods: ['vm.start'], phase: 'post', gate: true }) as HookSettings).gate, false)
  })

  it('catches up only post deliveries, within bounds it checks', () => {
    assert.equal((hookSettings({ methods: ['vm.*'] }) as HookSettings).catchUp, undefined, 'off by default')
    assert.deepEqual((hookSettings({ methods: ['vm.*'], catchUp: true }) as HookSettings).catchUp, {
      maxAgeMs: 24 * 3_600_000, maxCalls: 1000, periodMs: 60_000, graceMs: 10_000,
    })
    assert.equal((hookSettings({ methods: ['vm.*'], catchUp: true, phase: 'pre' }) as HookSettings).catchUp, undefined, 'pre deliveries cannot be recovered')
    assert.deepEqual(hookSettings({ methods: ['vm.*'], catchUp: true, catchUpHours: 0 }), { error: 'catch-up age must be a positive number of hours' })
    assert.deepEqual(hookSettings({ methods: ['vm.*'], catchUp: true, catchUpMax: 2.5 }), { error: 'catch-up count must be a whole number of calls, 1 or more' })
    assert.deepEqual(hookSettings({ methods: ['vm.*'], catchUp: true, catchUpEvery: 0.5 }), { error: 'catch-up period must be at least 1 s' })
    assert.equal((hookSettings({ methods: ['vm.*'], catchUp: true, catchUpGrace: '0' }) as HookSettings).catchUp?.graceMs, 0)
  })
})
