import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { HookPost } from '../../src/hooks/delivery'
import { XoSimulator } from '../../src/simulator'
import { Sink } from '../support/examples'
import { certificateFromTestCa, waitFor, waitForEvent } from '../support/node-red'
import { StockNodeRed } from '../support/stock-node-red'
import { freePort } from '../support/ports'

type FlowNode = Record<string, unknown> & { id: string; type: string }

const SECRET = 'listener-test-secret-0123456789'

interface Answer {
  status: number
  body: string
  headers: http.IncomingHttpHeaders
}

/** One request as XO (or anyone on its network) would send it, over a socket of its own. */
function send(
  url: string,
  options: { method?: string; body?: string | Buffer; type?: string; ca?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url)
    const client = target.protocol === 'https:' ? https : http
    let answer: Answer | undefined
    let failure: Error | undefined
    const request = client.request(
      target,
      {
        method: options.method ?? 'POST',
        headers:
          options.body !== undefined
            ? { 'content-type': options.type ?? 'application/json', 'content-length': Buffer.byteLength(options.body) }
            : {},
        agent: false,
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (response) => {
        let body = ''
        response.on('error', (error) => (failure ??= error))
        response
          .setEncoding('utf8')
          .on('data', (chunk: string) => (body += chunk))
          .on('end', () => (answer = { status: response.statusCode ?? 0, body, headers: response.headers }))
      },
    )
    // Settled once the connection is over: an answer followed by a reset (the body cut off) is a failure too.
    request.on('error', (error) => (failure ??= error))
    request.on('close', () => (answer && !failure ? resolve(answer) : reject(failure ?? new Error('no answer'))))
    request.end(options.body)
  })
}

/**
 * POSTs `body` by hand on a socket of its own, chunked (Transfer-Encoding: chunked, no Content-Length, 64 KiB a
 * chunk), as a client that does not know the size up front sends it. Resolves with the status once the server has
 * answered and closed the connection; rejects when the connection is reset or closed without a whole answer.
 */
