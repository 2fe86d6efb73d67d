import assert from 'node:assert/strict'
import { outboxInput, outboxStatus, sendEntry } from '../../../src/node-red/outbox-input'
import type { Refresh } from '../../../src/outbox/messages'
import type { OutboxEntry, OutboxOutcome, OutboxRequest, Settled } from '../../../src/outbox/outbox'

const t = (key: string, subs?: Record<string, string | number>) => (subs ? `${key} ${JSON.stringify(subs)}` : key)
const entry = (id: string, dead = false): OutboxEntry => ({
  id,
  node: 'n',
  request: { url: 'https://x', method: 'POST' },
  createdAt: 0,
  attempts: 1,
  nextAt: 0,
  ...(dead ? { dead: { reason: 'HTTP 404', at: 1 } } : {}),
})

/** An outbox that records what it is told, with what the test says it holds. */
function fakeOutbox(
  held: { pending: OutboxEntry[]; dead: OutboxEntry[] } = { pending: [], dead: [] },
  settled?: Settled | 'unknown',
) {
  const added: Array<{ id: string; request: OutboxRequest }> = []
  const answers: Array<{ id: string; outcome: OutboxOutcome }> = []
  return {
    added,
    answers,
    held,
    outbox: {
      add: async (_node: string, id: string, request: OutboxRequest) => (added.push({ id, request }), true),
      // What the outbox made of the answer: the test says it, by what it holds (a dead letter, or none at all).
      answered: async (id: string, outcome: OutboxOutcome): Promise<Settled | undefined> => {
        answers.push({ id, outcome })
        if (settled !== undefined) return settled === 'unknown' ? undefined : settled
        if (held.dead.some((e) => e.id === id)) return 'dead'
        return outcome.outcome === 'ok' ? 'delivered' : 'retry'
      },
      list: () => held,
    },
  }
}

function run(fake: ReturnType<typeof fakeOutbox>, msg: Record<string, unknown>) {
  const sent: unknown[] = []
  let shown = 0
  const input = outboxInput({
    outbox: fake.outbox,
    nodeId: 'n',
    send: (outputs) => sent.push(outputs),
    show: () => shown++,
    t,
  })
  return new Promise<{ error?: Error; sent: unknown[]; shown: number }>((resolve) =>
    input(msg, (error) => resolve({ ...(error ? { error } : {}), sent, shown })),
  )
}

describe("xo outbox's input", () => {
  it('keeps a request, sending nothing itself (the outbox sends it once recorded)', async () => {
    const fake = fakeOutbox()
    const done = await run(fake, { url: 'https://hooks.example/x', payload: { text: 'a' }, xoSummary: { id: 'e1' } })
    assert.equal(fake.added.length, 1)
    assert.equal(fake.added[0].request.url, 'https://hooks.example/x')
    assert.deepEqual(done, { sent: [], shown: 1 })
  })

  it('fails a message that is not a request, saying why', async () => {
    const done = await run(fakeOutbox(), { payload: 'x' })
    assert.match(done.error?.message ?? '', /errors\.notARequest .*no msg\.url/)
  })

  it('settles an answer: delivered on output 2; failed for good on output 2 as dead; a retry waits', async () => {
    const back = (outcome: string) => ({
      xoOutbox: { id: 'r1', attempt: 1 },
      xoOutcome: { outcome, reason: 'HTTP 503', attempt: 1, delayMs: 5 },
      statusCode: 503,
    })
    const delivered = await run(fakeOutbox(), back('ok'))
    assert.deepEqual((delivered.sent[0] as unknown[])[0], null)
    assert.equal((delivered.sent[0] as Array<{ xoOutbox: { state: string } }>)[1].xoOutbox.state, 'delivered')
    const retry = fakeOutbox()
    assert.deepEqual((await run(retry, back('retry'))).sent, [])
    assert.deepEqual(retry.answers[0].outcome, { outcome: 'retry', reason: 'HTTP 503', afterMs: 5, statusCode: 503 })
    const failed = await run(fakeOutbox({ pending: [], dead: [entry('r1', true)] }), back('failed'))
    assert.equal((failed.sent[0] as Array<{ xoOutbox: { state: string } }>)[1].xoOutbox.state, 'dead')
    // A retry past the outbox's own limits is dead too.
    const spent = await run(fakeOutbox({ pending: [], dead: [entry('r1', true)] }), back('retry'))
    assert.equal((spent.sent[0] as Array<{ xoOutbox: { state: string } }>)[1].xoOutbox.state, 'dead')
    // The answer to a request settled already (sent again after its answer timeout, both answered): nothing more.
    assert.deepEqual((await run(fakeOutbox(undefined, 'unknown'), back('ok'))).sent, [])
  })

  it('says in its status how many requests wait and how many failed for good', () => {
    assert.deepEqual(outboxStatus({ pending: [], dead: [] }, t), { fill: 'green', shape: 'dot', text: 'status.empty' })
    assert.deepEqual(outboxStatus({ pending: [entry('a')], dead: [] }, t), {
      fill: 'yellow',
      shape: 'dot',
      text: 'status.pending {"pending":1}',
    })
    assert.deepEqual(outboxStatus({ pending: [entry('a')], dead: [entry('b', true)] }, t), {
      fill: 'red',
      shape: 'dot',
      text: 'status.dead {"pending":1,"dead":1}',
    })
    // A request refused (its shared store cannot be reached) says why until the next one is kept.
    assert.deepEqual(outboxStatus({ pending: [entry('a')], dead: [] }, t, new Error('Redis is not reachable')), {
      fill: 'red',
      shape: 'ring',
      text: 'status.refused {"reason":"Redis is not reachable"}',
    })
  })

  it('sends each attempt as the deployed node that made it refreshes it; as kept when that node is gone', () => {
    const sent: Array<[Record<string, unknown> | null, unknown]> = []
    const origins = new Map<string, Refresh>([['maker', (r) => ({ ...r, headers: { fresh: 'yes' } })]])
    const send = sendEntry((outputs) => sent.push(outputs), origins)
    const made = (origin: string): OutboxEntry => ({
      ...entry(origin),
      request: { url: 'https://x', method: 'POST', headers: { fresh: 'no' }, carried: { xoOrigin: origin } },
    })
    send(made('maker'))
    send(made('deleted'))
    assert.deepEqual(
      sent.map(([msg, settled]) => [(msg?.headers as Record<string, string> | undefined)?.fresh, settled]),
      [
        ['yes', null],
        ['no', null],
      ],
    )
  })
})
