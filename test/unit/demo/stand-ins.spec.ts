import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { StandIns } from '../../../src/demo/stand-ins'

describe('stand-ins told to fail from their page', () => {
  let server: http.Server
  let base = ''
  let standIns: StandIns

  beforeEach(async () => {
    standIns = new StandIns({})
    server = http.createServer((req, res) => {
      if (!standIns.handle(req, res)) res.writeHead(404).end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())))

  const slack = () =>
    fetch(`${base}/stand-ins/slack/T0DEMO/B0DEMO/stand-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'VM web-01 created' }),
    })
  const mode = (name: string, value: string, form = false) =>
    fetch(`${base}/stand-ins/_modes/${name}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
      body: form ? `mode=${encodeURIComponent(value)}` : JSON.stringify({ mode: value }),
    })

  it('answers 503, or 429 with Retry-After, or 404 as told, then as the real one again; the page offers the choice', async () => {
    assert.equal((await slack()).status, 200)
    assert.equal((await mode('slack', 'unavailable')).status, 200)
    assert.equal((await slack()).status, 503)
    const form = await mode('slack', 'rate-limited', true)
    assert.equal(form.status, 303, 'the page form goes back to the page')
    const limited = await slack()
    assert.equal(limited.status, 429)
    assert.equal(limited.headers.get('retry-after'), '5')
    await mode('slack', 'refusing')
    assert.equal((await slack()).status, 404)
    await mode('slack', 'normal')
    assert.equal((await slack()).status, 200)
    assert.equal(standIns.received[1].status, 404, 'what it answered is on the page')
    const page = await (await fetch(`${base}/stand-ins/`)).text()
    assert.match(page, /action="\/stand-ins\/_modes\/slack"/)
    assert.match(page, /<option value="unavailable">answers 503<\/option>/)
  })

  it('refuses a mode it does not know and a stand-in that does not exist', async () => {
    assert.equal((await mode('slack', 'exploding')).status, 400)
    assert.equal((await mode('nobody', 'unavailable')).status, 404)
    assert.equal((await slack()).status, 200)
  })
})
