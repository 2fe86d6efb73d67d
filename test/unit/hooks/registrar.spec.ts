import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { compileMethods, type MethodMatcher } from '../../../src/hooks/patterns'
import {
  type HookClaim,
  type HookEntry,
  HookRegistrar,
  ownerOf,
  reconcileEntries,
  type RegistrationReport,
} from '../../../src/hooks/registrar'
import { XoApiError } from '../../../src/xo/errors'
import { InterleavingXo } from '../../support/interleaving-xo'

const PREFIX = 'http://nr:1880/xo-hook/'
const entry = (method: string, url: string, type: HookEntry['type'] = 'pre/post'): HookEntry => ({
  method,
  type,
  url,
  format: 'json',
})
const foreign = entry('vm.start', 'https://chat.example.net/hook')
const sameIdElsewhere = entry('vm.stop', 'http://other:1880/xo-hook/n1/s')
const catalogue = ['vm.start', 'vm.stop', 'vm.migrate', 'host.stop']

/** An XO whose web-hooks plugin configuration the registrar reads and writes, counting the writes. */
class FakeXo extends EventEmitter {
  isConnected = true
  hooks: HookEntry[] = []
  writes = 0
  loaded = true
  failWith: Error | undefined
  async call<T>(method: string, params: Record<string, unknown>): Promise<T> {
    if (this.failWith) throw this.failWith
    if (method === 'plugin.get')
      return [{ id: 'web-hooks', loaded: this.loaded, configuration: { hooks: this.hooks } }] as T
    if (method === 'plugin.configure') {
      this.writes++
      this.hooks = (params.configuration as { hooks: HookEntry[] }).hooks
      return true as T
    }
    if (method === 'plugin.load') return void (this.loaded = true) as T
    throw new Error(`unexpected ${method}`)
  }
}

function setup() {
  const xo = new FakeXo()
  const registrar = new HookRegistrar()
  registrar.attach({ connection: xo as never, prefix: PREFIX, catalogue: async () => catalogue })
  const reports = new Map<string, RegistrationReport>()
  const claim = (nodeId: string, methods: string[] | undefined): ((removed: boolean) => void) =>
    registrar.claim({
      nodeId,
      prefix: PREFIX,
      wish: methods && {
        url: `${PREFIX}${nodeId}/secret`,
        methods: compileMethods(methods) as MethodMatcher,
        type: 'pre/post',
        waitForResponse: false,
      },
      report: (r) => reports.set(nodeId, r),
    })
  const idle = () => registrar.idle(5000)
  return { xo, registrar, claim, reports, idle }
}

