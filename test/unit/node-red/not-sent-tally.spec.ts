import assert from 'node:assert/strict'
import { NotSentTally } from '../../../src/node-red/not-sent-tally'

describe('what a destination did not send', () => {
  const words = (reason: string, count: number) => `${count} ${reason}`

  it('counts by reason, most frequent first, and logs each reason the first time only', () => {
    const lines: string[] = []
    const tally = new NotSentTally(words, (line) => lines.push(line))
    assert.equal(tally.suffix(), '')
    tally.add('snapshot', 'About to delete snapshot web-01-snap')
    tally.add('rulesetKeyChange', 'VM web-01 migrated')
    tally.add('rulesetKeyChange', 'VM db-01 migrated')
    tally.add('snapshot', 'About to delete snapshot db-01-snap')
    tally.add('rulesetKeyChange', 'VM web-02 migrated')
    assert.equal(tally.suffix(), ' · 3 rulesetKeyChange · 2 snapshot')
    assert.equal(tally.total, 5)
    assert.deepEqual(lines, [
      'not sent (1 snapshot): About to delete snapshot web-01-snap; further ones are counted in the status',
      'not sent (1 rulesetKeyChange): VM web-01 migrated; further ones are counted in the status',
    ])
  })
})
