import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import type { CatchUpOptions } from '../../../src/audit/catch-up'
import type { AuditRecord } from '../../../src/audit/records'
import type { CallClaim } from '../../../src/coordination/coordinator'
import type { LeaseRole } from '../../../src/coordination/leader-lease'
import type { HookPost } from '../../../src/hooks/delivery'
import { HookCatchUp, type HookCatchUpOptions, type RunningCatchUp } from '../../../src/node-red/hook-catch-up'
import { newHookState } from '../../../src/node-red/hook-status'
import { compileMethods, type MethodMatcher } from '../../../src/hooks/patterns'
import { CleanupScope } from '../../../src/common/cleanup-scope'
import type { StateStore } from '../../../src/state/state-store'
import { t } from '../../support/hook-settings'

const settings = { maxAgeMs: 1000, maxCalls: 10, periodMs: 60_000, graceMs: 0 }
const methods = compileMethods(['vm.*']) as MethodMatcher
const localStore = { name: 'local' } as unknown as StateStore
const leaderStore = { name: 'leader' } as unknown as StateStore
const post: HookPost = { type: 'post', callId: 'c1', method: 'vm.start', params: {}, timestamp: 1 }
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The lease and store shared with another Node-RED, as the test sets its role. */
class FakeCoordinator extends EventEmitter {
  role: LeaseRole = { role: 'follower' }
  lease = { leading: false }
  claims: string[] = []
  leaderState = () => leaderStore
  claim = async (nodeId: string, callId: string, keepMs: number) => (
    this.claims.push(`${nodeId} ${callId} ${keepMs}`), { state: 'sent' as const }
  )
  become(role: LeaseRole): void {
    this.role = role
    this.lease.leading = role.role === 'leader'
    this.emit('role', role)
  }
}

function wiring(options: Partial<HookCatchUpOptions> = {}) {
  const made: Array<{ options: CatchUpOptions<CallClaim>; did: string[] }> = []
  const said: string[] = []
  const passes: string[] = []
  const emitted: unknown[][] = []
  let refreshed = 0
  let emitting: () => Promise<boolean | void> = async () => true
  const scope = new CleanupScope()
  const state = newHookState()
  const create = (catchUpOptions: CatchUpOptions<CallClaim>): RunningCatchUp => {
    const did: string[] = []
    made.push({ options: catchUpOptions, did })
    return {
      start: () => void did.push('start'),
      stop: async (forget, save = true) => {
        await wait(5)
        did.push(`stop ${forget} ${save}`)
      },
      claim: (callId) => (did.push(`claim ${callId}`), callId !== 'given'),
    }
  }
  const catchUp = new HookCatchUp({
    nodeId: 'n1',
    settings,
    methods,
    connection: Object.assign(new EventEmitter(), {
      isConnected: false,
      endpoint: { wsUrl: 'ws://xo' },
    }) as unknown as HookCatchUpOptions['connection'],
    localStore: () => localStore,
    emitter: { emit: (...args) => (emitted.push(args), emitting()) },
    metrics: { catchUpPass: (outcome) => passes.push(outcome) },
    state,
    scope,
    refresh: () => refreshed++,
    warn: (m) => said.push(`warn ${m}`),
    log: (m) => said.push(`log ${m}`),
    error: (m) => said.push(`error ${m}`),
    t,
    settleMs: 10,
    create,
    ...options,
  })
  return {
    catchUp,
    made,
    said,
    passes,
    emitted,
    state,
    scope,
    refreshed: () => refreshed,
    emitWith: (fn: typeof emitting) => (emitting = fn),
  }
}

