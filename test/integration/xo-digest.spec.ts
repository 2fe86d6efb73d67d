import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { Sink } from '../support/examples'
import { waitFor } from '../support/node-red'
import { StockNodeRed } from '../support/stock-node-red'

/** the first wait of a group: long enough for a kill or a redeploy to land while it is open */
const GROUP_WAIT_S = 6

/**
 * The stock node-red entry point with an xo digest fed by an http in node (each request an xo-events message) and
 * its digests posted to a receiver: an open group survives a SIGKILL and a full redeploy, and is sent once; a
 * configuration that cannot work shows a red status.
 */
describe('xo digest: open groups survive a kill and a redeploy (stock node-red)', function () {
  this.timeout(90_000)
  let sink: Sink
  let red: StockNodeRed | undefined

  beforeEach(async () => {
    sink = await new Sink().start()
  })
  afterEach(async () => {
    await red?.dispose()
    red = undefined
    await sink.stop()
  })

  const flow = (digest: Record<string, unknown> = {}) => [
    { id: 'tab', type: 'tab', label: 'digest' },
    { id: 'in', type: 'http in', z: 'tab', url: '/digest-test', method: 'post', wires: [['answer', 'event']] },
    { id: 'answer', type: 'http response', z: 'tab', statusCode: '200', wires: [] },
    {
      id: 'event',
      type: 'function',
      z: 'tab',
      // An xo-events message: VM started (or stopped) on a pool.
      func: `msg.payload = { event: msg.payload.event || 'started', type: 'VM', id: msg.payload.vm, object: { name_label: msg.payload.vm }, pool: { id: msg.payload.pool } }; return msg`,
      wires: [['digest']],
    },
    { id: 'digest', type: 'xo-digest', z: 'tab', groupWait: GROUP_WAIT_S, ...digest, wires: [['post']] },
    {
      id: 'post',
      type: 'function',
      z: 'tab',
      func: `msg.url = ${JSON.stringify(sink.url)} + '/digest'; msg.method = 'POST'; msg.headers = {}; msg.payload = { topic: msg.topic, summary: msg.summary, digest: msg.payload }; return msg`,
      wires: [['http']],
    },
    { id: 'http', type: 'http request', z: 'tab', method: 'use', ret: 'txt', wires: [[]] },
  ]

  async function inject(vm: string, pool: string, event?: 'stopped'): Promise<void> {
    const response = await red!.request('/digest-test', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vm, pool, event }),
    })
    assert.equal(response.status, 200)
  }

  const digests = () =>
    sink.on('/digest').map((r) => JSON.parse(r.body) as { topic: string; summary: string; digest: DigestSeen })
  type DigestSeen = {
    group: string
    status: string
    severity: string
    title: string
    count: number
    labels: Record<string, string>
    items: Array<{ title: string }>
  }

  /** What the node keeps in its state file (`xo-state/` of the user directory), once written. */
  function kept(): string {
    const dir = path.join(red!.userDir, 'xo-state')
    const files = (() => {
      try {
        return readdirSync(dir).filter((f) => f.startsWith('xo-digest_digest-') && f.endsWith('.json'))
      } catch {
        return []
      }
    })()
    return files.map((f) => readFileSync(path.join(dir, f), 'utf8')).join('')
  }

  it('sends a group open at a SIGKILL once, after the restart', async () => {
    red = await StockNodeRed.start()
    await red.deploy(flow())
    for (const vm of ['web-01', 'web-02', 'web-03']) await inject(vm, 'pool-a')
    await red.waitForStatus('digest', (s) => /1 open · 3 held · 0 sent/.test(s.text ?? ''))
    await waitFor(() => ['web-01', 'web-02', 'web-03'].every((vm) => kept().includes(vm)), {
      what: 'the open group written',
    })
    assert.equal(digests().length, 0, 'not sent before the kill')
    await red.signal('SIGKILL')
    await red.launch()
    await sink.until(1, '/digest', 30_000)
    const [first] = digests()
    assert.equal(first.topic, 'digest')
    assert.equal(first.digest.count, 3)
    assert.deepEqual(first.digest.labels, { kind: 'VM.started', pool: 'pool-a' })
    assert.equal(first.summary, first.digest.title)
    // A second group, opened now, is sent a first wait later: a second send of the first would have come by then.
    await inject('db-01', 'pool-b')
    await waitFor(() => digests().some((d) => d.digest.labels.pool === 'pool-b'), {
      timeoutMs: 30_000,
      what: 'the second group sent',
    })
    assert.equal(digests().filter((d) => d.digest.labels.pool === 'pool-a').length, 1, 'the first group sent once')
    assert.deepEqual(red.crashes, [])
  })

  it('keeps an open group across a full redeploy', async () => {
    red = await StockNodeRed.start()
    await red.deploy(flow())
    for (const vm of ['app-01', 'app-02']) await inject(vm, 'pool-a')
    await red.waitForStatus('digest', (s) => /1 open · 2 held · 0 sent/.test(s.text ?? ''))
    await red.deploy(flow(), 'full')
    // The node deployed again sends the group it found kept: nothing would come of a node started empty.
    await sink.until(1, '/digest', 30_000)
    assert.equal(digests()[0].digest.count, 2)
    assert.deepEqual(
      digests()[0].digest.items.map((i) => /app-0\d/.exec(i.title)?.[0]),
      ['app-01', 'app-02'],
    )
    assert.deepEqual(red.crashes, [])
  })

  it('gives up a problem no recovery came for after Repeat for, and says so in its log', async () => {
    red = await StockNodeRed.start()
    await red.deploy(flow({ groupWait: 0, groupInterval: 1, repeatInterval: 1, repeatFor: 2 }))
    const from = red.log.length
    await inject('web-01', 'pool-a', 'stopped')
    await red.waitForLog(/no recovery seen in 2 s: not repeated again: VM web-01 stopped on pool pool-a/, from)
    const sent = digests().length
    assert.ok(sent >= 1 && digests().every((d) => d.digest.status === 'firing' && d.digest.severity === 'problem'))
    await red.waitForStatus('digest', (s) => /^0 open/.test(s.text ?? ''))
    assert.equal(digests().length, sent, 'not repeated again')
  })

  it('shows a configuration that cannot work in a red status, and fails each message with it', async () => {
    red = await StockNodeRed.start()
    await red.deploy(flow({ groupBy: ['kind', 'vm'] }))
    const status = await red.waitForStatus('digest', (s) => s.fill === 'red')
    assert.match(status.text ?? '', /cannot digest: group by: "vm" is no grouping key/)
    const from = red.log.length
    await inject('web-01', 'pool-a')
    await red.waitForLog(/cannot digest: group by/, from)
    assert.equal(digests().length, 0)
  })
})
