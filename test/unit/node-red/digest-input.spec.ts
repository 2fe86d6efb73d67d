import assert from 'node:assert/strict'
import type { Msg } from '../../../src/node-red/define-node'
import type { AddResult } from '../../../src/node-red/digest-keeper'
import { digestInput } from '../../../src/node-red/digest-input'
import { digestStatus, droppedTally } from '../../../src/node-red/digest-status'

const t = (key: string, subs?: Record<string, string | number>) => (subs ? `${key} ${JSON.stringify(subs)}` : key)

describe('xo digest: input and status', () => {
  const run = async (result: AddResult, msg: Msg = { _msgid: 'm' }) => {
    let shown = 0
    const input = digestInput({ add: async () => result, show: () => shown++, t })
    const error = await new Promise<Error | undefined>((resolve) => input(msg, resolve))
    return { error, shown }
  }

  it('is done with a message taken or dropped, and shows the change', async () => {
    assert.deepEqual(await run({ accepted: true, group: 'g' }), { error: undefined, shown: 1 })
    assert.deepEqual(await run({ accepted: false, reason: 'duplicate' }), { error: undefined, shown: 1 })
  })

  it('fails a message that is no XO event, saying what a digest takes', async () => {
    const { error } = await run({ accepted: false, reason: 'not an event' }, { _msgid: 'm', payload: 'hello' })
    assert.match(String(error?.message), /^errors\.notAnEvent .*xo-hook \(msg\.xo\.phase\), xo-events/)
  })

  it('fails with what the keeper failed with', async () => {
    const input = digestInput({ add: async () => Promise.reject(new Error('closed')), show: () => {}, t })
    const error = await new Promise<Error | undefined>((resolve) => input({ _msgid: 'm' }, resolve))
    assert.equal(error?.message, 'closed')
  })

  it('shows open groups, held, sent and what was dropped by reason, said once each in the log', () => {
    const log: string[] = []
    const dropped = droppedTally(t, (line) => log.push(line))
    const figures = { groups: 2, held: 7, sent: 3 }
    assert.deepEqual(digestStatus('alone', { ...figures, groups: 0 }, dropped, t).fill, 'grey')
    dropped.add('duplicate', 'VM web-01 started')
    dropped.add('duplicate', 'VM web-01 started')
    dropped.add('silenced', 'VM db started')
    // A group dropped whole: every message it held counts.
    dropped.add('inhibited', 'VM web-01 stopped, all started again', 3)
    assert.equal(log.length, 3)
    assert.match(log[0], /dropped\.duplicate.*VM web-01 started/)
    assert.deepEqual(digestStatus('leading', figures, dropped, t), {
      fill: 'green',
      shape: 'dot',
      text: 'status.figures {"groups":2,"held":7,"sent":3} · dropped.inhibited {"count":3} · dropped.duplicate {"count":2} · dropped.silenced {"count":1}',
    })
    assert.equal(digestStatus('following', figures, dropped, t).fill, 'grey')
    assert.match(digestStatus('following', figures, dropped, t).text, /^status\.following/)
    assert.deepEqual(digestStatus('loading', figures, dropped, t), {
      fill: 'yellow',
      shape: 'ring',
      text: 'status.loading',
    })
  })
})