describe("an xo-hook node's catch-up", () => {
  it("alone: catches up from this Node-RED's store, knows the calls that came live, and is saved when the node closes", async () => {
    const { catchUp, made, scope } = wiring()
    assert.equal(made.length, 1)
    const { options, did } = made[0]
    assert.equal(options.key, 'xo-hook/n1')
    assert.equal(options.store, localStore)
    assert.equal(options.xo(), 'ws://xo')
    assert.equal(options.claim, undefined)
    assert.equal(options.mayEmit, undefined)
    assert.equal(options.maxCalls, 10)
    assert.equal(options.selects('vm.start'), true)
    assert.equal(options.selects('host.restart'), false)
    assert.equal(catchUp.tookLive('c1'), true)
    assert.equal(catchUp.tookLive('given'), false)
    await scope.close(true)
    assert.deepEqual(did, ['start', 'claim c1', 'claim given', 'stop true true'])
  })

  it('runs nowhere without settings (off) or a connection', () => {
    assert.equal(wiring({ settings: undefined }).made.length, 0)
    const { made, catchUp } = wiring({ connection: undefined })
    assert.equal(made.length, 0)
    assert.equal(catchUp.tookLive('c1'), undefined)
  })

  it('says how each pass went, in the status and the metrics', () => {
    const { made, state, passes, refreshed } = wiring()
    const { report } = made[0].options
    report({ state: 'catching-up' })
    assert.deepEqual(state.catchUp, { state: 'catching-up' })
    assert.equal(state.lastPass, undefined, 'no pass over yet')
    const before = Date.now()
    report({ state: 'caught-up', replayed: 2 })
    assert.ok(state.lastPass! >= before, 'when the last pass ended, for the operator view')
    report({ state: 'unavailable', reason: 'not-admin' })
    report({ state: 'waiting' })
    assert.deepEqual(passes, ['ok', 'not-admin'])
    assert.equal(refreshed(), 4)
  })

  it('emits a missed call as replayed; a failure is told (the claim given back) and the call counts as given', async () => {
    const { made, emitted, said, emitWith } = wiring()
    const { emit } = made[0].options
    const record = { id: 'r1' } as unknown as AuditRecord
    assert.equal(await emit(post, record), true)
    assert.deepEqual(emitted, [[post, 0, undefined, { replayed: record, claim: undefined }]])
    emitWith(async () => false)
    assert.equal(await emit(post, record), false)
    emitWith(async () => {
      throw new Error('flow failed')
    })
    const released: string[] = []
    const claim = { release: () => released.push('released') } as unknown as CallClaim
    assert.equal(await emit(post, record, claim), undefined)
    assert.deepEqual(released, ['released'])
    assert.deepEqual(said, ['error errors.emitFailed {"reason":"flow failed"}'])
  })

  describe('with a store shared with another Node-RED', () => {
    it('runs only on the leader, a moment after it leads, from the shared cursor, claiming each call', async () => {
      const coordinator = new FakeCoordinator()
      const { catchUp, made, refreshed } = wiring({ coordinator })
      assert.equal(made.length, 0)
      assert.equal(refreshed(), 1)
      coordinator.become({ role: 'leader', token: 1 })
      assert.equal(made.length, 0)
      await wait(30)
      assert.equal(made.length, 1)
      const { options, did } = made[0]
      assert.equal(options.store, leaderStore)
      assert.deepEqual(await options.claim?.('c9'), { state: 'sent' })
      assert.deepEqual(coordinator.claims, ['n1 c9 1000'])
      assert.equal(options.mayEmit?.(), true)
      assert.deepEqual(did, ['start'])
      // The shared store's claims say what came live.
      assert.equal(catchUp.tookLive('c1'), undefined)
      coordinator.become({ role: 'leader', token: 1 })
      await wait(30)
      assert.equal(made.length, 1)
    })

    it('stops, unsaved, when the lease is lost; never starts when lost before it settled', async () => {
      const coordinator = new FakeCoordinator()
      const { made, state } = wiring({ coordinator })
      coordinator.become({ role: 'leader', token: 1 })
      coordinator.become({ role: 'unknown', reason: 'redis down' })
      await wait(30)
      assert.equal(made.length, 0)
      coordinator.become({ role: 'leader', token: 2 })
      await wait(30)
      state.catchUp = { state: 'catching-up' }
      coordinator.become({ role: 'follower' })
      await wait(10)
      assert.deepEqual(made[0].did, ['start', 'stop false false'])
      assert.equal(state.catchUp, undefined)
    })

    it('starts nothing when the lease went by the time it settled (a paused process hears of it late)', async () => {
      const coordinator = new FakeCoordinator()
      const { made } = wiring({ coordinator })
      coordinator.become({ role: 'leader', token: 1 })
      coordinator.lease.leading = false
      await wait(30)
      assert.equal(made.length, 0)
    })

    it('hears no role and starts nothing once the node closed', async () => {
      const coordinator = new FakeCoordinator()
      coordinator.become({ role: 'leader', token: 1 })
      const { made, scope } = wiring({ coordinator })
      await scope.close(false)
      assert.equal(coordinator.listenerCount('role'), 0)
      await wait(30)
      assert.equal(made.length, 0)
    })

    it('follows only the role when the node does not catch up', async () => {
      const coordinator = new FakeCoordinator()
      const { made, refreshed } = wiring({ coordinator, settings: undefined })
      coordinator.become({ role: 'leader', token: 1 })
      await wait(30)
      assert.equal(made.length, 0)
      assert.equal(refreshed(), 2)
    })
  })
})
