import { strict as assert } from 'node:assert'
import { readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'

const ROOT = path.join(__dirname, '..', '..')

/** README's source map ("How it works") names every folder of src/ and every node file, as the tree has them. */
describe("README's source map", () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const start = readme.indexOf('## How it works')
  const map = readme.slice(start, readme.indexOf('\n## ', start + 1))

  it('names every folder and node file of src/, and nothing that is not there', () => {
    assert.ok(start >= 0, 'README has a "How it works" section')
    const entries = readdirSync(path.join(ROOT, 'src'), { withFileTypes: true })
    const inTree = entries
      .map((e) => (e.isDirectory() ? `src/${e.name}/` : `src/${e.name}`))
      .filter((name) => name.endsWith('/') || /^src\/xo-.*\.ts$/.test(name))
    const named = [...map.matchAll(/`(src\/[^`]+)`/g)].map((m) => m[1])
    assert.deepEqual(
      inTree.filter((name) => !named.includes(name)),
      [],
      'in src/ but not in the map',
    )
    assert.deepEqual([...new Set(named.filter((name) => !inTree.includes(name)))], [], 'in the map but not in src/')
  })
})
