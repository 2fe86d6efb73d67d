import assert from 'node:assert/strict'
import type { XoDigest } from '../../../src/destinations/digest-message'
import { isXoEventSummary, summarizeMessage } from '../../../src/destinations/event'
import { slackMessage } from '../../../src/destinations/slack'
import { digestMessage, evacuation, infoDigest, migrated } from '../../support/digest-fixtures'

const XO_URL = 'https://xo.lab.example/'

type Blocks = { text: string; blocks: Array<Record<string, any>> }
type Attachments = { text: string; attachments: Array<Record<string, any>> }

function slackOf(d: XoDigest, opts: Parameters<typeof slackMessage>[1] = {}) {
  const s = summarizeMessage(digestMessage(d))
  assert.ok(isXoEventSummary(s))
  return slackMessage(s, opts)
}

const lineCount = (m: Blocks) =>
  m.blocks
    .filter((b) => b.type === 'section' && b.text?.text.startsWith('• '))
    .flatMap((b) => (b.text.text as string).split('\n'))

describe('destinations: a digest in Slack, Mattermost, Rocket.Chat', () => {
  it('Block Kit: the title, the counts, the list and "and N more", when and what, a link to the host', () => {
    const m = slackOf(evacuation(), { xoUrl: XO_URL }) as Blocks
    const title = 'web-01 and 49 other VMs migrated off host xcp-host-1 on pool sim-pool'
    assert.equal(m.text, title)
    assert.equal(m.blocks.length, 4)
    assert.deepEqual(m.blocks[0], { type: 'header', text: { type: 'plain_text', text: `:x: ${title}`, emoji: true } })
    assert.deepEqual(m.blocks[1], {
      type: 'section',
      text: { type: 'mrkdwn', text: '*50* VM.migrated\n*50* in all, *50* open' },
    })
    const lines = (m.blocks[2].text.text as string).split('\n')
    assert.equal(lines.length, 21)
    assert.equal(lines[0], '• 10:00:00 VM web-01 migrated from xcp-host-1 to xcp-host-2')
    assert.equal(lines[19], '• 10:00:38 VM web-20 migrated from xcp-host-1 to xcp-host-2')
    assert.equal(lines[20], '_and 30 more_')
    assert.deepEqual(m.blocks[3], {
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: '2026-05-01T10:00:00.000Z → 2026-05-01T10:01:38.000Z' },
        { type: 'mrkdwn', text: 'kind=VM.migrated, host=xcp-host-1' },
        { type: 'mrkdwn', text: 'firing, 50 open' },
        { type: 'mrkdwn', text: '<https://xo.lab.example/#/hosts/host1|Open in XO>' },
      ],
    })
  })

  it('resolved and info groups: marked as such, no "open" for things that only happened; problems in the list', () => {
    const resolved = slackOf(evacuation({ status: 'resolved' })) as Blocks
    assert.equal(resolved.blocks[0].text.text, ':white_check_mark: Resolved: 50 VMs migrated off host xcp-host-1')
    assert.equal(resolved.blocks.at(-1)!.elements.at(-1).text, 'resolved')
    const info = infoDigest()
    info.items[1] = { ...info.items[1], ok: false, title: 'vm.start of VM web-02 failed' }
    const m = slackOf(info) as Blocks
    assert.equal(m.blocks[0].text.text, info.title)
    assert.equal(m.blocks[1].text.text, '*3* vm.start · *1* vm.snapshot\n*4* in all')
    assert.deepEqual((m.blocks[2].text.text as string).split('\n'), [
      '• 10:00:00 admin@admin.net started VM web-01',
      '• 10:00:01 :x: vm.start of VM web-02 failed',
      '• 10:00:02 admin@admin.net started VM web-03',
      '• 10:00:03 admin@admin.net snapshotted VM web-01',
    ])
    assert.deepEqual(
      m.blocks.at(-1)!.elements.map((e: { text: string }) => e.text),
      ['2026-05-01T10:00:00.000Z → 2026-05-01T10:00:03.000Z', 'pool=sim-pool', 'firing'],
    )
  })

  it("within Slack's limits whatever the digest: 50 blocks, 3000 per text, header 150, 12k in all; the rest counted", () => {
    const long = `${'<!channel> & '.repeat(400)}end`
    const d = evacuation({ total: 2000, maxItems: 600 })
    d.title = long
    d.items = d.items.map((item, i) => (i % 2 ? { ...item, title: long } : item))
    d.counts = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`VM.kind-${i}-${long.slice(0, 40)}`, i + 1]))
    d.labels = { host: long }
    for (const style of ['blocks', 'attachments'] as const) {
      const m = slackOf(d, { style, xoUrl: XO_URL })
      assert.ok(JSON.stringify(m).length <= 12_000, `${style}: ${JSON.stringify(m).length} characters`)
    }
    assert.doesNotMatch(JSON.stringify(slackOf(d, { style: 'attachments' })), /<!channel>/)
    const m = slackOf(d) as Blocks
    // Slack reads mentions in mrkdwn, not in the header's plain text.
    const mrkdwn = m.blocks.flatMap((b) => [b.text, ...(b.elements ?? [])]).filter((t) => t?.type === 'mrkdwn')
    for (const t of [m.text, ...mrkdwn.map((t) => t.text)]) assert.doesNotMatch(t, /<!channel>/)
    assert.ok(m.blocks.length <= 50)
    assert.ok(m.blocks[0].text.text.length <= 150)
    for (const b of m.blocks) {
      if (b.text) assert.ok(b.text.text.length <= 3000, `${b.type}: ${b.text.text.length}`)
      for (const e of b.elements ?? []) assert.ok(e.text.length <= 3000)
    }
    assert.match(m.blocks[2].text.text, /…\n\*2000\* in all, \*2000\* open$/, 'the kinds cut, not the totals')
    const lines = lineCount(m)
    const shown = lines.filter((l) => l.startsWith('• ')).length
    const more = /^_and (\d+) more_$/.exec(lines.at(-1)!)
    assert.ok(more, lines.at(-1))
    assert.ok(shown > 0)
    assert.equal(shown + Number(more[1]), 2000, 'every message is shown or counted')
  })

  it('a list longer than one section spreads over several, each under 3000', () => {
    const d = evacuation({ total: 40, maxItems: 40 })
    d.items = d.items.map((item) => ({ ...item, title: `${item.title} ${'x'.repeat(180)}` }))
    const m = slackOf(d) as Blocks
    const sections = m.blocks.filter((b) => b.type === 'section' && b.text.text.startsWith('• '))
    assert.ok(sections.length >= 2, `${sections.length} sections`)
    for (const b of sections) assert.ok(b.text.text.length <= 3000)
    assert.equal(lineCount(m).length, 40, 'all 40, nothing more to count')
  })

  it('attachments: the colour of its state, counts as fields, the list as text, no @-mentions', () => {
    const d = evacuation()
    d.items[0] = { ...migrated(0), title: 'VM @all migrated' }
    const m = slackOf(d, { style: 'attachments', xoUrl: XO_URL }) as Attachments
    assert.equal(m.text, ':x: web-01 and 49 other VMs migrated off host xcp-host-1 on pool sim-pool')
    const a = m.attachments[0]
    assert.equal(a.color, '#d40e0d')
    assert.equal(a.title_link, 'https://xo.lab.example/#/hosts/host1')
    assert.deepEqual(a.fields, [
      { title: 'VM.migrated', value: '50', short: true },
      { title: 'Open problems', value: '50', short: true },
    ])
    const lines = (a.text as string).split('\n')
    assert.equal(lines[0], '• 10:00:00 VM @\u200ball migrated')
    assert.equal(lines.length, 21)
    assert.equal(lines[20], '_and 30 more_')
    assert.equal(
      a.footer,
      '2026-05-01T10:00:00.000Z → 2026-05-01T10:01:38.000Z · kind=VM.migrated, host=xcp-host-1 · firing, 50 open',
    )
    const resolved = slackOf(evacuation({ status: 'resolved' }), { style: 'attachments' }) as Attachments
    assert.equal(resolved.attachments[0].color, '#2eb886')
    assert.equal((slackOf(infoDigest(), { style: 'attachments' }) as Attachments).attachments[0].color, '#439fe0')
  })
})
