import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { StockNodeRed } from '../support/stock-node-red'

const ROOT = path.resolve(__dirname, '../..')

/** The files `npm pack` puts in the tarball (the build ran before the suite, so no scripts are needed). */
function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' })
  return (JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path).sort()
}

// What a Node-RED user needs, and nothing else: no sources, tests, pictures, source maps, build state or demo.
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^examples\/[^/]+\.json$/,
  /^resources\/[^/]+\.js$/,
  /^nodes\/[^/]+\.html$/,
  /^nodes\/icons\/[^/]+\.svg$/,
  /^nodes\/locales\/en-US\/[^/]+\.(json|html)$/,
  /^nodes\/(?!demo\/)[^.]+\.js$/,
]

describe('the packed package (npm pack)', function () {
  this.timeout(60_000)
  let files: string[]
  before(() => {
    files = packedFiles()
  })

  it('holds only what a Node-RED user needs', () => {
    const unexpected = files.filter((f) => !ALLOWED.some((re) => re.test(f)))
    assert.deepEqual(unexpected, [])
    assert.ok(!files.includes('nodes/simulator/cli.js'), 'the standalone simulator is for the clone')
  })

  it('holds every node, its editor, its labels and help, every icon, every example', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
    for (const [type, file] of Object.entries<string>(pkg['node-red'].nodes)) {
      assert.ok(files.includes(file), `${type}: ${file}`)
      const base = path.basename(file, '.js')
      assert.ok(files.includes(`nodes/${base}.html`), `${type}: its editor`)
      assert.ok(files.includes(`nodes/locales/en-US/${base}.json`), `${type}: its labels`)
      assert.ok(files.includes(`nodes/locales/en-US/${base}.html`), `${type}: its help`)
    }
    for (const icon of readdirSync(path.join(ROOT, 'nodes/icons')))
      assert.ok(files.includes(`nodes/icons/${icon}`), icon)
    for (const example of readdirSync(path.join(ROOT, 'examples')))
      assert.ok(files.includes(`examples/${example}`), example)
    for (const file of ['README.md', 'LICENSE', 'resources/xo-editor.js']) assert.ok(files.includes(file), file)
  })

  it('holds every module that a packed module requires', () => {
    const missing: string[] = []
    for (const file of files.filter((f) => f.endsWith('.js') && f.startsWith('nodes/'))) {
      const code = readFileSync(path.join(ROOT, file), 'utf8')
      for (const [, spec] of code.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
        const target = path.posix.join(path.posix.dirname(file), spec)
        const candidates = [target, `${target}.js`, `${target}/index.js`]
        if (!candidates.some((c) => files.includes(c))) missing.push(`${file} → ${spec}`)
      }
    }
    assert.deepEqual(missing, [])
  })

  it('depends at run time on nothing but what package.json lists', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
    const declared = new Set(Object.keys(pkg.dependencies ?? {}))
    const builtin = new Set(require('node:module').builtinModules as string[])
    const undeclared = new Set<string>()
    for (const file of files.filter((f) => f.endsWith('.js') && f.startsWith('nodes/'))) {
      const code = readFileSync(path.join(ROOT, file), 'utf8')
      for (const [, spec] of code.matchAll(/require\("([^."][^"]*)"\)/g)) {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]
        if (!spec.startsWith('node:') && !builtin.has(name) && !declared.has(name)) undeclared.add(`${file}: ${spec}`)
      }
    }
    assert.deepEqual([...undeclared], [])
  })
})

describe('installed from its tarball as the README says (npm pack, then npm install in ~/.node-red)', function () {
  this.timeout(180_000)
  const packDir = mkdtempSync(path.join(tmpdir(), 'xo-pack-'))
  let red: StockNodeRed | undefined
  after(async () => {
    await red?.dispose()
    rmSync(packDir, { recursive: true, force: true })
  })

  it('loads every node type in a stock Node-RED, and its Start here example runs on the simulated XO', async () => {
    const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], {
      cwd: ROOT,
      encoding: 'utf8',
    })
    const tarball = path.join(packDir, (JSON.parse(out) as { filename: string }[])[0].filename)
    // A user directory holding the package, as `npm install <tarball>` in ~/.node-red leaves it; nothing of the clone.
    red = await StockNodeRed.start({ nodesDir: [] }, (userDir) => {
      writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true }))
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
        cwd: userDir,
        stdio: 'ignore',
      })
    })
    const sets = (await (await red.request('/nodes', { headers: { accept: 'application/json' } })).json()) as Array<{
      module: string
      types: string[]
      enabled: boolean
      err?: string
    }>
    const ours = sets.filter((s) => s.module === '@xo-flows/node-red-xen-orchestra')
    assert.deepEqual(
      ours.filter((s) => s.err || !s.enabled).map((s) => `${s.types}: ${s.err}`),
      [],
    )
    const types = ours.flatMap((s) => s.types).sort()
    assert.ok(types.includes('xo-server') && types.includes('xo-hook') && types.includes('xo-kea'), types.join(', '))
    assert.ok(
      types.every((t) => t.startsWith('xo-')),
      types.join(', '),
    )

    // Import > Examples lists the installed package's examples; Start here runs there.
    const examples = (await (
      await red.request('/library/examples/flows/@xo-flows/node-red-xen-orchestra', {
        headers: { accept: 'application/json' },
      })
    ).json()) as Record<string, unknown>
    assert.ok(JSON.stringify(examples).includes('00 Start here'), JSON.stringify(examples).slice(0, 300))
    const flows = JSON.parse(
      readFileSync(
        path.join(
          red.userDir,
          'node_modules/@xo-flows/node-red-xen-orchestra/examples/00 Start here - XO events to debug.json',
        ),
        'utf8',
      ),
    ) as Array<{ id: string; type: string }>
    await red.deploy(flows)
    const hook = flows.find((n) => n.type === 'xo-hook')!
    await red.waitForStatus(hook.id, (s) => s.fill === 'green', 30_000)
    assert.deepEqual(red.crashes, [])
    assert.doesNotMatch(red.log, /\[error\]|Failed to register|Waiting for missing types/)
  })
})