function sendChunked(url: string, body: string): Promise<number> {
  const target = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(target.port), target.hostname)
    let received = Buffer.alloc(0)
    let failure: Error | undefined
    // A whole answer: its head, and as many bytes after it as it announced.
    const answer = () => {
      const end = received.indexOf('\r\n\r\n')
      if (end < 0) return undefined
      const head = received.subarray(0, end).toString('latin1')
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0)
      return received.length - end - 4 >= length ? Number(head.split(' ')[1]) : undefined
    }
    socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])))
    socket.on('error', (error) => (failure ??= error))
    // The server closes after its answer (Connection: close); this side closes only then, never half-way through.
    socket.on('end', () => socket.end())
    socket.on('close', () => {
      const status = answer()
      if (status !== undefined && !failure) resolve(status)
      else
        reject(
          failure ??
            new Error(`closed without a whole answer: ${JSON.stringify(received.toString('latin1').slice(0, 60))}`),
        )
    })
    socket.on('connect', () => {
      socket.write(
        `POST ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
      )
      const data = Buffer.from(body)
      for (let at = 0; at < data.length; at += 65536) {
        const chunk = data.subarray(at, at + 65536)
        socket.write(`${chunk.length.toString(16)}\r\n`)
        socket.write(chunk)
        socket.write('\r\n')
      }
      socket.write('0\r\n\r\n')
    })
  })
}

let calls = 0
/** A post delivery of vm.start as XO's web-hooks plugin sends it; `padding` characters make it that much larger. */
function post(vm: string, method = 'vm.start', padding = 0): string {
  calls++
  return JSON.stringify({
    callId: `listener-${calls}`,
    userId: 'u1',
    userName: 'admin@admin.net',
    userIp: '10.0.0.5',
    method,
    params: padding ? { id: vm, padding: 'x'.repeat(padding) } : { id: vm },
    timestamp: Date.now(),
    duration: 12,
    result: true,
    type: 'post',
  })
}
const callIdOf = (body: string) => (JSON.parse(body) as HookPost).callId

describe('a listener of its own for XO deliveries (stock node-red)', function () {
  this.timeout(120_000)
  let sim: XoSimulator
  let red: StockNodeRed
  let sink: Sink
  let token: string
  let vm: string

  const server = (id: string, listener: Record<string, unknown>, extra: Record<string, unknown> = {}): FlowNode => ({
    // Not the id itself: Node-RED would take a name equal to a config node's id for a dependency on it.
    id,
    type: 'xo-server',
    name: `${id} (listener)`,
    url: sim.url,
    authMethod: 'token',
    receiveOn: 'listener',
    listenHost: '127.0.0.1',
    ...listener,
    ...extra,
    credentials: { token, ...(extra.credentials as object) },
  })
  const hook = (id: string, serverId: string, extra: Record<string, unknown> = {}): FlowNode => ({
    id,
    type: 'xo-hook',
    z: 'tab',
    server: serverId,
    methods: ['vm.start', 'vm.stop'],
    phase: 'both',
    enrich: false,
    ...extra,
    credentials: { secret: SECRET },
    wires: [['shape'], ['shape']],
  })
  // Every message out of the hooks goes to the sink, one line each.
  const tail = (): FlowNode[] => [
    { id: 'tab', type: 'tab', label: 'listener' },
    {
      id: 'shape',
      type: 'function',
      z: 'tab',
      wires: [['out']],
      func: `msg.url = ${JSON.stringify(`${sink.url}/seen`)}; msg.method = "POST"; msg.payload = { callId: msg.payload.callId, phase: msg.xo.phase }; return msg`,
    },
    { id: 'out', type: 'http request', z: 'tab', method: 'use', ret: 'txt', url: '', wires: [[]] },
  ]
  const flow = (...nodes: FlowNode[]) => [...tail(), ...nodes]

  const hookUrl = (port: number, node = 'hook', scheme = 'http') =>
    `${scheme}://127.0.0.1:${port}/xo-hook/${node}/${SECRET}`
  const seen = () => sink.on('/seen').map((r) => JSON.parse(r.body) as { callId: string; phase: string })
  /** which of these calls reached the end of the flow (a flow may still be sending what an earlier test sent) */
  const seenOf = (callIds: string[]) =>
    seen()
      .map((s) => s.callId)
      .filter((id) => callIds.includes(id))

  async function entries(): Promise<Array<{ url: string; method: string }>> {
    const plugins = (await sim.invoke('plugin.get', {})) as Array<{
      id: string
      configuration?: { hooks?: Array<{ url: string; method: string }> }
    }>
    return plugins.find((p) => p.id === 'web-hooks')?.configuration?.hooks ?? []
  }

  before(async () => {
    sim = await XoSimulator.start({ timeScale: 0.02 })
    token = sim.issueToken('admin@admin.net')
    vm = [...sim.objects.values()].find((o) => o.type === 'VM' && o.power_state === 'Halted')!.id as string
    sink = await new Sink().start()
    // xo-hook traces each delivery it emits: what the listener guarantees, apart from what the flow does next.
    red = await StockNodeRed.start({ logging: { console: { level: 'trace', metrics: false, audit: false } } })
  })
  after(async () => {
    const crashes = red.crashes
    await red.dispose()
    await sim.stop()
    await sink.stop()
    assert.deepEqual(crashes, [])
  })
  beforeEach(() => {
    sink.received.length = 0
  })

  it("takes XO's deliveries on its own port, registered in XO with its URL, and not through Node-RED's", async () => {
    const port = await freePort()
    await red.deploy(flow(server('xo', { listenPort: port }), hook('hook', 'xo')))
    await red.waitForStatus('hook', (s) => s.fill === 'green')
    await waitFor(
      async () => (await entries()).some((e) => e.url.startsWith(`http://127.0.0.1:${port}/xo-hook/hook/`)),
      { what: "XO's entries on the listener" },
    )
    await sim.invoke('vm.start', { id: vm })
    await sink.until(2, '/seen')
    assert.deepEqual(
      seen().map((s) => s.phase),
      ['pre', 'post'],
    )
    // The same node through Node-RED's endpoint: not there.
    assert.equal((await send(`${red.url}/xo-hook/hook/${SECRET}`, { body: post(vm) })).status, 404)
    // Nothing else on the listener: no editor, no admin API.
    assert.equal((await send(`http://127.0.0.1:${port}/`, { method: 'GET' })).status, 404)
    assert.equal((await send(`http://127.0.0.1:${port}/flows`, { method: 'GET' })).status, 404)
    await sim.invoke('vm.stop', { id: vm, force: true })
    await sink.until(4, '/seen')
  })

  it('answers as the Node-RED path does: 204 at once, and 401/403/405/415/400/413/404 for what is not a delivery', async () => {
    const port = await freePort()
    await red.deploy(flow(server('xo', { listenPort: port }), hook('hook', 'xo', { maxBody: 0.01 })))
    await red.waitForStatus('hook', (s) => s.fill === 'green')
    const url = hookUrl(port)
    assert.equal((await send(url, { body: post(vm) })).status, 204)
    const cases: Array<[string, Promise<Answer>, number]> = [
      ['wrong secret', send(`http://127.0.0.1:${port}/xo-hook/hook/nope`, { body: post(vm) }), 401],
      ['no secret', send(`http://127.0.0.1:${port}/xo-hook/hook`, { body: post(vm) }), 401],
      ['GET', send(url, { method: 'GET' }), 405],
      ['text/plain', send(url, { body: post(vm), type: 'text/plain' }), 415],
      ['not JSON', send(url, { body: '{"callId": ' }), 400],
      ['not a hook', send(url, { body: '{"hello": "world"}' }), 400],
      ['office365 card', send(url, { body: '{"@type": "MessageCard"}' }), 400],
      ['over the size limit', send(url, { body: JSON.stringify({ big: 'x'.repeat(20_000) }) }), 413],
      // Still being sent when the answer is ready: the sender gets the status, not a reset connection.
      ['far over the size limit', send(url, { body: JSON.stringify({ big: 'x'.repeat(8 << 20) }) }), 413],
      [
        'a large body to a wrong secret',
        send(`http://127.0.0.1:${port}/xo-hook/hook/nope`, { body: JSON.stringify({ big: 'x'.repeat(8 << 20) }) }),
        401,
      ],
      [
        'a large body to an unknown node',
        send(hookUrl(port, 'nobody'), { body: JSON.stringify({ big: 'x'.repeat(8 << 20) }) }),
        404,
      ],
      ['unknown node', send(hookUrl(port, 'nobody'), { body: post(vm) }), 404],
      ['a path that does not decode', send(`http://127.0.0.1:${port}/xo-hook/%E0%A4%A/x`, { body: post(vm) }), 400],
      ['a binary body', send(url, { body: Buffer.from([0xff, 0xfe, 0x00, 0x01]) }), 400],
    ]
    const answers = await Promise.all(
      cases.map(([what, answer]) =>
        answer.then(
          (a) => a.status,
          (error: Error) => `${what}: ${error.message}`,
        ),
      ),
    )
    assert.deepEqual(
      answers,
      cases.map(([, , status]) => status),
    )
    assert.equal((await send(url, { method: 'GET' })).headers.allow, 'POST')
    // Bytes that are not HTTP, and headers far too large: the socket is answered and closed, nothing else.
    const raw = async (bytes: string) => {
      const socket = net.connect(port, '127.0.0.1')
      let answer = ''
      socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk))
      // A reset after the answer is the server's right on a request it refuses to parse: only the answer counts.
      const closed = new Promise((resolve) => socket.once('close', resolve))
      socket.on('error', () => {})
      socket.end(bytes)
      await closed
      return answer.split('\r\n')[0]
    }
    assert.equal(await raw('\x16\x03\x01 not http at all\r\n\r\n'), 'HTTP/1.1 400 Bad Request')
    assert.match(
      await raw(`POST /xo-hook/hook/${SECRET} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      /^HTTP\/1\.1 431/,
    )
    // Node-RED is alive and still takes deliveries.
    assert.equal((await send(url, { body: post(vm) })).status, 204)
    await sink.until(2, '/seen')
    assert.ok(red.alive)
  })

  it('serves HTTPS with a certificate from a test CA, pasted or from files; a client without the CA is refused', async () => {
    const pair = certificateFromTestCa()
    const port = await freePort()
    await red.deploy(
      flow(
        server(
          'xo',
          { listenPort: port, listenTls: true },
          { credentials: { listenCert: pair.cert, listenKey: pair.key } },
        ),
        hook('hook', 'xo'),
      ),
    )
    await red.waitForStatus('hook', (s) => s.fill === 'green')
    await waitFor(
      () =>
        send(hookUrl(port, 'hook', 'https'), { body: post(vm), ca: pair.ca }).then(
          (a) => a.status === 204,
          () => false,
        ),
      { what: 'the HTTPS listener' },
    )
    await assert.rejects(
      send(hookUrl(port, 'hook', 'https'), { body: post(vm) }),
      /self-signed|unable to verify|certificate/,
    )
    assert.equal(process.env.NODE_TLS_REJECT_UNAUTHORIZED, undefined)
    await waitFor(
      async () => (await entries()).some((e) => e.url.startsWith(`https://127.0.0.1:${port}/xo-hook/hook/`)),
      { what: 'https entries in XO' },
    )

    const dir = mkdtempSync(path.join(tmpdir(), 'xo-listener-tls-'))
    try {
      writeFileSync(path.join(dir, 'cert.pem'), pair.cert)
      writeFileSync(path.join(dir, 'key.pem'), pair.key, { mode: 0o600 })
      const filePort = await freePort()
      await red.deploy(
        flow(
          server('xo', {
            listenPort: filePort,
            listenTls: true,
            listenCertFile: path.join(dir, 'cert.pem'),
            listenKeyFile: path.join(dir, 'key.pem'),
          }),
          hook('hook', 'xo'),
        ),
      )
      await waitFor(
        () =>
          send(hookUrl(filePort, 'hook', 'https'), { body: post(vm), ca: pair.ca }).then(
            (a) => a.status === 204,
            () => false,
          ),
        { what: 'the HTTPS listener from files' },
      )
      // A missing file is a clear misconfiguration, not a crash.
      await red.deploy(
        flow(
          server('xo', {
            listenPort: filePort,
            listenTls: true,
            listenCertFile: path.join(dir, 'missing.pem'),
            listenKeyFile: path.join(dir, 'key.pem'),
          }),
          hook('hook', 'xo'),
        ),
      )
      await red.waitForStatus('hook', (s) => s.fill === 'red' && /cannot read the certificate file/.test(s.text ?? ''))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuses sources its allow-list does not name, for deliveries and for /metrics', async () => {
    const port = await freePort()
    await red.deploy(flow(server('xo', { listenPort: port, listenAllowFrom: '10.9.9.9' }), hook('hook', 'xo')))
    await red.waitForStatus('hook', (s) => s.fill === 'green')
    await waitFor(
      () =>
        send(hookUrl(port), { body: post(vm) }).then(
          (a) => a.status === 403,
          () => false,
        ),
      { what: '403 from the listener' },
    )
    assert.equal((await send(`http://127.0.0.1:${port}/metrics`, { method: 'GET' })).status, 403)
    await red.deploy(
      flow(server('xo', { listenPort: port, listenAllowFrom: '10.9.9.9, 127.0.0.0/8' }), hook('hook', 'xo')),
    )
    await waitFor(
      () =>
        send(hookUrl(port), { body: post(vm) }).then(
          (a) => a.status === 204,
          () => false,
        ),
      { what: '204 once allowed' },
    )
    assert.equal((await send(`http://127.0.0.1:${port}/metrics`, { method: 'GET' })).status, 200)
  })

  it("takes a delivery on the listener only from a source both allow-lists allow: the xo-hook node's and the listener's", async () => {
    const port = await freePort()
    // [xo-hook's "allow from", the listener's "allow from", the answer to a delivery from 127.0.0.1]
    const cases: Array<[string, string, number]> = [
      ['127.0.0.1', '10.9.9.9', 403],
      ['10.9.9.9', '127.0.0.0/8', 403],
      ['127.0.0.0/8', '10.9.9.9, 127.0.0.1', 204],
    ]
    const from = red.log.length
    const sent: string[] = []
    const answers: number[] = []
    for (const [nodeAllows, listenerAllows] of cases) {
      await red.deploy(
        flow(
          server('xo', { listenPort: port, listenAllowFrom: listenerAllows }),
          hook('hook', 'xo', { allowFrom: nodeAllows }),
        ),
      )
      // The listener answers (anything: /healthz follows its own allow-list) before the delivery is sent.
      await waitFor(
        () =>
          send(`http://127.0.0.1:${port}/healthz`, { method: 'GET' }).then(
            () => true,
            () => false,
          ),
        { what: 'the listener' },
      )
      const body = post(vm)
      sent.push(callIdOf(body))
      answers.push((await send(hookUrl(port), { body })).status)
    }
    assert.deepEqual(
      answers,
      cases.map(([, , status]) => status),
    )
    // Only the delivery both allowed reaches the flow (the sink may still get what earlier tests sent: not counted).
    await red.waitForLog(new RegExp(`emitted post vm.start ${sent[2]}\n`), from)
    await waitFor(() => seenOf(sent).length > 0, { what: 'the allowed delivery at the end of the flow' })
    assert.deepEqual(seenOf(sent), [sent[2]])
    assert.doesNotMatch(red.log.slice(from), new RegExp(`emitted post vm.start (${sent[0]}|${sent[1]})\n`))
  })

  for (const via of ['listener', 'node-red'] as const) {
    const where = via === 'listener' ? 'the listener' : "Node-RED's path"
    it(`answers 413 to a chunked body over the size limit on ${where}; the flow gets nothing and deliveries go on`, async () => {
      const port = await freePort()
      const nodeRedServer: FlowNode = {
        id: 'xnr',
        type: 'xo-server',
        name: 'xnr (node-red)',
        url: sim.url,
        authMethod: 'token',
        credentials: { token },
      }
      await red.deploy(
        flow(
          server('xo', { listenPort: port }),
          nodeRedServer,
          hook('hook', 'xo', { maxBody: 0.01 }),
          hook('hooknr', 'xnr', { maxBody: 0.01, register: false }),
        ),
      )
      const url = via === 'listener' ? hookUrl(port) : `${red.url}/xo-hook/hooknr/${SECRET}`
      // Taken (a method the node does not select: answered, not emitted) once the listener is up.
      await waitFor(
        () =>
          send(url, { body: post(vm, 'vm.fly') }).then(
            (a) => a.status === 204,
            () => false,
          ),
        { what: `${where} taking deliveries` },
      )
      const from = red.log.length
      // Over the 10 KiB limit; the second also over Node-RED's own limit for JSON bodies (5 MB): Node-RED answers it.
      const big = [post(vm, 'vm.start', 20_000), post(vm, 'vm.start', 8 << 20)]
      const answers = await Promise.all(
        big.map((body) => sendChunked(url, body).catch((error: Error) => `${error.message}`)),
      )
      assert.deepEqual(answers, [413, 413])
      // Node-RED goes on taking deliveries; once this one is emitted, any emission of the refused ones would be too.
      const good = post(vm)
      assert.equal((await send(url, { body: good })).status, 204)
      await red.waitForLog(new RegExp(`emitted post vm.start ${callIdOf(good)}\n`), from)
      const mine = [...big, good].map(callIdOf)
      await waitFor(() => seenOf(mine).length > 0, { what: 'the good delivery at the end of the flow' })
      assert.deepEqual(seenOf(mine), [callIdOf(good)])
      assert.doesNotMatch(red.log.slice(from), new RegExp(`emitted post vm.start (${big.map(callIdOf).join('|')})\n`))
      assert.ok(red.alive)
    })
  }

  it('shows a port in use in red, never crashes, and listens once the port is free', async () => {
    const port = await freePort()
    const squatter = net.createServer().listen(port, '127.0.0.1')
    await waitForEvent(squatter, 'listening')
    try {
      await red.deploy(flow(server('xo', { listenPort: port }), hook('hook', 'xo')))
      await red.waitForStatus(
        'hook',
        (s) => s.fill === 'red' && s.text === `listener: port ${port} of 127.0.0.1 is in use`,
      )
    } finally {
      await new Promise((resolve) => squatter.close(resolve))
    }
    await red.waitForStatus('hook', (s) => s.fill === 'green', 15_000)
    await waitFor(
      () =>
        send(hookUrl(port), { body: post(vm) }).then(
          (a) => a.status === 204,
          () => false,
        ),
      { what: 'deliveries once the port is free' },
    )
    assert.ok(red.alive)
  })

  it('is shared by two XO server nodes on the same address and port', async () => {
    const port = await freePort()
    await red.deploy(
      flow(
        server('xo', { listenPort: port }),
        server('xo2', { listenPort: port }),
        hook('hook', 'xo'),
        hook('hook2', 'xo2'),
      ),
    )
    await red.waitForStatus('hook', (s) => s.fill === 'green')
    await red.waitForStatus('hook2', (s) => s.fill === 'green')
    assert.equal((await send(hookUrl(port, 'hook'), { body: post(vm) })).status, 204)
    assert.equal((await send(hookUrl(port, 'hook2'), { body: post(vm) })).status, 204)
    await sink.until(2, '/seen')
    // Removing one keeps the other's port open.
    await red.deploy(flow(server('xo2', { listenPort: port }), hook('hook2', 'xo2')))
    assert.equal((await send(hookUrl(port, 'hook2'), { body: post(vm) })).status, 204)
    await sink.until(3, '/seen')
  })

  it('keeps its port and loses no delivery across full redeploys under a steady stream', async () => {
    const port = await freePort()
    const deployed = (round: number) =>
      flow(
        server('xo', { listenPort: port }, { name: `xo round ${round}` }),
        hook('hook', 'xo', { name: `hook round ${round}` }),
      )
    await red.deploy(deployed(0))
    await red.waitForStatus('hook', (s) => s.fill === 'green')
    let stop = false
    const answers: number[] = []
    const firstCall = calls + 1
    const stream = (async () => {
      while (!stop) {
        const batch = await Promise.all(
          Array.from({ length: 5 }, () =>
            send(hookUrl(port), { body: post(vm) }).then(
              (a) => a.status,
              () => -1,
            ),
          ),
        )
        answers.push(...batch)
      }
    })()
    for (let round = 1; round <= 5; round++) {
      await red.deploy(deployed(round))
      await waitFor(() => answers.length > round * 25, { what: 'deliveries between deploys' })
    }
    stop = true
    await stream
    assert.deepEqual([...new Set(answers)], [204], `answers: ${JSON.stringify(answers.filter((a) => a !== 204))}`)
    // Each delivery emitted once, by whichever xo-hook node was deployed when it came (a message already on its way
    // to the next node when a full deploy stops that node is Node-RED's to drop, not the listener's).
    const emitted = (callId: string) => red.log.split(`emitted post vm.start ${callId}\n`).length - 1
    const callIds = Array.from({ length: answers.length }, (_, i) => `listener-${firstCall + i}`)
    await waitFor(() => callIds.every((id) => emitted(id) >= 1), { timeoutMs: 15_000, what: 'every delivery emitted' })
    assert.deepEqual(
      callIds.filter((id) => emitted(id) !== 1),
      [],
      'emitted other than once',
    )
  })

  it('counts what it saw in /metrics, says each connection in /healthz, on the listener and on the admin API', async () => {
    const port = await freePort()
    await red.deploy(
      flow(
        server('mx', { listenPort: port }, { name: 'metrics xo' }),
        hook('hook', 'mx', { gate: true, methods: ['vm.start', 'vm.stop', 'vm.migrate'] }),
      ),
    )
    await red.waitForStatus('hook', (s) => s.fill === 'green')
    const before = await send(`http://127.0.0.1:${port}/metrics`, { method: 'GET' })
    const count = (text: string, series: string) =>
      Number(new RegExp(`^${series.replace(/[{}"()[\]|.+*?]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 0)
    const series = 'xo_hook_deliveries_total{server="metrics xo",method="vm.migrate",phase="post"}'
    const migrations = [post(vm, 'vm.migrate'), post(vm, 'vm.migrate'), post(vm, 'vm.migrate')]
    for (const body of migrations) assert.equal((await send(hookUrl(port), { body })).status, 204)
    assert.equal((await send(`http://127.0.0.1:${port}/xo-hook/hook/wrong`, { body: post(vm) })).status, 401)
    // Counted as each is emitted, so by the time the flow sent it on (what the previous test sent may come too).
    await waitFor(() => seenOf(migrations.map(callIdOf)).length === 3, {
      what: 'the 3 deliveries at the end of the flow',
    })
    const after = await send(`http://127.0.0.1:${port}/metrics`, { method: 'GET' })
    assert.equal(after.status, 200)
    assert.match(String(after.headers['content-type']), /^text\/plain; version=0\.0\.4/)
    assert.equal(count(after.body, series) - count(before.body, series), 3)
    assert.equal(
      count(after.body, 'xo_hook_refusals_total{server="metrics xo",status="401"}') -
        count(before.body, 'xo_hook_refusals_total{server="metrics xo",status="401"}'),
      1,
    )
    assert.equal(count(after.body, 'xo_connection_up{server="metrics xo"}'), 1)
    assert.match(after.body, /^# TYPE xo_events_lag_seconds histogram$/m)
    const health = JSON.parse((await send(`http://127.0.0.1:${port}/healthz`, { method: 'GET' })).body)
    assert.equal(health.servers.find((s: { name: string }) => s.name === 'metrics xo').state, 'connected')
    assert.doesNotMatch(JSON.stringify(health), new RegExp(token))
    // The same on Node-RED's admin API.
    const admin = await red.request('/xo/metrics')
    assert.equal(admin.status, 200)
    assert.equal(count(await admin.text(), series) - count(before.body, series), 3)
    assert.equal((await (await red.request('/xo/healthz')).json()).status, 'ok')
  })
})
