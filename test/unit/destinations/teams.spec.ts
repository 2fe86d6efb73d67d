import assert from 'node:assert/strict'
import { teamsMessage } from '../../../src/destinations/teams'
import { bare, extreme, HOST2, json, step, XO_URL } from '../../support/destination-messages'

describe('destinations: Teams (Workflows, Adaptive Card)', () => {
  it('one Adaptive Card 1.4 in the envelope the Workflows template reads', () => {
    const m = teamsMessage(step('25 post'), { xoUrl: XO_URL }) as any
    assert.equal(m.type, 'message')
    assert.equal(m.attachments.length, 1)
    const { contentType, contentUrl, content } = m.attachments[0]
    assert.deepEqual([contentType, contentUrl], ['application/vnd.microsoft.card.adaptive', null])
    assert.deepEqual([content.type, content.version], ['AdaptiveCard', '1.4'])
    assert.equal(content.body[0].text, 'admin@admin.net emergency-stopped host xcp-host-2 in pool fake-pool')
    assert.deepEqual(content.body[1].facts[0], { title: 'Host', value: 'xcp-host-2' })
    assert.deepEqual(content.actions, [
      { type: 'Action.OpenUrl', title: 'Open in XO', url: `https://xo.lab.example/#/hosts/${HOST2}` },
    ])
  })

  it('shows failures in red', () => {
    const body = (teamsMessage(step('28 post')) as any).attachments[0].content.body
    assert.equal(body[0].color, 'Attention')
    assert.deepEqual([body[1].color, body[1].text.slice(0, 18)], ['Attention', 'VM_BAD_POWER_STATE'])
  })

  it('stays under 28 KB, whatever the size of the event', () => {
    for (const s of [extreme(), bare()]) {
      const m = teamsMessage(s, { xoUrl: XO_URL })
      assert.ok(Buffer.byteLength(json(m)) <= 28 * 1024, `${Buffer.byteLength(json(m))} bytes`)
      assert.doesNotMatch(json(m), /stack\.js/)
    }
  })
})
