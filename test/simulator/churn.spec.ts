// XoSimulator.churn: the notifications it announces are exactly the ones a signed-in connection receives,
// whole objects in "enter" messages of the announced sizes, with realistic changes.
import assert from 'node:assert/strict'
import { XoSimulator, type ChurnBatch } from '../../src/simulator'
import { RpcClient } from './helpers'

describe('simulator: churn', () => {
  let sim: XoSimulator
  let c: RpcClient

  before(async () => {
    sim = await XoSimulator.start({ timeScale: 0.01, seed: 3, size: 60 })
    c = await RpcClient.connect(sim.url)
    await c.call('session.signIn', { email: 'admin@admin.net', password: 'admin' })
  })
  after(async () => {
    await c.close()
    await sim.stop()
  })

  it('pushes the announced updates, whole objects, in notifications of the announced sizes', async () => {
    const before = new Map([...sim.objects].map(([id, o]) => [id, o]))
    const from = c.notifications.length
    const batches: ChurnBatch[] = []
    const result = await sim.churn({
      updates: 600,
      minBatch: 10,
      maxBatch: 40,
      seed: 5,
      onBatch: (b) => batches.push(b),
      pace: () => undefined,
    })
    await c.waitFor(() => c.notifications.length - from >= batches.length)
    await c.settle(50)
    const received = c.notifications.slice(from)

    assert.equal(result.updates, 600)
    assert.equal(result.batches, batches.length)
    assert.equal(
      batches.reduce((n, b) => n + b.ids.length, 0),
      600,
    )
    assert.deepEqual(
      received.map((n) => n.type),
      batches.map(() => 'enter'),
      'one enter message per batch, nothing else',
    )
    for (const [i, batch] of batches.entries()) {
      assert.equal(batch.index, i)
      assert.ok(batch.ids.length >= 10 && batch.ids.length <= 40, `batch ${i} has ${batch.ids.length} objects`)
      assert.deepEqual(Object.keys(received[i].items), batch.ids, `batch ${i}: the frame's ids, in order`)
      assert.ok(batch.sentAt <= received[i].at + 1, 'announced once sent')
      for (const [id, object] of Object.entries(received[i].items)) {
        // whole objects, keys as XO orders them: the same key set as the object had, give or take the changed ones
        assert.equal(object.id, id)
        assert.equal(object.type, before.get(id).type)
        assert.equal(object.uuid, before.get(id).uuid)
      }
    }
    // The last version of each object received is the simulator's current one.
    const last = new Map<string, unknown>()
    for (const n of received) for (const [id, o] of Object.entries(n.items)) last.set(id, o)
    for (const [id, o] of last) assert.deepEqual(o, sim.objects.get(id))

    // Realistic changes happened, and left the inventory consistent.
    const ops = result.operations
    for (const op of ['vmStarted', 'vmStopped', 'vmMigrated', 'vdiUsage', 'hostMemory', 'vmOperationStarted'] as const)
      assert.ok(ops[op] > 0, `${op}: ${JSON.stringify(ops)}`)
    assert.equal(ops.vmOperationFinished, ops.vmOperationStarted, 'every running operation finished')
    const objects = [...sim.objects.values()]
    for (const vm of objects.filter((o) => o.type === 'VM')) {
      const container = sim.objects.get(vm.$container)
      if (vm.power_state === 'Running') {
        assert.equal(container.type, 'host')
        assert.ok(container.residentVms.includes(vm.id), `${vm.name_label} is resident on its host`)
        assert.ok(vm.mainIpAddress, `${vm.name_label} reported its IP`)
      } else {
        assert.equal(vm.$container, vm.$pool)
      }
      assert.deepEqual(vm.current_operations, {})
    }
    const stopped = received
      .flatMap((n) => Object.values(n.items))
      .filter((o: any) => o.type === 'VM' && o.power_state === 'Halted')
    assert.ok(stopped.length > 0)
    assert.ok(
      stopped.every((o: any) => o.xenTools === undefined && o.mainIpAddress === undefined),
      'a halted VM loses its guest fields',
    )
  })

  it("is paced by XAPI's debounce by default, and stops with the simulator", async () => {
    const started = Date.now()
    const result = await sim.churn({ updates: 30, minBatch: 10, maxBatch: 10 })
    assert.equal(result.batches, 3)
    assert.ok(Date.now() - started >= 2 * 2, 'two 200 ms gaps at timeScale 0.01')
    const other = await XoSimulator.start({ timeScale: 1, seed: 3, size: 10 })
    const running = other.churn({ updates: 1000, minBatch: 10, maxBatch: 10 })
    await new Promise((resolve) => setTimeout(resolve, 50))
    await other.stop()
    const partial = await running
    assert.equal(partial.batches, 1, 'stopped while waiting for the next batch')
  })
})
