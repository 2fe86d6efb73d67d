import assert from 'node:assert/strict'
import { PreCallMemory } from '../../../src/hooks/pre-call-memory'
import { validateHookBody } from '../../../src/hooks/delivery'
import { involvedRefs } from '../../../src/hooks/involved'
import { describeCall } from '../../../src/hooks/message'
import { capture, capturedDeliveries } from '../../support/captures'

describe('web-hook deliveries of a real XO', () => {
  const deliveries = capturedDeliveries()

  it('has captures to check', () => assert.ok(deliveries.length > 50))

  it('accepts every JSON delivery and refuses office365 cards with a reason', () => {
    for (const delivery of deliveries) {
      const checked = validateHookBody(JSON.parse(delivery.body))
      if (delivery.json['@type'] === 'MessageCard') {
        assert.deepEqual(checked, { error: 'office365 format: register the hook with format "json"' })
      } else {
        assert.ok('body' in checked, `${delivery.seq}: ${JSON.stringify(checked)}`)
      }
    }
  })

  it('derives who called, whether it worked and how long it took', () => {
    const memory = new PreCallMemory()
    let posts = 0
    let matched = 0
    for (const delivery of deliveries) {
      const checked = validateHookBody(JSON.parse(delivery.body))
      if (!('body' in checked)) continue
      const body = checked.body
      if (body.type === 'pre') {
        memory.remember(body, JSON.stringify(body).length)
        const info = describeCall(body, undefined)
        assert.equal(info.phase, 'pre')
        assert.equal(info.ok, undefined)
        continue
      }
      posts++
      const pre = memory.take(body.method, body.callId)
      const info = describeCall(body, pre)
      assert.equal(info.phase, 'post')
      assert.equal(info.method, body.method)
      assert.equal(info.callId, body.callId)
      assert.equal(info.ok, body.error === undefined)
      assert.equal(info.durationMs, body.duration)
      assert.equal(info.user.id, body.userId)
      assert.equal(info.user.name, body.userName === '(unknown user)' && !body.userId ? undefined : body.userName)
      assert.equal(info.user.ip, body.userIp)
      if (pre) {
        matched++
        assert.equal(info.pre, pre)
        assert.equal(pre.callId, body.callId)
      }
    }
    assert.ok(posts > 20)
    // plugin.test's fake pair shares callId "0" with no timestamps; everything else pairs up too.
    assert.ok(matched >= posts - 2, `${matched} of ${posts} posts matched their pre`)
  })

  it('handles calls made before sign-in (no user id) and the backup runner pair (no user id nor ip)', () => {
    const bodies = deliveries.map((d) => d.json)
    const unauthenticated = bodies.find((b) => b.method === 'xo.getAllObjects' && b.type === 'post')!
    const checked = validateHookBody(unauthenticated)
    assert.ok('body' in checked)
    const info = describeCall(checked.body, undefined)
    assert.deepEqual(info.user, { ip: '127.0.0.1' }, 'an anonymous caller, not a user named "(unknown user)"')
    assert.equal(info.ok, false)
    assert.equal(info.error?.code, 2)

    const runner = bodies.filter((b) => b.method === 'backupNg.runJob' && b.userId === undefined)
    assert.equal(runner.length, 2)
    for (const body of runner) {
      const checkedRunner = validateHookBody(body)
      assert.ok('body' in checkedRunner)
      const derived = describeCall(checkedRunner.body, undefined)
      assert.deepEqual(derived.user, { name: 'admin@admin.net' })
    }
  })

  it('finds the objects each captured operation is about', () => {
    const usecases = capture<{
      operations: Array<{ request: { method: string; params: Record<string, unknown> }; result?: unknown }>
    }>('usecases.json')
    const roles = usecases.operations.map((op) =>
      involvedRefs(op.request.method, op.request.params, op.result)
        .map((r) => `${r.role}${r.created ? '+' : ''}`)
        .join(','),
    )
    const byMethod = new Map(usecases.operations.map((op, i) => [op.request.method, roles[i]]))
    assert.equal(byMethod.get('vm.create'), 'template,vm+')
    assert.equal(byMethod.get('vm.migrate'), 'vm,targetHost')
    assert.equal(byMethod.get('vm.snapshot'), 'vm,snapshot+')
    assert.equal(byMethod.get('host.emergencyShutdownHost'), 'host')
    assert.equal(byMethod.get('host.setMaintenanceMode'), 'host')
    assert.match(byMethod.get('vm.start')!, /^vm/)
  })
})
