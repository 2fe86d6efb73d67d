import assert from 'node:assert/strict'
import { NdjsonLines } from '../../../src/xo/ndjson'

describe('NDJSON lines', () => {
  it('cuts lines wherever the chunks end, skips blank lines, takes a last line without newline', () => {
    const items: unknown[] = []
    const lines = new NdjsonLines((item) => void items.push(item))
    const text = '{"a":1}\n\n{"b":"x\\ny"}\n  \n{"c":[1,2]}'
    for (const chunk of [text.slice(0, 3), text.slice(3, 9), text.slice(9, 10), text.slice(10)])
      assert.equal(lines.push(chunk), true)
    assert.equal(lines.end(), true)
    assert.deepEqual(items, [{ a: 1 }, { b: 'x\ny' }, { c: [1, 2] }])
    assert.equal(lines.count, 3)
  })

  it('stops where its consumer says, and throws on a line that is not JSON', () => {
    const seen: unknown[] = []
    const lines = new NdjsonLines((item) => (seen.push(item), seen.length < 2))
    assert.equal(lines.push('1\n2\n3\n'), false)
    assert.deepEqual(seen, [1, 2])
    assert.throws(() => new NdjsonLines(() => {}).push('{"a":\n'), SyntaxError)
  })

  it('skips a line that is not JSON when told how to say so', () => {
    const items: unknown[] = []
    const bad: string[] = []
    const lines = new NdjsonLines(
      (item) => void items.push(item),
      (error) => bad.push(error.name),
    )
    lines.push('1\n{oops\n2\n')
    assert.deepEqual(items, [1, 2])
    assert.deepEqual(bad, ['SyntaxError'])
  })
})
