import assert from 'node:assert/strict'
import { githubDispatch, gitlabTrigger } from '../../../src/destinations/ci'
import { cloudEvent, structuredRequest } from '../../../src/destinations/cloudevents'
import { pagerDutyEvent } from '../../../src/destinations/pagerduty'
import { slackMessage } from '../../../src/destinations/slack'
import { teamsMessage } from '../../../src/destinations/teams'
import { json, TOKEN, tokenSummaries } from '../../support/destination-messages'

describe("destinations: token.create's token never leaves", () => {
  it('in no output of any destination', () => {
    const summaries = tokenSummaries()
    assert.equal(summaries.length, 3)
    for (const s of summaries) {
      const outputs = [
        s,
        slackMessage(s),
        slackMessage(s, { style: 'attachments' }),
        teamsMessage(s),
        ...(['alert', 'change', 'auto'] as const).map((mode) => pagerDutyEvent(s, { routingKey: 'k', mode })),
        structuredRequest(cloudEvent(s, { source: 'https://xo' }), 'https://x', {
          secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        }),
        gitlabTrigger(s, { baseUrl: 'https://g', project: 'p', token: 't', ref: 'main' }),
        githubDispatch(s, { owner: 'o', repo: 'r', token: 't' }),
      ]
      for (const output of outputs) assert.doesNotMatch(json(output) ?? '', new RegExp(TOKEN))
    }
  })
})
