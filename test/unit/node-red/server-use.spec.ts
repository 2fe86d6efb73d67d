import assert from 'node:assert/strict'
import type { Node } from 'node-red'
import { connectionUser } from '../../../src/node-red/server-use'

const t = (key: string, subs?: Record<string, string | number>) => `${key}${subs ? JSON.stringify(subs) : ''}`

describe('xo-server use() without a connection', () => {
  it('shows what is wrong with the configuration, again when asked, and has nothing to close', () => {
    const statuses: unknown[] = []
    const node = { status: (status: unknown) => statuses.push(status) } as unknown as Node
    const use = connectionUser(
      () => undefined,
      'no XO URL',
      t,
    )(node, { status: () => assert.fail('no connection status to adjust') })
    use.refreshStatus()
    use.close()
    const shown = { fill: 'red', shape: 'ring', text: 'status.misconfigured{"reason":"no XO URL"}' }
    assert.deepEqual(statuses, [shown, shown])
  })

  it('says nothing more once the config node closed (no reason)', () => {
    const statuses: Array<{ text: string }> = []
    const node = { status: (status: { text: string }) => statuses.push(status) } as unknown as Node
    connectionUser(() => undefined, undefined, t)(node)
    assert.equal(statuses[0].text, 'status.misconfigured{"reason":""}')
  })
})
