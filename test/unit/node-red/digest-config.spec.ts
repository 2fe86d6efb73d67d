import assert from 'node:assert/strict'
import { digestSettings, spanOf } from '../../../src/node-red/digest-config'

const refused = (config: Record<string, unknown>) => {
  const read = digestSettings(config)
  assert.ok('error' in read, `refused: ${JSON.stringify(config)}`)
  return read.error
}
const settings = (config: Record<string, unknown>) => {
  const read = digestSettings(config)
  assert.ok('settings' in read, 'error' in read ? read.error : '')
  return read.settings
}

describe('xo digest: its properties, read once at deploy', () => {
  it('takes the defaults when nothing is set', () => {
    assert.deepEqual(settings({}), {
      groupBy: ['kind', 'pool'],
      groupWaitMs: 10_000,
      groupIntervalMs: 300_000,
      repeatIntervalMs: 14_400_000,
      repeatForMs: 86_400_000,
      resolve: true,
      dedup: true,
      maxItems: 20,
      silences: [],
      inhibit: false,
    })
  })

  it('reads seconds, flags and limits as the editor or a hand-written flow gives them', () => {
    const s = settings({
      groupBy: ['host', 'property:payload.object.name_label', 'host'],
      groupWait: '0',
      groupInterval: 60,
      repeatInterval: '3600',
      repeatFor: '0',
      resolve: 'false',
      dedup: false,
      maxItems: '5',
      inhibit: true,
    })
    assert.deepEqual(s.groupBy, ['host', 'property:payload.object.name_label'])
    assert.equal(s.groupWaitMs, 0)
    assert.equal(s.groupIntervalMs, 60_000)
    assert.equal(s.repeatIntervalMs, 3_600_000)
    assert.equal(s.repeatForMs, 0, 'repeated as long as open')
    assert.equal(settings({ repeatFor: 172_800 }).repeatForMs, 172_800_000)
    assert.deepEqual([s.resolve, s.dedup, s.maxItems, s.inhibit], [false, false, 5, true])
    assert.deepEqual(settings({ groupBy: 'kind, user' }).groupBy, ['kind', 'user'])
  })

  it('reads silences: windows (days sorted, none given meaning every day) and maintenance', () => {
    assert.deepEqual(
      settings({
        silences: [
          { kind: 'window', from: '22:00', to: '06:30', days: ['6', 0] },
          { kind: 'window', from: '12:00', to: '13:00' },
          { kind: 'maintenance' },
        ],
      }).silences,
      [
        { kind: 'window', from: '22:00', to: '06:30', days: [0, 6] },
        { kind: 'window', from: '12:00', to: '13:00' },
        { kind: 'maintenance' },
      ],
    )
  })

  it('refuses what cannot work, naming the property', () => {
    assert.match(refused({ groupBy: ['vm'] }), /group by: "vm" is no grouping key/)
    assert.match(refused({ groupBy: ['property:'] }), /group by: "property:"/)
    assert.match(refused({ groupBy: ['property:a..b'] }), /group by/)
    assert.match(refused({ groupBy: { kind: true } }), /group by: a list/)
    assert.match(refused({ groupWait: -1 }), /group wait: -1/)
    assert.match(refused({ groupInterval: 0 }), /group interval: 0/)
    assert.match(refused({ repeatInterval: 'soon' }), /repeat interval: "soon"/)
    assert.match(refused({ repeatFor: -1 }), /repeat for: -1 is not a number of seconds of at least 0/)
    assert.match(refused({ maxItems: 2.5 }), /list limit: 2.5/)
    assert.match(refused({ maxItems: 0 }), /list limit: 0/)
    assert.match(refused({ silences: 'nights' }), /silences: a list/)
    assert.match(refused({ silences: [{ kind: 'holiday' }] }), /silence 1: a window or maintenance/)
    assert.match(
      refused({ silences: [{ kind: 'maintenance' }, { kind: 'window', from: '24:00', to: '01:00' }] }),
      /silence 2: from "24:00"/,
    )
    assert.match(refused({ silences: [{ kind: 'window', from: '01:00', to: '1:00' }] }), /silence 1: to "1:00"/)
    assert.match(
      refused({ silences: [{ kind: 'window', from: '01:00', to: '02:00', days: [7] }] }),
      /silence 1: days \[7\]/,
    )
    // Every day unticked in the editor: a window that would never hold, not one that always does.
    assert.match(
      refused({ silences: [{ kind: 'window', from: '01:00', to: '02:00', days: [] }] }),
      /silence 1: no day ticked/,
    )
  })

  it('says a span set in seconds as the log reads it: "no recovery seen in 24 h"', () => {
    assert.deepEqual([86_400_000, 172_800_000, 5_400_000, 3_600_000, 60_000, 45_000, 90_000].map(spanOf), [
      '24 h',
      '48 h',
      '90 min',
      '1 h',
      '1 min',
      '45 s',
      '90 s',
    ])
  })
})
