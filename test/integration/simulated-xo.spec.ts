import assert from 'node:assert/strict'
import type { EventEmitter } from 'node:events'
import type { HookPost } from '../../src/hooks/delivery'
import type { XoHookMessage } from '../../src/hooks/message'
import { acquireSimulatedXo, type SimulatedXoHandle } from '../../src/simulator/shared'
import { Harness } from '../support/harness'
import { waitFor, waitForCall, waitForEvent } from '../support/node-red'

type TestNode = EventEmitter & Record<string, any>

describe('xo-server set to the simulated XO', () => {
  let h: Harness
  let lease: SimulatedXoHandle

  beforeEach(async () => {
    // Taken first, so the nodes' simulated XO runs at test pace and without its scenario.
    lease = await acquireSimulatedXo({ timeScale: 0.02, scenario: false })
    h = await new Harness().start()
  })
  afterEach(async () => {
    await h.stop()
    lease.release()
  })

  it('connects with nothing to set, registers hooks in it, and delivers its calls', async () => {
    await h.load(
      [
        { id: 'server', type: 'xo-server', source: 'simulated', hookBaseUrl: h.nodeUrl },
        { id: 'hook', type: 'xo-hook', server: 'server', methods: ['vm.start'], phase: 'post', wires: [[], ['post']] },
        { id: 'post', type: 'helper' },
      ],
      { server: {} },
    )
    const hook = h.helper.getNode('hook') as TestNode
    await waitForCall(hook, 'status', (s) => s.fill === 'green' && s.text === 'xo-server.status.connected')
    await waitFor(
      async () => {
        const plugins = (await lease.simulator.invoke('plugin.get', {})) as Array<{
          id: string
          loaded?: boolean
          configuration?: { hooks?: unknown[] }
        }>
        return plugins.find((p) => p.id === 'web-hooks')?.loaded
      },
      { what: 'the hook registered in the simulated XO' },
    )
    const vm = [...lease.simulator.objects.values()].find((o) => o.type === 'VM' && o.power_state === 'Halted')
    const post = waitForEvent<[XoHookMessage<HookPost>]>(h.helper.getNode('post'), 'input', 5000)
    await lease.simulator.invoke('vm.start', { id: vm.id })
    const [msg] = await post
    assert.equal(msg.xo.objects.vm.powerState, 'Running')
    assert.equal(h.helper.getNode('server').configError, undefined)
  })
})
