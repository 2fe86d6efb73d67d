import assert from 'node:assert/strict'
import { PreCallMemory } from '../../../src/hooks/pre-call-memory'
import type { HookPre } from '../../../src/hooks/delivery'

describe('PreCallMemory', () => {
  const pre = (callId: string): HookPre => ({ type: 'pre', callId, method: 'vm.start', params: {}, timestamp: 0 })

  it('hands a pre over once', () => {
    const memory = new PreCallMemory()
    memory.remember(pre('a'), 100)
    assert.equal(memory.take('vm.start', 'a')?.callId, 'a')
    assert.equal(memory.take('vm.start', 'a'), undefined)
    assert.equal(memory.take('vm.stop', 'a'), undefined)
  })

  it('is bounded in count, oldest out first', () => {
    const memory = new PreCallMemory({ maxEntries: 3 })
    for (const id of ['a', 'b', 'c', 'd']) memory.remember(pre(id), 100)
    assert.equal(memory.size, 3)
    assert.equal(memory.take('vm.start', 'a'), undefined)
    assert.ok(memory.take('vm.start', 'd'))
  })

  it('forgets pres older than its age limit', () => {
    let now = 0
    const memory = new PreCallMemory({ maxEntries: 10, maxAgeMs: 1000, now: () => now })
    memory.remember(pre('a'), 100)
    now = 1001
    assert.equal(memory.take('vm.start', 'a'), undefined)
  })

  it('is bounded in bytes: 1,000 unmatched pres of 256 KiB keep at most the byte bound', () => {
    const memory = new PreCallMemory({ maxBytes: 16 * 1024 * 1024 })
    for (let i = 0; i < 1000; i++) memory.remember(pre(`c${i}`), 256 * 1024)
    assert.ok(memory.bytes <= 16 * 1024 * 1024, `${memory.bytes} bytes`)
    assert.equal(memory.size, 64)
    assert.ok(memory.take('vm.start', 'c999'), 'the newest are kept')
    assert.equal(memory.take('vm.start', 'c0'), undefined)
    assert.equal(memory.bytes, 63 * 256 * 1024)
    // one pre over a quarter of the bound is not kept at all
    memory.remember(pre('huge'), 5 * 1024 * 1024)
    assert.equal(memory.take('vm.start', 'huge'), undefined)
  })
})

describe('PreCallMemory: a post and its pre in either order', () => {
  const pre = (callId: string, method = 'vm.start'): HookPre =>
    ({
      callId,
      userId: 'u1',
      userName: 'admin@admin.net',
      userIp: '::1',
      method,
      params: { id: 'vm1' },
      timestamp: 1,
      type: 'pre',
    }) as HookPre

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
    assert.equal(memory.size, 1, "only the other method's pre is kept")
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
