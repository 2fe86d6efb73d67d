import assert from 'node:assert/strict'
import { compileMatcher, compileObjectFilter, type Matcher } from '../../../src/events/filter'
import type { XoObject } from '../../../src/xo/object-store'

describe('event filters', () => {
  it('matches exact lists, globs and regular expressions, compiled once', () => {
    const m = (mode: 'exact' | 'glob' | 'regex', value: string) => compileMatcher({ mode, value }) as Matcher
    assert.equal(m('exact', 'web-01, db-01')('db-01'), true)
    assert.equal(m('exact', 'web-01')('web-011'), false)
    assert.equal(m('glob', 'web-*, db-?1')('web-42'), true)
    assert.equal(m('glob', 'web-*')('xweb-1'), false)
    assert.equal(m('regex', '^prod-(web|db)')('prod-db-3'), true)
    assert.equal('error' in (compileMatcher({ mode: 'regex', value: '(' }) ?? {}), true)
    assert.equal(compileMatcher({ mode: 'exact', value: '  ' }), undefined)
  })

  it('filters on name, tag, pool name or id, and id', () => {
    const objects: Record<string, XoObject> = { p: { id: 'p', type: 'pool', name_label: 'prod' } }
    const lookup = (id: string) => objects[id]
    const web: XoObject = { id: 'v1', type: 'VM', name_label: 'web-01', tags: ['frontend'], $pool: 'p' }
    const filter = (spec: object) => compileObjectFilter(spec) as (o: XoObject, l: typeof lookup) => boolean
    assert.equal(
      filter({ name: { mode: 'glob', value: 'web-*' }, tag: { value: 'frontend' }, pool: { value: 'prod' } })(
        web,
        lookup,
      ),
      true,
    )
    assert.equal(filter({ pool: { value: 'p' } })(web, lookup), true)
    assert.equal(filter({ tag: { value: 'backend' } })(web, lookup), false)
    assert.equal(filter({ id: { value: 'v2' } })(web, lookup), false)
    assert.deepEqual(Object.hasOwn(compileObjectFilter({ name: { mode: 'regex', value: '[' } }), 'error'), true)
  })
})
