/**
 * What a destination node decides not to send is never dropped in silence: it counts it in its status by reason
 * and logs each reason once. And "VMs only" destinations refuse what is not a VM themselves, whatever a user's
 * flow feeds them: XO's vm.delete deletes snapshots and templates too.
 */
import assert from 'node:assert/strict'
import type { EventEmitter } from 'node:events'
import type { XoHookMessage } from '../../src/hooks/message'
import xoDestinations from '../support/destination-nodes'
import { digestMessage, evacuation } from '../support/digest-fixtures'
import { initHelper, waitFor, waitForCall } from '../support/node-red'

type TestNode = EventEmitter & Record<string, any>

const USER = { id: 'u1', name: 'admin@admin.net', ip: '10.0.0.5' }
const SNAPSHOT: Summary = {
  id: 'snap1',
  type: 'VM-snapshot',
  name: 'web-01-snap',
  vifs: [{ id: 'vif9', mac: 'ea:f3:39:8a:74:ca', network: { id: 'net1', name: 'DMZ' } }],
}
const TEMPLATE: Summary = { id: 'tpl1', type: 'VM-template', name: 'Debian 12 template' }
const VM: Summary = {
  id: 'vm1',
  type: 'VM',
  name: 'web-01',
  vifs: [{ id: 'vif1', mac: 'ea:f3:39:8a:74:cb', network: { id: 'net1', name: 'DMZ' } }],
}

type Summary = XoHookMessage['xo']['objects'][string]

function aboutToDelete(object: Summary, callId: string): XoHookMessage {
  return {
    topic: 'vm.delete',
    payload: {
      callId,
      userId: USER.id,
      userName: USER.name,
      userIp: USER.ip,
      method: 'vm.delete',
      params: { id: object.id },
      timestamp: 1_800_000_000_000,
      type: 'pre',
    },
    xo: { phase: 'pre', callId, method: 'vm.delete', user: USER, objects: { vm: object } },
  }
}

