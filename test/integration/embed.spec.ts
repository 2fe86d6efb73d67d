import assert from 'node:assert/strict'
import { startDemoProcess } from '../support/demo-process'
import { waitFor } from '../support/node-red'
import { RpcClient } from '../simulator/helpers'

type Entry = { method: string; url: string }

/** `npm start`'s embedding with the given Node-RED settings, in a process of its own. */
const demo = (settings: Record<string, unknown>) => startDemoProcess({ settings })

/** The hook entry XO has for the demo's xo-hook node. */
async function hookEntry(xoUrl: string): Promise<Entry> {
  const xo = await RpcClient.connect(xoUrl)
  try {
    await xo.call('session.signIn', { email: 'admin@admin.net', password: 'admin' })
    let entry: Entry | undefined
    await waitFor(
      async () => {
        const plugins = (await xo.call('plugin.get')) as Array<{ id: string; configuration?: { hooks?: Entry[] } }>
        entry = plugins.find((p) => p.id === 'web-hooks')?.configuration?.hooks?.[0]
        return entry
      },
      { timeoutMs: 20_000, what: 'the demo registered its hook' },
    )
    return entry!
  } finally {
    await xo.close()
  }
}

function deliver(url: string, body: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
}

const delivery = JSON.stringify({
  callId: 'c1',
  userId: 'u1',
  userName: 'admin@admin.net',
  userIp: '127.0.0.1',
  method: 'vm.start',
  params: {},
  timestamp: 1,
  type: 'pre',
})

describe("the demo's embedded Node-RED serves like Node-RED's own server", function () {
  this.timeout(90_000)

  it('keeps the editor under httpAdminRoot and the hook endpoints under httpNodeRoot', async () => {
    const d = await demo({ httpAdminRoot: '/admin', httpNodeRoot: '/hooks' })
    try {
      assert.match(d.url, /\/admin$/)
      const editor = await fetch(`${d.url}/`)
      assert.equal(editor.status, 200)
      assert.match(await editor.text(), /Node-RED/)
      const origin = new URL(d.url).origin
      assert.equal((await fetch(`${origin}/`)).status, 404, 'nothing outside the two roots')
      const entry = await hookEntry(d.xoUrl)
      assert.ok(entry.url.startsWith(`${origin}/hooks/xo-hook/`), entry.url)
      assert.equal((await deliver(entry.url, delivery)).status, 204)
      assert.equal((await deliver(entry.url.replace('/hooks/', '/admin/'), delivery)).status, 404)
    } finally {
      await d.stop()
    }
  })

  it('answers 413 to a delivery over the admin API body limit when both roots are "/", not "not an XO hook"', async () => {
    const d = await demo({})
    try {
      const entry = await hookEntry(d.xoUrl)
      // Node-RED's editor API parses JSON bodies up to apiMaxLength (5 MB) before the flows' endpoints see them.
      const big = JSON.stringify({ ...JSON.parse(delivery), params: { blob: 'x'.repeat(6 * 1024 * 1024) } })
      assert.equal((await deliver(entry.url, big)).status, 413)
      assert.equal((await deliver(entry.url, delivery)).status, 204, 'and goes on taking deliveries')
    } finally {
      await d.stop()
    }
  })
})
