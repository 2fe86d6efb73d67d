import assert from 'node:assert/strict'
import { githubDispatch, gitlabTrigger } from '../../../src/destinations/ci'
import { extreme, NEW_VM, step, summary, vmMigrated } from '../../support/destination-messages'

describe('destinations: CI triggers', () => {
  it('GitLab pipeline trigger: URL-encoded project, string variables', () => {
    const r = gitlabTrigger(step('1 post'), {
      baseUrl: 'https://gitlab.example/',
      project: 'infra/dhcp',
      token: 'glptt-1',
      ref: 'main',
    })
    assert.equal(r.url, 'https://gitlab.example/api/v4/projects/infra%2Fdhcp/trigger/pipeline')
    assert.equal(r.method, 'POST')
    assert.equal(r.headers['Content-Type'], 'application/json')
    const body = JSON.parse(r.payload as string)
    assert.deepEqual([body.token, body.ref], ['glptt-1', 'main'])
    assert.equal(body.variables.XO_EVENT, 'vm.create')
    assert.equal(body.variables.XO_VM_ID, NEW_VM)
    assert.equal(body.variables.XO_VM_NAME, 'nr-vm-d9ibu')
    assert.equal(body.variables.XO_USER, 'admin@admin.net')
    assert.equal(body.variables.XO_POOL_NAME, 'fake-pool')
    assert.equal(body.variables.XO_OK, 'true')
    for (const value of Object.values(body.variables)) assert.equal(typeof value, 'string')
    assert.equal(
      gitlabTrigger(summary(vmMigrated()), {
        baseUrl: 'https://gitlab.example/api/v4',
        project: '42',
        token: 't',
        ref: 'main',
      }).url,
      'https://gitlab.example/api/v4/projects/42/trigger/pipeline',
    )
  })

  it('GitHub repository_dispatch: headers, event_type ≤100, client_payload ≤10 keys', () => {
    const r = githubDispatch(step('28 post'), { owner: 'acme', repo: 'infra', token: 'ghp_x' })
    assert.equal(r.url, 'https://api.github.com/repos/acme/infra/dispatches')
    assert.deepEqual(r.headers, {
      'Content-Type': 'application/json',
      Authorization: 'Bearer ghp_x',
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
      'User-Agent': 'node-red-xen-orchestra',
    })
    const body = JSON.parse(r.payload as string)
    assert.equal(body.event_type, 'xo.vm.start.post')
    assert.ok(Object.keys(body.client_payload).length <= 10)
    assert.equal(body.client_payload.error.code, 'VM_BAD_POWER_STATE')
    const long = githubDispatch(extreme(), {
      owner: 'acme',
      repo: 'infra',
      token: 't',
      eventType: 'e'.repeat(300),
      apiUrl: 'https://ghe.example/api/v3/',
    })
    assert.equal(JSON.parse(long.payload as string).event_type.length, 100)
    assert.equal(long.url, 'https://ghe.example/api/v3/repos/acme/infra/dispatches')
  })
})