describe('destinations that decide not to send say so', () => {
  const helper = initHelper()
  afterEach(async () => {
    await helper.unload()
  })

  async function deploy(node: Record<string, unknown>, credentials: Record<string, string> = {}) {
    await helper.load(
      xoDestinations,
      [
        { id: 'dest', ...node, wires: [['out'], ['done']] },
        { id: 'out', type: 'helper' },
        { id: 'done', type: 'helper' },
      ],
      { dest: credentials },
    )
    const sent: unknown[] = []
    helper.getNode('out').on('input', (msg: unknown) => sent.push(msg))
    return { dest: helper.getNode('dest') as TestNode, sent }
  }

  it('xo cloudevent set to VMs only: no event for a snapshot or template deleted, counted by reason, logged once', async () => {
    const { dest, sent } = await deploy({
      type: 'xo-cloudevent',
      url: 'https://billing.example/in',
      source: 'https://xo',
      objects: 'vm',
    })
    dest.receive(aboutToDelete(SNAPSHOT, 'c1'))
    dest.receive(aboutToDelete(SNAPSHOT, 'c2'))
    dest.receive(aboutToDelete(TEMPLATE, 'c3'))
    dest.receive(aboutToDelete(VM, 'c4'))
    // (Under the test helper, which loads no node locale, texts are the locale's keys; npm start's and the
    // examples' tests read the words.)
    await waitForCall(dest, 'status', (s) => s.fill === 'green')
    await waitFor(() => sent.length === 1, { what: 'the VM only' })
    const statuses = (dest.status.getCalls() as Array<{ args: [{ text: string; fill: string }] }>).map(
      (c) => `${c.args[0].fill}: ${c.args[0].text.replace(/xo-destinations\./g, '')}`,
    )
    assert.deepEqual(statuses, [
      'grey: status.sent · notSent.snapshot',
      'grey: status.sent · notSent.snapshot',
      'grey: status.sent · notSent.snapshot · notSent.template',
      'green: status.sent · notSent.snapshot · notSent.template',
    ])
    const logged = (dest.log.getCalls() as Array<{ args: [string] }>).map((c) => c.args[0])
    assert.deepEqual(logged, [
      'not sent (xo-destinations.notSent.snapshot): admin@admin.net is about to delete snapshot web-01-snap; further ones are counted in the status',
      'not sent (xo-destinations.notSent.template): admin@admin.net is about to delete template Debian 12 template; further ones are counted in the status',
    ])
  })

  it('xo cloudevent set to VMs only: nothing for a deletion XO never described (it may have been a snapshot)', async () => {
    const { dest, sent } = await deploy({
      type: 'xo-cloudevent',
      url: 'https://billing.example/in',
      source: 'https://xo',
      objects: 'vm',
    })
    const post = aboutToDelete(SNAPSHOT, 'c1')
    // the post of vm.delete when the object was gone before xo hook could describe it (or enrichment is off)
    dest.receive({
      ...post,
      payload: { ...post.payload, type: 'post', result: true },
      xo: { ...post.xo, phase: 'post', ok: true, objects: {} },
    })
    await waitForCall(dest, 'status', (s) => /notSent\.unknownType/.test(s.text))
    assert.equal(sent.length, 0)
  })

  it('xo cloudevent for any object (the default) sends the snapshot deleted', async () => {
    const { dest, sent } = await deploy({
      type: 'xo-cloudevent',
      url: 'https://audit.example/in',
      source: 'https://xo',
    })
    dest.receive(aboutToDelete(SNAPSHOT, 'c1'))
    await waitForCall(dest, 'status', (s) => s.fill === 'green')
    await waitFor(() => sent.length === 1, { what: 'one request' })
  })

  for (const [type, node, credentials] of [
    ['xo-ci', { kind: 'gitlab', baseUrl: 'https://gitlab.example', project: 'infra' }, { token: 't' }],
    ['xo-haproxy', { url: 'http://lb.example:5555', backend: 'web', user: 'dataplane' }, { password: 'pw' }],
    ['xo-kea', { url: 'http://kea.example:8000', user: 'kea-api', subnets: 'DMZ=2' }, { password: 'pw' }],
  ] as const) {
    it(`${type}: nothing for a digest (a group, not one change), counted by reason, logged once`, async () => {
      const { dest, sent } = await deploy({ type, ...node }, credentials)
      dest.receive(digestMessage(evacuation()))
      dest.receive(digestMessage(evacuation({ status: 'resolved' })))
      const digestStatuses = () =>
        (dest.status.getCalls() as Array<{ args: [{ text: string }] }>).filter((c) =>
          /notSent\.digest$/.test(c.args[0].text),
        ).length
      await waitFor(() => digestStatuses() === 2, { what: 'both digests counted' })
      assert.equal(sent.length, 0)
      const logged = (dest.log.getCalls() as Array<{ args: [string] }>).map((c) => c.args[0])
      assert.equal(logged.length, 1)
      assert.match(logged[0], /^not sent \(xo-(destinations|kea)\.notSent\.digest\): web-01 and 49 other VMs/)
    })
  }

  it("xo kea: nothing for a snapshot deleted, though it carries its VM's MAC addresses", async () => {
    const { dest, sent } = await deploy(
      { type: 'xo-kea', url: 'http://kea.example:8000', user: 'kea-api', subnets: 'DMZ=2' },
      { password: 'pw' },
    )
    dest.receive(aboutToDelete(SNAPSHOT, 'c1'))
    dest.receive(aboutToDelete(VM, 'c2'))
    await waitForCall(dest, 'status', (s) => s.fill === 'green')
    await waitFor(() => sent.length === 1, { what: 'one request' })
    assert.match((dest.status.lastCall as { args: [{ text: string }] }).args[0].text, /notSent\.snapshot$/)
    const { payload } = sent[0] as { payload: unknown }
    const command = (typeof payload === 'string' ? JSON.parse(payload) : payload) as {
      command: string
      arguments: { identifier: string }
    }
    assert.deepEqual(
      [command.command, command.arguments.identifier],
      ['reservation-del', 'ea:f3:39:8a:74:cb'],
      "the VM's own reservation",
    )
  })
})
