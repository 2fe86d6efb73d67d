import assert from 'node:assert/strict'
import type { CallClaim } from '../../../src/coordination/coordinator'
import { PreCallMemory } from '../../../src/hooks/pre-call-memory'
import type { HookPost, HookPre } from '../../../src/hooks/delivery'
import { HookEmitter, type HookEmitterOptions, type Successor } from '../../../src/node-red/hook-emitter'
import { newHookState } from '../../../src/node-red/hook-status'
import type { XoHookMessage } from '../../../src/hooks/message'
import { hookSettings, type HookSettings } from '../../../src/hooks/settings'
import type { AuditRecord } from '../../../src/audit/records'
import { t } from '../../support/hook-settings'

const pre: HookPre = {
  type: 'pre',
  callId: 'c1',
  method: 'vm.start',
  params: { id: 'vm1' },
  timestamp: 1,
  userId: 'u1',
  userName: 'admin',
}
const post: HookPost = {
  type: 'post',
  callId: 'c1',
  method: 'vm.start',
  params: { id: 'vm1' },
  timestamp: 2,
  duration: 5,
  result: true,
}

const postOnly = () => settingsOf({ methods: 'vm.*', enrich: false, phase: 'post' })

function settingsOf(config: Parameters<typeof hookSettings>[0]): HookSettings {
  const settings = hookSettings(config)
  if ('error' in settings) throw new Error(settings.error)
  return settings
}

/** A claim that says what was done with it. */
function fakeClaim(confirmed = true) {
  const did: string[] = []
  const claim = {
    confirm: async () => (did.push('confirm'), confirmed),
    release: () => did.push('release'),
    sent: () => did.push('sent'),
  }
  return { did, claim: claim as unknown as CallClaim }
}

function emitterWith(options: Partial<HookEmitterOptions> = {}) {
  const sent: Array<[XoHookMessage | null, XoHookMessage | null]> = []
  const said: string[] = []
  const counted: string[] = []
  const shared: string[] = []
  let closed = false
  let refreshed = 0
  const state = newHookState()
  const emitter = new HookEmitter({
    nodeId: 'n1',
    settings: settingsOf({ methods: 'vm.*', enrich: false }),
    memory: new PreCallMemory(),
    state,
    metrics: {
      delivered: (method, phase) => counted.push(`${phase} ${method}`),
      caughtUp: (method) => counted.push(`caught up ${method}`),
    },
    send: (outputs) => sent.push(outputs),
    closed: () => closed,
    successor: async () => undefined,
    refresh: () => refreshed++,
    log: (m) => said.push(`log ${m}`),
    warn: (m) => said.push(`warn ${m}`),
    trace: (m) => said.push(`trace ${m}`),
    t,
    ...options,
  })
  return { emitter, sent, said, counted, shared, state, close: () => (closed = true), refreshed: () => refreshed }
}

