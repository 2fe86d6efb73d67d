/**
 * The layering of src/, checked over its import graph (every import, `import type` and `export … from` included):
 * - no import cycle;
 * - src/xo/ (the XO client) imports nothing of ours outside src/xo/;
 * - no domain folder (every folder but src/node-red/) imports src/node-red/ or a node file (src/*.ts);
 * - each folder imports only its own layer's folder and folders of lower layers, as LAYERS below declares.
 * A failure names each offending import, `src/a.ts → src/b.ts`.
 */
import { strict as assert } from 'node:assert'
import * as path from 'node:path'
import {
  dedupe,
  findCycles,
  folderOf,
  formatImports,
  type Import,
  importedSpecifiers,
  readImportGraph,
} from '../support/import-graph'

const SRC = path.join(__dirname, '..', '..', 'src')

/** The node files, src/*.ts at the top level: they are the key in LAYERS. */
const NODE_FILES = '(node files)'

/**
 * The layers, lowest first. A folder may import its own files and folders of lower rows; folders in the same row
 * stay independent of each other.
 */
const LAYERS: string[][] = [
  // the XO client (JSON-RPC, the connection, the object store); beside it, sharing nothing with it, the simulated
  // XO the client is tested against (code shared by the two would hide a misreading of XO in both)
  ['xo', 'simulator'],
  // where state is kept, the Prometheus metrics, and what every node shows and undoes (status, cleanup scope)
  ['state', 'metrics', 'common'],
  // leases between instances, Redis, the shared snapshot
  ['coordination'],
  // the domains: object events (who leads them included), web-hooks, API calls
  ['events', 'hooks', 'call'],
  // what builds on web-hooks: the audit log's catch-up, destination payloads, the hook listener
  ['audit', 'destinations', 'listener'],
  // the demo (the simulator, signing stand-ins); the outbox of destination requests; digests of XO's events
  ['demo', 'outbox', 'digest'],
  // the Node-RED glue, then the node files that register the node types
  ['node-red'],
  [NODE_FILES],
]

const graph = readImportGraph(SRC)

function layerKey(file: string): string {
  return folderOf(file) || NODE_FILES
}

function layerOf(key: string): number {
  return LAYERS.findIndex((row) => row.includes(key))
}

function offending(imports: Import[], what: string): string {
  const list = dedupe(imports)
  return `${list.length} ${what}:\n${formatImports(list)}`
}

describe('layering of src/ (its import graph)', () => {
  it('reads the graph: every file of src/, every relative import names a file', () => {
    assert.ok(graph.files.length > 50, `only ${graph.files.length} files found under ${SRC}`)
    assert.ok(graph.imports.length > 100, `only ${graph.imports.length} imports found`)
    assert.deepEqual(graph.unresolved, [], `relative imports that name no file: ${JSON.stringify(graph.unresolved)}`)
  })

  it('has no import cycle (type-only imports count)', () => {
    const cycles = findCycles(graph)
    const message = cycles
      .map(
        (cycle) =>
          `cycle ${cycle.loop.map((f) => `src/${f}`).join(' → ')}\namong ${cycle.files.length} files: ${cycle.files.map((f) => `src/${f}`).join(', ')}; the imports between them:\n${formatImports(cycle.imports)}`,
      )
      .join('\n\n')
    if (cycles.length > 0) assert.fail(`${cycles.length} import cycle(s):\n${message}`)
  })

  it('src/xo/ imports nothing of ours outside src/xo/ (packages and node: builtins only)', () => {
    const up = graph.imports.filter(({ from, to }) => folderOf(from) === 'xo' && folderOf(to) !== 'xo')
    if (up.length > 0) assert.fail(offending(up, 'import(s) out of src/xo/'))
  })

  it('no domain folder imports src/node-red/ or a node file', () => {
    const up = graph.imports.filter(({ from, to }) => {
      const folder = folderOf(from)
      if (folder === '' || folder === 'node-red') return false
      return folderOf(to) === '' || folderOf(to) === 'node-red'
    })
    if (up.length > 0) assert.fail(offending(up, 'import(s) of Node-RED glue or node files from a domain folder'))
  })

  it('every folder of src/ has its layer', () => {
    const keys = [...new Set(graph.files.map(layerKey))].sort()
    const missing = keys.filter((key) => layerOf(key) === -1)
    assert.deepEqual(missing, [], `folders missing from LAYERS in ${__filename}: ${missing.join(', ')}`)
  })

  it('each folder imports only its own folder and lower layers', () => {
    const broken = graph.imports.filter(({ from, to }) => {
      const a = layerKey(from)
      const b = layerKey(to)
      if (a === b) return false
      return layerOf(b) >= layerOf(a)
    })
    const why = broken.map(
      ({ from, to }) =>
        `${layerKey(from)} (layer ${layerOf(layerKey(from))}) may not import ${layerKey(to)} (layer ${layerOf(layerKey(to))})`,
    )
    if (broken.length > 0)
      assert.fail(`${offending(broken, 'import(s) against the layer order')}\n${[...new Set(why)].join('\n')}`)
  })
})

describe('the import graph reader', () => {
  it('reads every way a file names another: import, import type, export from, require, import()', () => {
    const text = [
      "import { a } from './a'",
      "import type { B } from './b'",
      "import './c'",
      "export { d } from './d'",
      "export * from './e'",
      "import f = require('./f')",
      "const g = require('./g')",
      "const h = import('./h')",
      "type I = typeof import('./i')",
      "import { EventEmitter } from 'node:events'",
    ].join('\n')
    assert.deepEqual(importedSpecifiers(text), [
      './a',
      './b',
      './c',
      './d',
      './e',
      './f',
      './g',
      './h',
      './i',
      'node:events',
    ])
  })

  it('finds each cycle once, with every import inside it and a shortest loop; none in a graph without one', () => {
    const files = ['a.ts', 'b.ts', 'c.ts', 'd.ts', 'e.ts']
    const imports = [
      { from: 'a.ts', to: 'b.ts' },
      { from: 'b.ts', to: 'c.ts' },
      { from: 'c.ts', to: 'a.ts' },
      { from: 'b.ts', to: 'a.ts' },
      { from: 'c.ts', to: 'd.ts' },
      { from: 'e.ts', to: 'e.ts' },
    ]
    assert.deepEqual(findCycles({ files, imports }), [
      { files: ['a.ts', 'b.ts', 'c.ts'], imports: imports.slice(0, 4), loop: ['a.ts', 'b.ts', 'a.ts'] },
      { files: ['e.ts'], imports: [imports[5]], loop: ['e.ts', 'e.ts'] },
    ])
    assert.deepEqual(findCycles({ files, imports: imports.filter((i) => i.to !== 'a.ts' && i.from !== 'e.ts') }), [])
  })
})
