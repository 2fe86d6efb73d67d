import assert from 'node:assert/strict'
import { checkParams, type MethodSchema, normalizeParams } from '../../../src/call/params'
import { capture } from '../../support/captures'

const catalogue = capture<{ result: Record<string, MethodSchema> }>('system.getMethodsInfo.response.json').result
const check = (method: string, params: Record<string, unknown>) =>
  checkParams(method, catalogue[method], normalizeParams(method, catalogue[method], params))

describe('parameter checks against the real catalogue', () => {
  it('accepts good parameters', () => {
    assert.equal(check('vm.start', { id: 'x' }), undefined)
    assert.equal(check('vm.migrate', { vm: 'x', targetHost: 'h' }), undefined)
    assert.equal(
      check('vm.create', { name_label: 'a', template: 't', VIFs: [{ network: 'n' }], CPUs: 2 }),
      undefined,
      "vm.create takes any other key ('*')",
    )
    assert.equal(check('vm.set', { id: 'x', memory: '2 GiB' }), undefined)
    assert.equal(check('vm.set', { id: 'x', name_description: '' }), undefined, 'minLength 0 allows an empty string')
  })

  it('names a missing, unknown, empty or wrongly typed parameter', () => {
    assert.equal(check('vm.start', {}), 'vm.start: missing parameter "id" (string)')
    assert.equal(check('vm.migrate', { vm: 'x' }), 'vm.migrate: missing parameter "targetHost" (string)')
    assert.equal(
      check('host.stop', { id: 'h', force: true }),
      'host.stop: unknown parameter "force" (it takes bypassBackupCheck, id, bypassEvacuate)',
    )
    assert.equal(check('vm.start', { id: '' }), 'vm.start: parameter "id" must not be empty')
    assert.equal(check('vm.start', { id: 42 }), 'vm.start: parameter "id" must be string, not number')
    assert.equal(
      check('vm.export', { vm: 'x', format: 'qcow' }),
      'vm.export: parameter "format" must be one of "xva", "ova"',
    )
    assert.equal(
      check('vm.create', { name_label: 'a', template: 't', acls: [{ subject: 1, action: 'x' }] }),
      'vm.create: parameter "acls[0].subject" must be string, not number',
    )
  })

  it('does what xo-server does first: <namespace> as id, and optional keys ending in ?', () => {
    assert.deepEqual(normalizeParams('vm.start', catalogue['vm.start'], { vm: 'x' }), { id: 'x' })
    assert.deepEqual(normalizeParams('vm.start', catalogue['vm.start'], { id: 'x', 'force?': true, 'nope?': 1 }), {
      id: 'x',
      force: true,
    })
    assert.deepEqual(
      normalizeParams('vm.migrate', catalogue['vm.migrate'], { vm: 'x' }),
      { vm: 'x' },
      'vm.migrate takes vm itself',
    )
  })
})