describe('the emitter of an xo-hook node', () => {
  it('emits a pre on the first output and its post, with the pre, on the second; counts and traces each', async () => {
    const { emitter, sent, said, counted, state, refreshed } = emitterWith()
    assert.equal(await emitter.emit(pre, 100, 'vm.start:c1:1'), true)
    assert.equal(await emitter.emit(post, 100, undefined), true)
    assert.equal(sent.length, 2)
    const [first, none] = sent[0]
    assert.equal(none, null)
    assert.equal(first?.topic, 'vm.start')
    assert.deepEqual(first?.xo.hold, { node: 'n1', id: 'vm.start:c1:1' })
    assert.deepEqual(first?.xo.objects, { vm: { id: 'vm1' } })
    assert.equal(typeof first?.summary, 'string')
    const [nothing, second] = sent[1]
    assert.equal(nothing, null)
    assert.equal(second?.payload, post)
    assert.deepEqual(second?.xo.pre, pre)
    assert.equal(second?.xo.ok, true)
    assert.equal(second?.xo.hold, undefined)
    assert.equal(state.events, 2)
    assert.equal(refreshed(), 2)
    assert.deepEqual(counted, ['pre vm.start', 'post vm.start'])
    assert.deepEqual(said, ['trace emitted pre vm.start c1', 'trace emitted post vm.start c1'])
  })

  it('lets a post wait a moment for its pre, which races it', async () => {
    const { emitter, sent } = emitterWith()
    const emitting = emitter.emit(post, 100, undefined)
    setTimeout(() => void emitter.emit(pre, 100, undefined), 20)
    assert.equal(await emitting, true)
    assert.deepEqual(sent[1][1]?.xo.pre, pre)
  })

  it('marks a call from the audit log as replayed and counts it as caught up', async () => {
    const { emitter, sent, counted } = emitterWith()
    assert.equal(await emitter.emit(post, 0, undefined, { replayed: {} as AuditRecord }), true)
    assert.equal(sent[0][1]?.xo.replayed, true)
    assert.deepEqual(counted, ['caught up vm.start'])
  })

  it('gives the call up, untouched, when its claim went to the other instance meanwhile', async () => {
    const { emitter, sent, said, state } = emitterWith({ settings: postOnly() })
    const { did, claim } = fakeClaim(false)
    assert.equal(await emitter.emit(post, 10, undefined, { claim }), false)
    assert.deepEqual(sent, [])
    assert.equal(state.events, 0)
    assert.deepEqual(did, ['confirm', 'release'])
    assert.deepEqual(said, ['log errors.givenElsewhere {"method":"vm.start","callId":"c1"}'])
  })

  it('records a claimed call as sent once its message left', async () => {
    const { emitter, sent } = emitterWith({ settings: postOnly() })
    const { did, claim } = fakeClaim()
    await emitter.emit(post, 10, undefined, { claim })
    assert.equal(sent.length, 1)
    assert.deepEqual(did, ['confirm', 'sent'])
  })

  it("once closed, hands a live delivery and its claim to the node's successor", async () => {
    const handed: unknown[] = []
    const successor: Successor = { deliver: async (body, bytes, claim) => void handed.push([body, bytes, claim]) }
    const { emitter, sent, close } = emitterWith({ settings: postOnly(), successor: async () => successor })
    const { did, claim } = fakeClaim()
    close()
    assert.equal(await emitter.emit(post, 10, undefined, { claim }), undefined)
    assert.deepEqual(handed, [[post, 10, claim]])
    assert.deepEqual(did, ['confirm'])
    assert.deepEqual(sent, [])
  })

  it('once closed, gives back a call from the audit log, and drops (saying so) what no successor takes', async () => {
    const { emitter, said, close } = emitterWith({ settings: postOnly() })
    close()
    const replayed = fakeClaim()
    assert.equal(await emitter.emit(post, 0, undefined, { replayed: {} as AuditRecord, claim: replayed.claim }), false)
    assert.deepEqual(replayed.did, ['confirm', 'release'])
    const live = fakeClaim()
    await emitter.emit(post, 10, undefined, { claim: live.claim })
    assert.deepEqual(live.did, ['confirm', 'release'])
    assert.deepEqual(said, ['warn errors.dropped {"method":"vm.start","phase":"post"}'])
  })

  describe('with a store shared with another Node-RED', () => {
    function shared(answer: { claim?: unknown; pre?: string } = {}) {
      const calls: unknown[][] = []
      const coordinator = {
        sharePre: (...args: unknown[]) => void calls.push(['sharePre', ...args]),
        recordEmitted: (...args: unknown[]) => void calls.push(['recordEmitted', ...args]),
        postArrived: async (...args: unknown[]) => (calls.push(['postArrived', ...args]), answer),
      } as unknown as HookEmitterOptions['coordinator']
      return { calls, coordinator }
    }

    it('shares a pre the node may need for its post, unless too large', async () => {
      const { calls, coordinator } = shared()
      const { emitter } = emitterWith({ coordinator })
      await emitter.emit(pre, 100, undefined)
      await emitter.emit({ ...pre, callId: 'c2' }, 2 * 1024 * 1024, undefined)
      assert.deepEqual(calls, [['sharePre', 'n1', 'vm.start:c1', JSON.stringify(pre), 60 * 60_000]])
    })

    it('records an unclaimed post as emitted, for the catch-up', async () => {
      const { calls, coordinator } = shared()
      const { emitter } = emitterWith({
        coordinator,
        settings: settingsOf({ methods: 'vm.*', enrich: false, phase: 'post', catchUp: true }),
      })
      await emitter.emit(post, 100, undefined)
      assert.deepEqual(calls, [['recordEmitted', 'n1', 'c1', 24 * 3_600_000]])
    })

    it("asks for the post's claim and pre in one go, and takes a pre it cannot read as none", async () => {
      const { calls, coordinator } = shared({ claim: { state: 'sent' }, pre: JSON.stringify(pre) })
      const settings = settingsOf({ methods: 'vm.*', enrich: false, catchUp: true })
      const { emitter } = emitterWith({ coordinator, settings })
      assert.deepEqual(await emitter.sharedPost(pre), {})
      assert.deepEqual(await emitter.sharedPost(post), { claim: { state: 'sent' }, pre })
      assert.deepEqual(calls, [['postArrived', 'n1', 'c1', 'vm.start:c1', 24 * 3_600_000]])
      const unreadable = shared({ claim: { state: 'sent' }, pre: '{' })
      assert.deepEqual(await emitterWith({ coordinator: unreadable.coordinator, settings }).emitter.sharedPost(post), {
        claim: { state: 'sent' },
      })
      const neither = shared()
      assert.deepEqual(
        await emitterWith({ coordinator: neither.coordinator, settings: postOnly() }).emitter.sharedPost(post),
        {},
      )
      assert.deepEqual(neither.calls, [])
    })
  })
})
