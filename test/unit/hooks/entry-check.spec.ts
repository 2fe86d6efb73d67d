import assert from 'node:assert/strict'
import { compareEntries } from '../../../src/hooks/entry-check'
import type { HookEntry } from '../../../src/hooks/registrar'

const PREFIX = 'http://nr.lan:1880/xo-hook/'
const entry = (method: string, url: string, more: Partial<HookEntry> = {}): HookEntry => ({
  method,
  type: 'pre/post',
  url,
  format: 'json',
  ...more,
})

describe("XO's hook entries against the deployed xo-hook nodes", () => {
  it('tells ok, missing, extra and stale entries apart, by host only, leaving others uncounted but for their number', () => {
    const current = [
      entry('vm.start', `${PREFIX}n1/secret-1`),
      entry('vm.stop', `${PREFIX}n1/old-secret`),
      entry('vm.start', `${PREFIX}gone/secret-g`),
      entry('vm.start', 'https://chat.example.net/services/T0/B0/abc'),
      entry('vm.start', 'http://other.lan:1880/xo-hook/n1/secret-1'),
    ]
    const wanted = new Map([
      [`${PREFIX}n1`, [entry('vm.start', `${PREFIX}n1/secret-1`), entry('vm.stop', `${PREFIX}n1/secret-1`)]],
      [`${PREFIX}n2`, [entry('host.stop', `${PREFIX}n2/secret-2`, { waitForResponse: true })]],
    ])
    const { entries, others } = compareEntries(current, [PREFIX], wanted)
    assert.equal(others, 2)
    assert.deepEqual(
      entries.map((e) => `${e.nodeId} ${e.method} ${e.state}`),
      ['n1 vm.start ok', 'n1 vm.stop stale', 'gone vm.start extra', 'n1 vm.stop missing', 'n2 host.stop missing'],
    )
    assert.deepEqual(entries.at(-1), {
      method: 'host.stop',
      type: 'pre/post',
      host: 'nr.lan:1880',
      nodeId: 'n2',
      waitForResponse: true,
      state: 'missing',
    })
    assert.doesNotMatch(JSON.stringify(entries), /secret|abc/, 'no URL path, no secret')
  })

  it('takes an entry whose phase or wait differs from the wanted one as stale', () => {
    const url = `${PREFIX}n1/s`
    const wanted = new Map([[`${PREFIX}n1`, [entry('vm.start', url, { waitForResponse: true })]]])
    const states = compareEntries([entry('vm.start', url, { type: 'post' })], [PREFIX], wanted).entries.map(
      (e) => e.state,
    )
    assert.deepEqual(states, ['stale', 'missing'])
    const same = compareEntries([entry('vm.start', url, { waitForResponse: true })], [PREFIX], wanted)
    assert.deepEqual(
      same.entries.map((e) => e.state),
      ['ok'],
    )
  })

  it("leaves another config node's wanted entries (another prefix) out", () => {
    const wanted = new Map([
      ['http://elsewhere:1880/xo-hook/n9', [entry('vm.start', 'http://elsewhere:1880/xo-hook/n9/s')]],
    ])
    assert.deepEqual(compareEntries([], [PREFIX], wanted), { entries: [], others: 0 })
  })
})
