import assert from 'node:assert/strict'
import { isXoEventSummary, summarizeMessage, summaryLine } from '../../../src/destinations/event'
import { digestMessage, evacuation, infoDigest } from '../../support/digest-fixtures'

describe('destinations: summarising a message of xo digest', () => {
  it('one event for the group: its id, title, last time, where and who, counts and times as facts', () => {
    const d = evacuation()
    const s = summarizeMessage(digestMessage(d))
    assert.ok(isXoEventSummary(s))
    assert.deepEqual(
      { ...s, raw: undefined, digest: undefined },
      {
        source: 'digest',
        id: 'kind=VM.migrated,host=xcp-host-1#1',
        kind: 'digest',
        ok: false,
        user: { id: 'u1', name: 'admin@admin.net' },
        objects: {},
        pool: { id: 'pool1', name: 'sim-pool' },
        host: { id: 'host1', name: 'xcp-host-1' },
        time: '2026-05-01T10:01:38.000Z',
        title: 'web-01 and 49 other VMs migrated off host xcp-host-1 on pool sim-pool',
        facts: [
          { label: 'VM.migrated', value: '50' },
          { label: 'Open problems', value: '50' },
          { label: 'First', value: '2026-05-01T10:00:00.000Z' },
          { label: 'Last', value: '2026-05-01T10:01:38.000Z' },
          { label: 'kind', value: 'VM.migrated' },
          { label: 'host', value: 'xcp-host-1' },
        ],
        raw: undefined,
        digest: undefined,
      },
    )
    assert.equal(s.digest, d, 'the digest itself, for the formats that show the group whole')
    assert.equal(summaryLine(digestMessage(d)), d.title)
  })

  it('ok unless a problem fires: a resolved problem and an info group are ok; counts most first', () => {
    const resolved = summarizeMessage(digestMessage(evacuation({ status: 'resolved' })))
    assert.ok(isXoEventSummary(resolved))
    assert.equal(resolved.ok, true)
    assert.equal(resolved.id, 'kind=VM.migrated,host=xcp-host-1#2')
    const info = summarizeMessage(digestMessage(infoDigest()))
    assert.ok(isXoEventSummary(info))
    assert.equal(info.ok, true)
    assert.equal(info.host, undefined, 'no host when the group has none')
    assert.deepEqual(
      info.facts.map((f) => f.label),
      ['vm.start', 'vm.snapshot', 'First', 'Last', 'pool'],
    )
  })

  it('a payload that only looks like a digest is not one', () => {
    const s = summarizeMessage({ topic: 'digest', payload: { kind: 'digest', group: 'g' } })
    assert.ok(!isXoEventSummary(s))
    assert.match(s.error, /or xo digest$/)
  })
})
