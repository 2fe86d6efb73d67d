import assert from 'node:assert/strict'
import { slackMessage } from '../../../src/destinations/slack'
import { bare, extreme, json, step, WEB01, XO_URL } from '../../support/destination-messages'

describe('destinations: Slack, Mattermost, Rocket.Chat', () => {
  it('Block Kit with a text fallback', () => {
    const m = slackMessage(step('9 post'), { xoUrl: XO_URL }) as { text: string; blocks: Array<Record<string, any>> }
    assert.equal(m.text, 'admin@admin.net migrated VM web-01 to host xcp-host-2 on pool fake-pool')
    assert.deepEqual(m.blocks[0], { type: 'header', text: { type: 'plain_text', text: m.text, emoji: true } })
    assert.deepEqual(m.blocks[1].fields.slice(0, 2), [
      { type: 'mrkdwn', text: '*VM*\nweb-01' },
      { type: 'mrkdwn', text: '*Target host*\nxcp-host-2' },
    ])
    const context = m.blocks.at(-1)!
    assert.equal(context.type, 'context')
    assert.equal(context.elements[1].text, `<https://xo.lab.example/#/vms/${WEB01.id}|Open in XO>`)
  })

  it('marks failures and pre, and escapes what came from XO', () => {
    const failed = slackMessage(step('28 post')) as { blocks: Array<Record<string, any>> }
    assert.match(failed.blocks[0].text.text, /^:x: vm\.start of VM web-01 failed/)
    assert.match(failed.blocks[1].text.text, /^\*Error:\* VM_BAD_POWER_STATE/)
    assert.ok(
      !failed.blocks[2].fields.some((f: { text: string }) => f.text.startsWith('*Error*')),
      'the error is shown once',
    )
    assert.match((slackMessage(step('9 pre')) as any).blocks[0].text.text, /^:hourglass_flowing_sand: /)
    const s = { ...step('9 post'), title: 'VM <!channel> & co' }
    assert.equal((slackMessage(s) as { text: string }).text, 'VM &lt;!channel&gt; &amp; co')
  })

  it('attachments for Mattermost and Rocket.Chat: colour, fields, and no @-mentions', () => {
    const m = slackMessage(step('28 post'), { style: 'attachments', xoUrl: XO_URL }) as {
      text: string
      attachments: Array<Record<string, any>>
    }
    assert.equal(m.attachments.length, 1)
    const a = m.attachments[0]
    assert.equal(a.color, '#d40e0d')
    assert.equal(a.title_link, `https://xo.lab.example/#/vms/${WEB01.id}`)
    assert.deepEqual(a.fields[0], { title: 'VM', value: 'web-01', short: true })
    assert.match(a.text, /^VM_BAD_POWER_STATE/)
    assert.equal('blocks' in m, false, 'Mattermost does not render blocks')
    assert.equal((slackMessage(step('9 post'), { style: 'attachments' }) as any).attachments[0].color, '#2eb886')
    const s = { ...step('9 post'), title: '@all look: admin@admin.net moved @channel' }
    assert.equal(
      (slackMessage(s, { style: 'attachments' }) as { text: string }).text,
      '@\u200ball look: admin@admin.net moved @\u200bchannel',
    )
  })

  it('respects the Block Kit limits, whatever the size of the event', () => {
    for (const s of [extreme(), bare()]) {
      const m = slackMessage(s, { xoUrl: XO_URL }) as { text: string; blocks: Array<Record<string, any>> }
      assert.ok(m.blocks.length <= 50)
      assert.ok(m.blocks[0].text.text.length <= 150)
      for (const block of m.blocks) {
        if (block.text) assert.ok(block.text.text.length <= 3000)
        if (block.fields) {
          assert.ok(block.fields.length <= 10)
          for (const field of block.fields) assert.ok(field.text.length <= 2000)
        }
      }
      assert.ok(json(m).length < 12_000, `${json(m).length} characters`)
      assert.doesNotMatch(json(m), /stack\.js/)
      const a = slackMessage(s, { style: 'attachments' })
      assert.ok(json(a).length < 16_383, `${json(a).length} characters for Mattermost`)
    }
    const shrunk = (slackMessage(extreme()) as any).blocks.flatMap((b: any) => b.fields ?? [])
    assert.ok(shrunk.length <= 20)
    assert.match(shrunk.at(-1).text, /more facts/)
    const many = {
      ...step('9 post'),
      facts: Array.from({ length: 100 }, (_, i) => ({ label: `F${i}`, value: `v${i}` })),
    }
    const fields = (slackMessage(many) as any).blocks.flatMap((b: any) => b.fields ?? [])
    assert.equal(fields.length, 20, 'two sections of ten')
    assert.equal(fields.at(-1).text, '*More*\n81 more facts')
  })
})
