import assert from 'node:assert/strict'
import type { KeaProgress } from '../../../src/destinations/kea-steps'
import { keaInput } from '../../../src/node-red/kea-input'
import { t } from '../../support/destination-fixtures'
import { NET_ETH0, NEW_VM, vmCreated, vmMigrated } from '../../support/destination-messages'

type Message = Record<string, unknown>

/** xo kea's handler over fakes: the request is the message with the progress, what it shows and tallies recorded. */
function handler(url = 'http://kea/', operationTarget?: 'primary') {
  const counts = { changes: 0, failed: 0 }
  const notSent: Array<[string, string]> = []
  let shown = 0
  const input = keaInput({
    url,
    subnets: { [NET_ETH0]: 1, DMZ: 2 },
    operationTarget,
    counts,
    notSent: { add: (reason, about) => notSent.push([reason, about]) },
    show: () => shown++,
    request: (msg, progress: KeaProgress) => ({
      ...msg,
      xoKea: { ...progress, pending: progress.pending.slice(1), current: progress.pending[0].command },
    }),
    t,
  })
  const run = (msg: Message) => {
    const sent: Array<Array<Message | null>> = []
    const done: Array<Error | undefined> = []
    input(
      msg,
      (out) => sent.push(out),
      (error) => done.push(error),
    )
    return { sent, done }
  }
  return { run, counts, notSent, shown: () => shown }
}

const answer = (xoKea: Message, result = 0): Message => ({ xoKea, statusCode: 200, payload: [{ result, text: 'ok' }] })
/** A sent message's field, the message present or not. */
const field = <T>(msg: Message | null | undefined, name: string) => msg?.[name] as T
const add = { command: 'reservation-add', arguments: {} }

describe('xo kea, its input handler', () => {
  it('sends the first command of a new event on output 1, counting the change', () => {
    const h = handler()
    const { sent, done } = h.run(vmCreated() as Message)
    assert.deepEqual(done, [undefined])
    assert.equal(sent.length, 1)
    const [first, second] = sent[0]
    assert.equal(second, null)
    assert.equal(field<{ current: string }>(first, 'xoKea').current, 'reservation-del')
    assert.equal(field<{ id: string; kind: string }>(first, 'xoSummary').kind, 'VM.created')
    assert.ok(field<{ id: string }>(first, 'xoSummary').id.includes(NEW_VM))
    assert.deepEqual(h.counts, { changes: 1, failed: 0 })
    assert.equal(h.shown(), 1)
  })

  it("sends the commands to the node's operation target when it has one", () => {
    const [withTarget] = handler('http://kea/', 'primary').run(vmCreated() as Message).sent[0]
    const [without] = handler().run(vmCreated() as Message).sent[0]
    const pending = (msg: Message | null) => field<{ pending: Array<{ arguments: Message }> }>(msg, 'xoKea').pending
    assert.equal(pending(withTarget)[0].arguments['operation-target'], 'primary')
    assert.equal('operation-target' in pending(without)[0].arguments, false)
  })

  it('tallies an event with nothing to send, sends nothing, done()', () => {
    const h = handler()
    const { sent, done } = h.run(vmMigrated() as Message)
    assert.deepEqual([sent, done], [[], [undefined]])
    assert.deepEqual(
      h.notSent.map(([reason]) => reason),
      ['noVmChange'],
    )
    assert.deepEqual(h.counts, { changes: 0, failed: 0 })
    assert.equal(h.shown(), 1)
  })

  it('sends the next command on output 1 once the previous one is answered', () => {
    const h = handler()
    const { sent, done } = h.run(answer({ current: 'reservation-del', pending: [add], results: [] }))
    assert.deepEqual(done, [undefined])
    assert.equal(sent[0][1], null)
    assert.equal(field<{ current: string }>(sent[0][0], 'xoKea').current, 'reservation-add')
    assert.equal(h.shown(), 0)
  })

  it('sends the outcome on output 2 once the last command is answered', () => {
    const h = handler()
    const { sent, done } = h.run(answer({ current: 'reservation-add', pending: [], results: [] }))
    assert.deepEqual(done, [undefined])
    assert.equal(sent[0][0], null)
    assert.deepEqual(sent[0][1]?.xoKea, {
      ok: true,
      results: [{ command: 'reservation-add', ok: true, text: 'ok', result: 0 }],
    })
    assert.deepEqual(h.counts, { changes: 0, failed: 0 })
    assert.equal(h.shown(), 1)
  })

  it('counts a change whose last answer failed', () => {
    const h = handler()
    const { sent } = h.run(answer({ current: 'reservation-add', pending: [add], results: [] }, 1))
    assert.equal(field<{ ok: boolean }>(sent[0][1], 'xoKea').ok, false)
    assert.deepEqual(h.counts, { changes: 0, failed: 1 })
  })

  it('fails an event without a URL', () => {
    const { sent, done } = handler('').run(vmCreated() as Message)
    assert.deepEqual([sent, done.map((e) => e?.message)], [[], ['errors.missingUrl']])
  })

  it('fails a message that is not an event', () => {
    const { sent, done } = handler().run({ payload: 'hello' })
    assert.equal(sent.length, 0)
    assert.match(String(done[0]?.message), /^errors\.notAnEvent /)
  })
})
