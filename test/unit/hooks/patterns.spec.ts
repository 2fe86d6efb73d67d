import assert from 'node:assert/strict'
import { compileMethods, type MethodMatcher } from '../../../src/hooks/patterns'

describe('method patterns', () => {
  const catalogue = ['vm.start', 'vm.stop', 'vm.migrate', 'host.stop', 'host.restart', 'user.delete', 'vm.delete']
  const matcher = (patterns: string[]) => compileMethods(patterns) as MethodMatcher

  it('matches exact names and globs, expanding them against the catalogue in its order', () => {
    assert.deepEqual(matcher(['vm.*']).expand(catalogue), ['vm.start', 'vm.stop', 'vm.migrate', 'vm.delete'])
    assert.deepEqual(matcher(['*.delete', 'host.stop']).expand(catalogue), ['host.stop', 'user.delete', 'vm.delete'])
    assert.deepEqual(matcher(['vm.st?p']).expand(catalogue), ['vm.stop'])
    assert.equal(matcher(['vm.*']).matches('vmx.start'), false) // the dot is literal
  })

  it('names what matches nothing and refuses what is not a method pattern', () => {
    assert.deepEqual(matcher(['vm.start', 'vm.fly', 'pool.*']).unknown(catalogue), ['vm.fly', 'pool.*'])
    assert.deepEqual(compileMethods([' ', '']), { error: 'no method selected' })
    assert.deepEqual(compileMethods(['vm.start; rm']), { error: 'invalid method pattern: vm.start; rm' })
  })
})
