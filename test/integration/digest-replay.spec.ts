import assert from 'node:assert/strict'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { XoSimulator } from '../../src/simulator'
import { Sink } from '../support/examples'
import { waitFor } from '../support/node-red'
import { StockNodeRed } from '../support/stock-node-red'

const SLACK_PATH = '/services/T0001/B0001/replay'
/** the first wait of a group: long enough for a kill and a restart to land while it is open */
const GROUP_WAIT_S = 20

/**
 * A call replayed from XO's audit log is not counted twice: xo-hook (catching up) → xo digest → xo slack → Node-RED's
 * core http request → a Slack stand-in, in the stock node-red. Node-RED is killed after the digest wrote its open
 * group but before xo-hook wrote that the calls came live (its state file is put back as it was before them): once
 * restarted, xo-hook replays both calls from the log, as it must rather than lose them, and the digest refuses them.
 */
describe('xo digest: a call replayed from the audit log is counted once (stock node-red, simulated XO)', function () {
  this.timeout(120_000)
  let sim: XoSimulator
  let sink: Sink
  let red: StockNodeRed | undefined

  beforeEach(async () => {
    sim = await XoSimulator.start({
      timeScale: 0.02,
      audit: true,
      users: [{ email: 'admin@admin.net', password: 'admin', permission: 'admin' }],
    })
    sink = await new Sink().start()
  })
  afterEach(async () => {
    const crashes = red?.crashes ?? []
    const log = red?.log ?? ''
    await red?.dispose()
    red = undefined
    await sim.stop()
    await sink.stop()
    assert.deepEqual(crashes, [], log.slice(-3000))
  })

  const flow = (token: string) => [
    { id: 'tab', type: 'tab', label: 'replay' },
    {
      id: 'xo',
      type: 'xo-server',
      url: sim.url,
      authMethod: 'token',
      hookBaseUrl: red!.url,
      credentials: { token },
    },
    {
      id: 'hook',
      type: 'xo-hook',
      z: 'tab',
      server: 'xo',
      methods: ['vm.start'],
      phase: 'post',
      catchUp: true,
      catchUpEvery: 1,
      catchUpGrace: 1,
      wires: [[], ['digest', 'tap']],
    },
    // Every call xo-hook gives, live or replayed, told to the sink: the replay must have reached the digest.
    {
      id: 'tap',
      type: 'function',
      z: 'tab',
      func: `msg.url = ${JSON.stringify(`${sink.url}/seen`)}; msg.method = 'POST'; msg.headers = {};
msg.payload = { callId: msg.payload.callId, replayed: msg.xo.replayed === true }; return msg`,
      wires: [['tapped']],
    },
    { id: 'tapped', type: 'http request', z: 'tab', method: 'use', ret: 'txt', url: '', wires: [[]] },
    { id: 'digest', type: 'xo-digest', z: 'tab', groupWait: GROUP_WAIT_S, wires: [['slack']] },
    {
      id: 'slack',
      type: 'xo-slack',
      z: 'tab',
      style: 'blocks',
      credentials: { url: `${sink.url}${SLACK_PATH}` },
      wires: [['request']],
    },
    { id: 'request', type: 'http request', z: 'tab', method: 'use', ret: 'txt', url: '', wires: [[]] },
  ]

  /** The state file of a node (`xo-state/` of the user directory): its name and text, once written. */
  function stateFile(prefix: string): { file: string; text: string } | undefined {
    const dir = path.join(red!.userDir, 'xo-state')
    let name: string | undefined
    try {
      name = readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.json'))
    } catch {
      return undefined
    }
    return name ? { file: path.join(dir, name), text: readFileSync(path.join(dir, name), 'utf8') } : undefined
  }

  const seen = () => sink.on('/seen').map((r) => JSON.parse(r.body) as { callId: string; replayed: boolean })

  it('a kill loses what xo-hook wrote of two live calls: it replays them, the one Slack post counts two', async () => {
    const token = sim.issueToken('admin@admin.net')
    red = await StockNodeRed.start()
    await red.deploy(flow(token))
    await waitFor(() => JSON.parse(stateFile('xo-hook_hook-')?.text ?? '{}').value?.cursor !== undefined, {
      timeoutMs: 15_000,
      what: 'xo-hook to note where the log is',
    })
    const beforeCalls = stateFile('xo-hook_hook-')!
    const vms = [...sim.objects.values()]
      .filter((o) => o.type === 'VM' && o.power_state === 'Halted')
      .map((o) => o.id as string)
      .slice(0, 2)
    for (const id of vms) await sim.invoke('vm.start', { id })
    await red.waitForStatus('digest', (s) => /1 open · 2 held · 0 sent/.test(s.text ?? ''))
    const callIds = seen().map((s) => s.callId)
    assert.equal(callIds.length, 2)
    await waitFor(() => callIds.every((id) => stateFile('xo-digest_digest-')?.text.includes(id)), {
      what: 'the open group written with both calls',
    })

    await red.signal('SIGKILL')
    writeFileSync(beforeCalls.file, beforeCalls.text)
    await red.launch()

    await sink.until(4, '/seen', 30_000)
    assert.deepEqual(
      seen().map((s) => [s.callId, s.replayed]),
      [...callIds.map((id) => [id, false]), ...callIds.map((id) => [id, true])],
      'both calls replayed from the log after the kill',
    )
    await red.waitForStatus('digest', (s) => /2 repeated/.test(s.text ?? ''))
    await sink.until(1, SLACK_PATH, GROUP_WAIT_S * 1000 + 15_000)
    const [post] = sink.on(SLACK_PATH).map((r) => JSON.parse(r.body) as { blocks: Array<{ text?: { text: string } }> })
    assert.match(post.blocks[1].text!.text, /\*2\* in all/)
    assert.equal(sink.on(SLACK_PATH).length, 1)
  })
})
