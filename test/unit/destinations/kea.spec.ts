import assert from 'node:assert/strict'
import { hostLabel, keaOutcome, keaReservationCommands, normalizeMac } from '../../../src/destinations/kea'
import {
  NET_DMZ,
  NET_ETH0,
  summary,
  usecaseMessages,
  vmCreated,
  vmMigrated,
  vmRemoved,
} from '../../support/destination-messages'

describe('destinations: Kea DHCP reservations', () => {
  const steps = new Map(
    usecaseMessages().map(({ step, msg }) => [`${step} ${(msg.xo as { phase: string }).phase}`, summary(msg)]),
  )
  const subnets = { [NET_ETH0]: 1, DMZ: 2 }
  const upsert = (mac: string, subnet: number, extra = {}) => [
    {
      command: 'reservation-del',
      arguments: { 'subnet-id': subnet, 'identifier-type': 'hw-address', identifier: mac, ...extra },
    },
    {
      command: 'reservation-add',
      arguments: { reservation: { 'subnet-id': subnet, 'hw-address': mac, hostname: 'nr-vm-d9ibu' }, ...extra },
    },
  ]

  it('a VM created by vm.create: delete then add, per VIF on a mapped network (by id or name)', () => {
    assert.deepEqual(keaReservationCommands(steps.get('1 post')!, { subnets }), [
      ...upsert('92:cd:09:3f:54:f0', 1),
      ...upsert('6a:76:60:4d:c1:ed', 2),
    ])
    assert.deepEqual(
      keaReservationCommands(steps.get('1 post')!, { subnets: { DMZ: 7 }, operationTarget: 'primary' }),
      upsert('6a:76:60:4d:c1:ed', 7, { 'operation-target': 'primary' }),
    )
    assert.deepEqual(keaReservationCommands(steps.get('1 post')!, { subnets: { 'no such network': 1 } }), {
      notSent: 'noMappedVif',
    })
  })

  it("a VM cloned: the clone's own MAC, never the reservations of the VM it was cloned from", () => {
    const clone = steps.get('11 post')!
    assert.equal(clone.kind, 'vm.clone')
    const macs = (
      keaReservationCommands(clone, { subnets }) as Array<{ command: string; arguments: Record<string, unknown> }>
    ).map((c) => c.arguments.identifier ?? (c.arguments.reservation as { 'hw-address': string })['hw-address'])
    assert.deepEqual(macs, ['aa:45:b0:32:f1:3b', 'aa:45:b0:32:f1:3b'])
    assert.deepEqual(keaReservationCommands(steps.get('11 pre')!, { subnets }), { notSent: 'beforeCall' })
  })

  it("a snapshot deleted (vm.delete deletes snapshots too): nothing, though it carries its VM's MAC addresses", () => {
    const pre = steps.get('16 pre')!
    assert.equal(pre.objects.vm.type, 'VM-snapshot')
    assert.ok((pre.objects.vm.vifs as unknown[]).length > 0, 'the snapshot has VIFs with MACs')
    assert.deepEqual(keaReservationCommands(pre, { subnets }), { notSent: 'snapshot' })
    assert.deepEqual(
      keaReservationCommands(steps.get('10 post')!, { subnets }),
      { notSent: 'snapshot' },
      'nor is taking one a VM created',
    )
    const template = { ...pre, objects: { ...pre.objects, vm: { ...pre.objects.vm, type: 'VM-template' } } }
    assert.deepEqual(keaReservationCommands(template, { subnets }), { notSent: 'template' })
  })

  it('VM.created with its VIFs resolved does the same; without MACs there is nothing to do', () => {
    assert.deepEqual(keaReservationCommands(summary(vmCreated()), { subnets }), [
      ...upsert('92:cd:09:3f:54:f0', 1),
      ...upsert('6a:76:60:4d:c1:ed', 2),
    ])
    assert.deepEqual(keaReservationCommands(summary(vmCreated(false)), { subnets }), { notSent: 'noMappedVif' })
  })

  it('a deleted VM: delete its reservations (pre of vm.delete, while XO still knows its VIFs; VM.removed)', () => {
    const del = (mac: string, subnet: number) => ({
      command: 'reservation-del',
      arguments: { 'subnet-id': subnet, 'identifier-type': 'hw-address', identifier: mac },
    })
    const expected = [del('92:cd:09:3f:54:f0', 1), del('6a:76:60:4d:c1:ed', 2)]
    assert.deepEqual(keaReservationCommands(steps.get('17 pre')!, { subnets }), expected)
    // The object stream names a VIF's network by id only: key subnets by network id for xo-events.
    assert.deepEqual(
      keaReservationCommands(summary(vmRemoved()), { subnets: { [NET_ETH0]: 1, [NET_DMZ]: 2 } }),
      expected,
    )
    assert.deepEqual(keaReservationCommands(summary(vmRemoved()), { subnets }), [expected[0]])
    assert.deepEqual(
      keaReservationCommands(steps.get('17 post')!, { subnets }),
      { notSent: 'deletedAlready' },
      'after the call, the VIFs are gone',
    )
  })

  it('nothing for other events, a pre of vm.create, or a failed call', () => {
    const reasons = ['1 pre', '2 post', '9 post', '28 post'].map(
      (key) => (keaReservationCommands(steps.get(key)!, { subnets }) as { notSent: string }).notSent,
    )
    assert.deepEqual(reasons, ['beforeCall', 'noVmChange', 'noVmChange', 'failedCall'])
    assert.deepEqual(keaReservationCommands(summary(vmMigrated()), { subnets }), { notSent: 'noVmChange' })
    const failed = { ...steps.get('1 post')!, ok: false }
    assert.deepEqual(keaReservationCommands(failed, { subnets }), { notSent: 'failedCall' })
  })

  it('a deletion that failed gets its reservations back; one missed while Node-RED was away is said', () => {
    const pre = steps.get('17 pre')!
    const failed = { ...steps.get('17 post')!, ok: false, objects: pre.objects }
    const commands = keaReservationCommands(failed, { subnets }) as Array<{ command: string }>
    assert.deepEqual(
      commands.map((c) => c.command),
      ['reservation-del', 'reservation-add', 'reservation-del', 'reservation-add'],
    )
    assert.deepEqual(keaReservationCommands({ ...steps.get('17 post')!, replayed: true }, { subnets }), {
      notSent: 'deletedWhileAway',
    })
  })

  it('leaves alone a MAC address another VM carries (a restored backup keeps those of the VM backed up)', () => {
    const s = steps.get('1 post')!
    const vifs = (s.created!.vifs as Array<Record<string, unknown>>).map((vif) => ({
      ...vif,
      sharedWith: ['the-original'],
    }))
    assert.deepEqual(keaReservationCommands({ ...s, created: { ...s.created!, vifs } }, { subnets }), {
      notSent: 'sharedMac',
    })
    const one = [{ ...vifs[0] }, { ...vifs[1], sharedWith: undefined }]
    const commands = keaReservationCommands({ ...s, created: { ...s.created!, vifs: one } }, { subnets }) as Array<{
      arguments: Record<string, unknown>
    }>
    assert.deepEqual(
      commands.map((c) => c.arguments.identifier ?? (c.arguments.reservation as Record<string, unknown>)['hw-address']),
      ['6a:76:60:4d:c1:ed', '6a:76:60:4d:c1:ed'],
    )
  })

  it('host names are valid DNS labels', () => {
    assert.equal(hostLabel('Web 01 (prod)'), 'web-01-prod')
    assert.equal(hostLabel('Ünïcode_VM'), 'unicode-vm')
    assert.equal(hostLabel('--db--01--'), 'db-01')
    assert.equal(hostLabel(`${'a'.repeat(62)}-b`), 'a'.repeat(62), 'cut at 63, no trailing hyphen')
    assert.equal(hostLabel('x'.repeat(5000))!.length, 63)
    assert.equal(hostLabel('日本'), undefined)
    assert.equal(hostLabel(''), undefined)
    const s = steps.get('1 post')!
    const odd = { ...s, created: { ...s.created!, name: '日本' } }
    assert.deepEqual(
      (keaReservationCommands(odd, { subnets }) as Array<{ arguments: Record<string, unknown> }>)[1].arguments
        .reservation as object,
      { 'subnet-id': 1, 'hw-address': '92:cd:09:3f:54:f0' },
    )
  })

  it('MAC addresses are normalised, anything else skipped', () => {
    assert.equal(normalizeMac('EA-F3-39-8A-74-CA'), 'ea:f3:39:8a:74:ca')
    assert.equal(normalizeMac('eaf3.398a.74ca'), 'ea:f3:39:8a:74:ca')
    assert.equal(normalizeMac('ea:f3:39:8a:74'), undefined)
    assert.equal(normalizeMac(42), undefined)
  })

  it("reads Kea's answers: result, not HTTP status", () => {
    const cases: Array<[unknown, ReturnType<typeof keaOutcome>]> = [
      [[{ result: 0, text: 'Host added.' }], { ok: true, text: 'Host added.', result: 0 }],
      [
        [{ result: 1, text: 'Host not deleted (not found).' }],
        { ok: true, notFound: true, text: 'Host not deleted (not found).', result: 1 },
      ],
      [
        [{ result: 3, text: '0 IPv4 host(s) found.' }],
        { ok: true, notFound: true, text: '0 IPv4 host(s) found.', result: 3 },
      ],
      [[{ result: 1, text: 'Host already exists.' }], { ok: false, text: 'Host already exists.', result: 1 }],
      [
        [{ result: 2, text: "'reservation-add' command not supported." }],
        { ok: false, text: "'reservation-add' command not supported.", result: 2 },
      ],
      [
        { result: 403, text: 'Forbidden' },
        { ok: false, text: 'Forbidden', result: 403 },
      ],
      ['[{"result":0,"text":"Host deleted."}]', { ok: true, text: 'Host deleted.', result: 0 }],
      [Buffer.from('[{"result":0,"text":"ok"}]'), { ok: true, text: 'ok', result: 0 }],
      [
        [
          { result: 0, text: 'a' },
          { result: 4, text: 'conflict' },
        ],
        { ok: false, text: 'conflict', result: 4 },
      ],
    ]
    for (const [body, expected] of cases) assert.deepEqual(keaOutcome(body), expected, JSON.stringify(body))
    for (const body of ['<html>', [], {}, null, [{ text: 'no result' }]])
      assert.equal(keaOutcome(body).ok, false, JSON.stringify(body))
  })
})
