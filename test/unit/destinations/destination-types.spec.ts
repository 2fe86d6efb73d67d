import assert from 'node:assert/strict'
import { DESTINATION_TYPES } from '../../../src/destinations/destination-types'
import { hook, typeOf, view, requests } from '../../support/destination-fixtures'

describe('destination types', () => {
  it('are the six of the xo-destinations node set, each with its credentials', () => {
    assert.deepEqual(
      DESTINATION_TYPES.map((d) => [d.type, d.credentials.join(), d.needs ?? '']),
      [
        ['xo-slack', 'url', 'url'],
        ['xo-teams', 'url', 'url'],
        ['xo-pagerduty', 'routingKey', 'routingKey'],
        ['xo-cloudevent', 'secret', ''],
        ['xo-ci', 'token', 'token'],
        ['xo-haproxy', 'password', 'password'],
      ],
    )
  })

  it('say which rules xo outcome reads their answers by', () => {
    assert.equal(typeOf('xo-slack').destinationOf({ style: 'attachments' }), 'mattermost')
    assert.equal(typeOf('xo-slack').destinationOf({ style: 'blocks' }), 'slack')
    assert.equal(typeOf('xo-ci').destinationOf({ kind: 'github' }), 'github')
    assert.equal(typeOf('xo-ci').destinationOf({}), 'gitlab')
    assert.equal(typeOf('xo-cloudevent').destinationOf({}), 'cloudevents')
  })

  it('fail a message without the secret they need, naming the variable looked at', () => {
    const { node } = view({ urlEnv: 'SLACK_URL' })
    assert.throws(() => typeOf('xo-slack').build(hook('vm.start', 'post'), node), {
      message: 'errors.missingSecret {"name":"url","env":"SLACK_URL"}',
    })
    assert.throws(() => typeOf('xo-cloudevent').build(hook('vm.start', 'post'), view({ url: '  ' }).node), {
      message: 'errors.missingUrl',
    })
  })

  it('slack: posts to the webhook of its credential, in the style chosen', () => {
    const [request] = requests(
      typeOf('xo-slack').build(
        hook('vm.start', 'post'),
        view({ style: 'attachments' }, { url: 'https://chat/hook' }).node,
      ),
    )
    assert.equal(request.url, 'https://chat/hook')
    assert.ok('attachments' in (JSON.parse(String(request.payload)) as object))
  })

  it("pagerduty: an alert triggered stays open in the node's context until a success on the same object resolves it", () => {
    const { node, context } = view({ eventsUrl: 'http://pd.test/' }, { routingKey: 'k'.repeat(32) })
    const pagerduty = typeOf('xo-pagerduty')
    const [trigger] = requests(pagerduty.build(hook('vm.start', 'post', false), node))
    assert.equal(trigger.url, 'http://pd.test/v2/enqueue')
    assert.equal((context.get('openAlerts') as string[]).length, 1)
    const [resolve] = requests(pagerduty.build(hook('vm.start', 'post', true), node))
    assert.equal((JSON.parse(String(resolve.payload)) as { event_action: string }).event_action, 'resolve')
    assert.deepEqual(context.get('openAlerts'), [])
  })

  it('cloudevent set to VMs only: nothing for a snapshot', () => {
    const snapshot = { id: 'snap1', type: 'VM-snapshot', name: 'web-01-snap' }
    assert.deepEqual(
      typeOf('xo-cloudevent').build(
        hook('vm.delete', 'pre', true, snapshot),
        view({ url: 'https://in', objects: 'vm' }).node,
      ),
      { notSent: 'snapshot' },
    )
    assert.equal(
      requests(
        typeOf('xo-cloudevent').build(hook('vm.delete', 'pre', true, snapshot), view({ url: 'https://in' }).node),
      ).length,
      1,
    )
  })

  it('ci: a GitHub dispatch or a GitLab trigger, as set', () => {
    const github = requests(
      typeOf('xo-ci').build(
        hook('vm.start', 'post'),
        view({ kind: 'github', owner: 'acme', repo: 'infra' }, { token: 'x' }).node,
      ),
    )
    assert.match(github[0].url, /\/repos\/acme\/infra\/dispatches$/)
    const gitlab = requests(
      typeOf('xo-ci').build(
        hook('vm.start', 'post'),
        view({ baseUrl: 'https://gl', project: '42' }, { token: 'x' }).node,
      ),
    )
    assert.match(gitlab[0].url, /^https:\/\/gl\/api\/v4\/projects\/42\/trigger\/pipeline$/)
  })

  it("haproxy: drains the VM's server before the call and sets it ready after, by name or id", () => {
    const haproxy = typeOf('xo-haproxy')
    const { node } = view({ url: 'http://lb:5555', backend: 'web', user: 'admin' }, { password: 'pw' })
    const [drain] = requests(haproxy.build(hook('vm.migrate', 'pre'), node))
    assert.match(drain.url, /\/backends\/web\/servers\/web-01$/)
    assert.deepEqual(JSON.parse(String(drain.payload)), { admin_state: 'drain' })
    const [ready] = requests(
      haproxy.build(
        hook('vm.migrate', 'post', false),
        view({ url: 'http://lb:5555', backend: 'web', serverFrom: 'id' }, { password: 'pw' }).node,
      ),
    )
    assert.match(ready.url, /\/servers\/vm1$/)
    assert.deepEqual(JSON.parse(String(ready.payload)), { admin_state: 'ready' })
    assert.deepEqual(haproxy.build(hook('vm.migrate', 'pre', true, { id: 'vm2', type: 'VM' }), node), {
      notSent: 'noServer',
    })
  })
})
