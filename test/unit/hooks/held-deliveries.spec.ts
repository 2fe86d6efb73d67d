import assert from 'node:assert/strict'
import type { TimerClock } from '../../../src/common/timer-clock'
import { HeldDeliveries, releaseDeadline } from '../../../src/hooks/held-deliveries'
import { hookSettings, type HookSettings, XO_WAIT_LIMIT_S } from '../../../src/hooks/settings'

// XO 5.207.2 gives up on a pre hook about 10.5 s after it sent it (the simulator's default too), and then
// runs the call anyway: the gate must have let it go at least a second before.
const XO_GIVES_UP_MS = 10_500

/** A clock the test moves by hand: timers fire only when it is advanced past them. */
class ManualClock implements TimerClock {
  time = 0
  #timers: Array<{ at: number; fire: () => void }> = []

  now(): number {
    return this.time
  }

  setTimer(fire: () => void, ms: number): unknown {
    const timer = { at: this.time + ms, fire }
    this.#timers.push(timer)
    return timer
  }

  clearTimer(timer: unknown): void {
    this.#timers = this.#timers.filter((t) => t !== timer)
  }

  /** when the armed timers are due, earliest first */
  get armed(): number[] {
    return this.#timers.map((t) => t.at).sort((a, b) => a - b)
  }

  advanceTo(time: number): void {
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= time).sort((a, b) => a.at - b.at)[0]
      if (!due) break
      this.#timers = this.#timers.filter((t) => t !== due)
      this.time = due.at
      due.fire()
    }
    this.time = time
  }
}

describe('held deliveries', () => {
  it('releases once, by the flow, by timeout or on close', async () => {
    const held = new HeldDeliveries()
    const answers: string[] = []
    const limit = (limitMs: number) => ({ arrived: Date.now(), limitMs })
    held.hold('a', (how) => answers.push(`a:${how}`), limit(60_000))
    held.hold('b', (how) => answers.push(`b:${how}`), limit(60_000))
    assert.equal(held.release('a'), true)
    assert.equal(held.release('a'), false)
    await new Promise<void>((resolve) => held.hold('c', (how) => (answers.push(`c:${how}`), resolve()), limit(5)))
    held.releaseAll()
    assert.deepEqual(answers, ['a:released', 'c:timeout', 'b:closed'])
    assert.equal(held.size, 0)
  })
})

describe('the gate of held deliveries', () => {
  const ARRIVED = 1_800_000_000_000
  const LIMIT = 8000

  it('releases at arrival + limit, whenever the node got to hold the delivery', () => {
    // The same delivery, held as soon as it arrived or after its body took 3 s (or a redeploy 7.9 s) to come in.
    for (const lateBy of [0, 1, 3000, 7999]) {
      const clock = new ManualClock()
      const held = new HeldDeliveries(clock)
      const answers: string[] = []
      clock.time = ARRIVED + lateBy
      const deadline = held.hold('call', (how) => answers.push(how), { arrived: ARRIVED, limitMs: LIMIT })
      assert.equal(deadline, ARRIVED + LIMIT, `held ${lateBy} ms after it arrived`)
      assert.deepEqual(clock.armed, [ARRIVED + LIMIT], `held ${lateBy} ms after it arrived`)
      clock.advanceTo(ARRIVED + LIMIT - 1)
      assert.deepEqual(answers, [], `held ${lateBy} ms after it arrived: not let go before its deadline`)
      clock.advanceTo(ARRIVED + LIMIT)
      assert.deepEqual(answers, ['timeout'], `held ${lateBy} ms after it arrived: let go at its deadline`)
      assert.equal(held.size, 0)
    }
  })

  it('lets a delivery go at once when its deadline passed before the node could hold it', () => {
    const clock = new ManualClock()
    const held = new HeldDeliveries(clock)
    const answers: string[] = []
    clock.time = ARRIVED + LIMIT + 2500
    held.hold('call', (how) => answers.push(how), { arrived: ARRIVED, limitMs: LIMIT })
    assert.deepEqual(clock.armed, [clock.time], 'due now, not a limit from now')
    clock.advanceTo(clock.time)
    assert.deepEqual(answers, ['timeout'])
  })

  it('lets the flow release a delivery before its deadline, once, and disarms its timer', () => {
    const clock = new ManualClock()
    const held = new HeldDeliveries(clock)
    const answers: string[] = []
    clock.time = ARRIVED + 100
    held.hold('call', (how) => answers.push(how), { arrived: ARRIVED, limitMs: LIMIT })
    assert.equal(held.release('call'), true)
    assert.equal(held.release('call'), false)
    assert.deepEqual(clock.armed, [])
    clock.advanceTo(ARRIVED + 60_000)
    assert.deepEqual(answers, ['released'])
  })

  it('counts each delivery from its own arrival', () => {
    const clock = new ManualClock()
    const held = new HeldDeliveries(clock)
    const order: string[] = []
    clock.time = ARRIVED + 5000
    // Held in the order the node got to them, not the order they arrived in.
    held.hold('second', () => order.push('second'), { arrived: ARRIVED + 2000, limitMs: LIMIT })
    held.hold('first', () => order.push('first'), { arrived: ARRIVED, limitMs: LIMIT })
    assert.deepEqual(clock.armed, [ARRIVED + LIMIT, ARRIVED + 2000 + LIMIT])
    clock.advanceTo(ARRIVED + 60_000)
    assert.deepEqual(order, ['first', 'second'])
  })

  it('lets XO go at least a second before it gives up, with the longest hold the settings accept', () => {
    const longest = hookSettings({ methods: ['vm.start'], gate: true, gateTimeout: XO_WAIT_LIMIT_S }) as HookSettings
    assert.equal(longest.gateTimeoutMs, XO_WAIT_LIMIT_S * 1000)
    assert.ok(releaseDeadline({ arrived: ARRIVED, limitMs: longest.gateTimeoutMs }) <= ARRIVED + XO_GIVES_UP_MS - 1000)
    assert.ok('error' in hookSettings({ methods: ['vm.start'], gate: true, gateTimeout: XO_WAIT_LIMIT_S + 0.5 }))
  })
})
