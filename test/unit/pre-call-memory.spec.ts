import assert from 'node:assert/strict'
import { PreCallMemory } from '../../src/hooks/correlate'
import type { HookPre } from '../../src/hooks/delivery'

const pre = (callId: string, method = 'vm.start'): HookPre =>
  ({ callId, userId: 'u1', userName: 'admin@admin.net', userIp: '::1', method, params: { id: 'vm1' }, timestamp: 1, type: 'pre' }) as HookPre

describe('PreCallMemory: a post and its pre in either order', () => {
  it('gives a post the pre that arrived first, once', async () => {
    const memory = new PreCallMemory()
    memory.remember(pre('c1'), 100)
    assert.equal((await memory.takeOrWait('vm.start', 'c1', 1000))?.callId, 'c1')
    assert.equal(await memory.takeOrWait('vm.start', 'c1', 0), undefined)
  })

  it('hands a pre that comes after its post to the waiting post, without keeping it', async () => {
    const memory = new PreCallMemory()
    const waiting = memory.takeOrWait('vm.start', 'c2', 60_000)
    memory.remember(pre('c2', 'vm.stop'), 100) // another method's call with the same id is not its pre
    memory.remember(pre('c2'), 100)
    assert.equal((await waiting)?.method, 'vm.start')
    assert.equal(memory.size, 1, 'only the other method\'s pre is kept')
  })

  it('gives up after the wait, and lets a waiting post go when cleared', async () => {
    const memory = new PreCallMemory()
    assert.equal(await memory.takeOrWait('vm.start', 'c3', 5), undefined)
    const waiting = memory.takeOrWait('vm.start', 'c4', 60_000)
    memory.clear()
    assert.equal(await waiting, undefined)
    memory.remember(pre('c3'), 100)
    assert.equal(memory.size, 1, 'a pre after its post gave up is kept as usual (bounded by age and count)')
  })
})