describe('hook registrar', () => {
  it("knows this Node-RED's entries by prefix and node id, and nobody else's", () => {
    assert.deepEqual(ownerOf(entry('vm.stop', `${PREFIX}n1/s`), [PREFIX]), { prefix: PREFIX, nodeId: 'n1' })
    assert.equal(ownerOf(sameIdElsewhere, [PREFIX]), undefined)
    assert.equal(ownerOf(foreign, [PREFIX]), undefined)
    assert.equal(ownerOf({ url: 42 } as unknown as HookEntry, [PREFIX]), undefined)
  })

  it('reconciles fully: unclaimed entries go, claimed ones are replaced, others stay in place', () => {
    const claims = new Map<string, HookClaim>([
      [`${PREFIX}n1`, { nodeId: 'n1', prefix: PREFIX, wish: {} as never }],
      [`${PREFIX}n3`, { nodeId: 'n3', prefix: PREFIX }],
    ])
    const wanted = new Map([[`${PREFIX}n1`, [entry('host.stop', `${PREFIX}n1/s2`)]]])
    const current = [
      entry('vm.stop', `${PREFIX}n1/s`),
      foreign,
      entry('vm.stop', `${PREFIX}n2/s`),
      sameIdElsewhere,
      entry('vm.start', `${PREFIX}n3/hand`),
    ]
    const full = reconcileEntries(current, { full: true, prefixes: new Set([PREFIX]), claims, wanted, removals: [] })
    assert.deepEqual(full, [
      foreign,
      sameIdElsewhere,
      entry('vm.start', `${PREFIX}n3/hand`),
      entry('host.stop', `${PREFIX}n1/s2`),
    ])
    // during a deploy, only what was removed goes
    const partial = reconcileEntries(current, {
      full: false,
      prefixes: new Set([PREFIX]),
      claims,
      wanted,
      removals: [`${PREFIX}n2/`],
    })
    assert.deepEqual(partial, [
      entry('vm.stop', `${PREFIX}n1/s`),
      foreign,
      sameIdElsewhere,
      entry('vm.start', `${PREFIX}n3/hand`),
    ])
  })

  it('writes nothing before the flows have started, then everything in one write', async () => {
    const { xo, registrar, claim, reports, idle } = setup()
    xo.hooks = [foreign, entry('vm.stop', `${PREFIX}gone/s`)]
    claim('n1', ['vm.start', 'vm.fly'])
    claim('n2', ['host.*'])
    await idle()
    assert.equal(xo.writes, 0)
    registrar.flowsStarted()
    await idle()
    assert.equal(xo.writes, 1)
    assert.deepEqual(xo.hooks, [
      foreign,
      entry('vm.start', `${PREFIX}n1/secret`),
      entry('host.stop', `${PREFIX}n2/secret`),
    ])
    assert.deepEqual(reports.get('n1'), {
      ok: true,
      entries: [entry('vm.start', `${PREFIX}n1/secret`)],
      rejected: [],
      unknown: ['vm.fly'],
    })
    registrar.flowsStarted()
    await idle()
    assert.equal(xo.writes, 1, 'nothing changed, nothing written')
  })

  it('takes the entries of a removed node out during a deploy, and keeps those of a redeployed one', async () => {
    const { xo, registrar, claim, idle } = setup()
    const release1 = claim('n1', ['vm.start'])
    const release2 = claim('n2', ['vm.stop'])
    registrar.flowsStarted()
    await idle()
    registrar.flowsStopping()
    release1(false) // redeployed
    release2(true) // deleted
    await idle()
    assert.deepEqual(xo.hooks, [entry('vm.start', `${PREFIX}n1/secret`)])
  })

  it('catches up when XO comes back, and says why it could not meanwhile', async () => {
    const { xo, registrar, claim, reports, idle } = setup()
    xo.hooks = [entry('vm.stop', `${PREFIX}deleted-while-down/s`)]
    xo.failWith = new XoApiError('plugin.get', 2, 'not enough permissions')
    claim('n1', ['vm.start'])
    registrar.flowsStarted()
    await idle()
    assert.equal((reports.get('n1') as { error: Error }).error.message, 'not enough permissions')
    xo.failWith = undefined
    xo.emit('connected', {})
    await idle()
    assert.deepEqual(xo.hooks, [entry('vm.start', `${PREFIX}n1/secret`)])
  })

  it('takes out the whole prefix of a removed config node, except what is still claimed', async () => {
    const { xo, registrar, claim, idle } = setup()
    xo.hooks = [foreign, entry('vm.stop', `${PREFIX}a/s`), entry('vm.stop', `${PREFIX}b/s`)]
    claim('b', undefined)
    registrar.removePrefix(PREFIX)
    await idle()
    assert.deepEqual(xo.hooks, [foreign, entry('vm.stop', `${PREFIX}b/s`)])
  })

  it("reads XO's entries and what the deployed nodes want, registering or not, without writing", async () => {
    const { xo, registrar, claim, idle } = setup()
    claim('n1', ['vm.start'])
    registrar.claim({
      nodeId: 'n2',
      prefix: PREFIX,
      expected: {
        url: `${PREFIX}n2/s2`,
        methods: compileMethods(['host.*']) as MethodMatcher,
        type: 'post',
        waitForResponse: false,
      },
    })
    registrar.flowsStarted()
    await idle()
    const writes = xo.writes
    const { current, wanted } = await registrar.inspect()
    assert.deepEqual(current, [entry('vm.start', `${PREFIX}n1/secret`)])
    assert.deepEqual(wanted.get(`${PREFIX}n1`), [entry('vm.start', `${PREFIX}n1/secret`)])
    assert.deepEqual(wanted.get(`${PREFIX}n2`), [entry('host.stop', `${PREFIX}n2/s2`, 'post')])
    assert.equal(xo.writes, writes, 'nothing written')
    xo.isConnected = false
    await assert.rejects(registrar.inspect(), /not connected/)
  })
})

/** A lock shared by two processes, as the Redis lock is: one holder at a time, the others wait in turn. */
function sharedLock() {
  let tail: Promise<unknown> = Promise.resolve()
  return <T>(work: () => Promise<T>): Promise<T> => {
    const turn = tail.then(work, work)
    tail = turn.catch(() => {})
    return turn
  }
}

describe('hook registrars of two Node-REDs on one XO', () => {
  it("take the shared lock around their read-merge-write: neither loses the other's entries", async () => {
    const xo = new InterleavingXo()
    const lock = sharedLock()
    const instance = (who: string) => {
      const prefix = `http://${who}:1880/xo-hook/`
      const registrar = new HookRegistrar()
      registrar.attach({
        connection: xo.connection(who) as never,
        prefix,
        catalogue: async () => catalogue,
        lock: (work) => {
          xo.arrive(who)
          return lock(work)
        },
      })
      const reports: RegistrationReport[] = []
      registrar.claim({
        nodeId: 'n1',
        prefix,
        wish: {
          url: `${prefix}n1/secret`,
          methods: compileMethods(['vm.start']) as MethodMatcher,
          type: 'post',
          waitForResponse: false,
        },
        report: (r) => reports.push(r),
      })
      return { registrar, reports, entry: entry('vm.start', `${prefix}n1/secret`, 'post') }
    }
    const a = instance('a')
    const b = instance('b')
    a.registrar.flowsStarted()
    b.registrar.flowsStarted()
    await Promise.all([a.registrar.idle(5000), b.registrar.idle(5000)])
    assert.deepEqual(
      [...a.reports, ...b.reports].map((r) => r.ok),
      [true, true],
    )
    assert.equal(xo.writes, 2)
    assert.deepEqual(
      [...xo.hooks].sort((x, y) => x.url.localeCompare(y.url)),
      [a.entry, b.entry],
      "an instance's entries lost",
    )
  })
})
