import assert from 'node:assert/strict'
import type { OutboxEntry } from '../../../src/outbox/outbox'
import { assembleOverview, type OverviewInput } from '../../../src/node-red/overview'

const NOW = 1_800_000_000_000

const request = (n: number, more: Partial<OutboxEntry> = {}): OutboxEntry => ({
  id: `key-${n}`,
  node: 'slack',
  request: {
    url: `https://hooks.slack.example/services/T0/B0/secret-${n}?token=abc`,
    method: 'POST',
    headers: { authorization: 'Bearer sk-123' },
    payload: { text: `body ${n}` },
    carried: { xoSummary: { title: `VM web-${n} started` } },
  },
  createdAt: NOW - 60_000,
  attempts: 2,
  nextAt: NOW + 5_000,
  lastAnswer: { statusCode: 503, reason: 'HTTP 503', at: NOW - 1_000 },
  ...more,
})

const input = (more: Partial<OverviewInput> = {}): OverviewInput => ({
  servers: [
    { id: 's2', name: 'lab', state: 'unreachable', reason: 'connection refused' },
    {
      id: 's1',
      name: 'prod',
      url: 'wss://xo.example.net/api/',
      state: 'connected',
      user: 'admin@admin.net',
      version: '5.207.2',
      role: 'leader',
      warm: true,
    },
  ],
  hooks: new Map([
    [
      's1',
      {
        entries: [
          { method: 'vm.start', type: 'post', host: 'nr:1880', nodeId: 'h1', waitForResponse: false, state: 'ok' },
          { method: 'vm.stop', type: 'post', host: 'nr:1880', nodeId: 'h1', waitForResponse: false, state: 'missing' },
          { method: 'vm.start', type: 'post', host: 'nr:1880', nodeId: 'gone', waitForResponse: false, state: 'extra' },
        ],
        others: 3,
      },
    ],
    ['s2', { error: 'not connected to XO' }],
  ]),
  hookNodes: [
    {
      id: 'h1',
      name: 'VM starts',
      server: 's1',
      catchUp: { state: 'caught-up', replayed: 4, cursorTime: NOW - 90_000 },
      lastPass: NOW - 12_000,
    },
    { id: 'h2', server: 's1' },
    { id: 'h3', server: 's2', catchUp: { state: 'unavailable', reason: 'not-admin' } },
  ],
  outboxes: [
    {
      id: 'o2',
      name: 'teams',
      server: 's1',
      pending: [],
      dead: [request(3, { dead: { reason: 'HTTP 404', at: NOW } })],
    },
    { id: 'o1', name: 'chat', server: 's1', pending: [request(1)], dead: [] },
    { id: 'o3', server: 'not-deployed', pending: [request(4)], dead: [] },
    { id: 'o4', pending: [], dead: [] },
  ],
  now: NOW,
  ...more,
})

describe("the operator's overview", () => {
  it('gives each xo-server its connection, hook entries, catch-ups and outboxes, in the order of their names', () => {
    const { servers, now } = assembleOverview(input())
    assert.equal(now, NOW)
    assert.deepEqual(
      servers.map((s) => s.name),
      ['lab', 'prod'],
    )
    const prod = servers[1]
    assert.equal(prod.state, 'connected')
    assert.equal(prod.user, 'admin@admin.net')
    assert.equal(prod.version, '5.207.2')
    assert.equal(prod.role, 'leader')
    assert.deepEqual(prod.hooks.counts, { ok: 1, missing: 1, extra: 1, stale: 0 })
    assert.equal(prod.hooks.others, 3)
    assert.deepEqual(prod.hooks.nodes, [
      { id: 'gone', ok: 0, missing: 0, extra: 1, stale: 0 },
      { id: 'h1', name: 'VM starts', ok: 1, missing: 1, extra: 0, stale: 0 },
    ])
    assert.deepEqual(
      prod.hooks.mismatches.map((e) => `${e.nodeId} ${e.method} ${e.state}`),
      ['h1 vm.stop missing', 'gone vm.start extra'],
    )
    assert.deepEqual(
      prod.outboxes.map((o) => o.name),
      ['chat', 'teams'],
    )
    assert.equal(servers[0].hooks.error, 'not connected to XO')
    assert.deepEqual(servers[0].hooks.mismatches, [])
    assert.deepEqual(servers[0].hooks.nodes, [])
  })

  it('says when the catch-up last passed and how old its cursor is; nodes without a catch-up are left out', () => {
    const { servers } = assembleOverview(input())
    assert.deepEqual(servers[1].catchUps, [
      { id: 'h1', name: 'VM starts', state: 'caught-up', replayed: 4, cursorAge: 90, lastPassAgo: 12 },
    ])
    assert.deepEqual(servers[0].catchUps, [{ id: 'h3', state: 'unavailable', reason: 'not-admin' }])
  })

  it('shows outbox entries by host only: pending with next attempt and last answer, dead letters with why', () => {
    const { servers } = assembleOverview(input())
    const [chat, teams] = servers[1].outboxes
    assert.deepEqual(chat.pending, [
      {
        id: 'key-1',
        host: 'hooks.slack.example',
        method: 'POST',
        title: 'VM web-1 started',
        attempts: 2,
        createdAt: NOW - 60_000,
        nextAt: NOW + 5_000,
        lastAnswer: { statusCode: 503, reason: 'HTTP 503', at: NOW - 1_000 },
      },
    ])
    assert.deepEqual(teams.dead[0], {
      id: 'key-3',
      host: 'hooks.slack.example',
      method: 'POST',
      title: 'VM web-3 started',
      attempts: 2,
      createdAt: NOW - 60_000,
      dead: { reason: 'HTTP 404', at: NOW },
      lastAnswer: { statusCode: 503, reason: 'HTTP 503', at: NOW - 1_000 },
    })
    assert.doesNotMatch(JSON.stringify(assembleOverview(input())), /secret|token|Bearer|sk-123|body \d|services/)
  })

  it('puts outboxes with no server, or naming an xo-server not deployed, under their own heading', () => {
    const { unassigned } = assembleOverview(input())
    assert.deepEqual(
      unassigned.map((o) => o.id),
      ['o3', 'o4'],
    )
  })
})
