import assert from 'node:assert/strict'
import type { XoDigest } from '../../../src/destinations/digest-message'
import { isXoEventSummary, summarizeMessage } from '../../../src/destinations/event'
import { teamsMessage } from '../../../src/destinations/teams'
import { digestMessage, evacuation, infoDigest } from '../../support/digest-fixtures'

type Card = { body: Array<Record<string, any>>; actions?: Array<Record<string, any>>; version: string }

function cardOf(d: XoDigest, xoUrl?: string): { message: Record<string, any>; card: Card } {
  const s = summarizeMessage(digestMessage(d))
  assert.ok(isXoEventSummary(s))
  const message = teamsMessage(s, { xoUrl }) as Record<string, any>
  return { message, card: message.attachments[0].content }
}

describe('destinations: a digest in Teams', () => {
  it('one Adaptive Card 1.4: the title, a FactSet of counts, times, labels and state, the list and "and N more"', () => {
    const { message, card } = cardOf(evacuation(), 'https://xo.lab.example/')
    assert.equal(message.type, 'message')
    assert.equal(message.attachments[0].contentType, 'application/vnd.microsoft.card.adaptive')
    assert.equal(card.version, '1.4')
    assert.deepEqual(card.body[0], {
      type: 'TextBlock',
      text: 'web-01 and 49 other VMs migrated off host xcp-host-1 on pool sim-pool',
      size: 'Medium',
      weight: 'Bolder',
      wrap: true,
      color: 'Attention',
    })
    assert.deepEqual(card.body[1], {
      type: 'FactSet',
      facts: [
        { title: 'VM.migrated', value: '50' },
        { title: 'Open problems', value: '50' },
        { title: 'First', value: '2026-05-01T10:00:00.000Z' },
        { title: 'Last', value: '2026-05-01T10:01:38.000Z' },
        { title: 'kind', value: 'VM.migrated' },
        { title: 'host', value: 'xcp-host-1' },
        { title: 'State', value: 'firing, 50 open' },
      ],
    })
    const list = card.body[2]
    assert.equal(list.type, 'Container')
    assert.equal(list.items.length, 21)
    assert.deepEqual(list.items[0], {
      type: 'TextBlock',
      text: '10:00:00 VM web-01 migrated from xcp-host-1 to xcp-host-2',
      wrap: true,
      spacing: 'None',
    })
    assert.deepEqual(list.items[20], {
      type: 'TextBlock',
      text: 'and 30 more',
      isSubtle: true,
      wrap: true,
      spacing: 'Small',
    })
    assert.deepEqual(card.actions, [
      { type: 'Action.OpenUrl', title: 'Open in XO', url: 'https://xo.lab.example/#/hosts/host1' },
    ])
  })

  it('resolved in green, info uncoloured; a problem in the list in red; no "and N more" when all are listed', () => {
    assert.equal(cardOf(evacuation({ status: 'resolved' })).card.body[0].color, 'Good')
    const info = infoDigest()
    info.items[1] = { ...info.items[1], ok: false }
    const { card } = cardOf(info)
    assert.equal(card.body[0].color, undefined)
    assert.equal(card.body[2].items.length, 4)
    assert.equal(card.body[2].items[1].color, 'Attention')
    assert.equal(card.actions?.[0], undefined)
  })

  it("under Teams' 28 KB whatever the digest, every message shown or counted", () => {
    const long = `${'é'.repeat(3000)}`
    const d = evacuation({ total: 3000, maxItems: 1000 })
    d.title = long
    d.items = d.items.map((item) => ({ ...item, title: long }))
    d.counts = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`kind-${i}-${long}`, 1]))
    const { message, card } = cardOf(d)
    assert.ok(Buffer.byteLength(JSON.stringify(message)) <= 27 * 1024)
    const items = card.body[2].items as Array<{ text: string }>
    const more = /^and (\d+) more$/.exec(items.at(-1)!.text)
    assert.ok(more)
    assert.equal(items.length - 1 + Number(more[1]), 3000)
  })
})
