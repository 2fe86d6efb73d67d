/**
 * The import graph of src/, read from the sources (no build needed), and the layering rules checked over it.
 * Every way one file names another counts: `import`, `import type`, `export … from`, `import x = require(…)`,
 * `require(…)` and `import(…)` (a type-only or lazy import still ties the two modules together: the one cannot be
 * understood, moved or tested without the other). Packages and node: builtins are outside the graph.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as ts from 'typescript'

/** An import from one file of src/ to another, both relative to src/ with '/' separators. */
export interface Import {
  from: string
  to: string
}

export interface ImportGraph {
  /** every .ts file under src/, relative to src/, sorted */
  files: string[]
  /** imports between files of src/, in file order then source order */
  imports: Import[]
  /** relative specifiers that name no file (a typo the compiler would catch too, but named here rather than skipped) */
  unresolved: { from: string; specifier: string }[]
}

function listTs(dir: string, base: string, out: string[]): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) listTs(full, base, out)
    else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
      out.push(path.relative(base, full).split(path.sep).join('/'))
  }
}

/** The module names one source text imports, in source order. */
export function importedSpecifiers(sourceText: string): string[] {
  // readImportFiles: imports and exports with `from`; detectJavaScriptImports: require(…) and import(…) too.
  return ts.preProcessFile(sourceText, true, true).importedFiles.map((ref) => ref.fileName)
}

/** The file of src/ a relative specifier names (as TypeScript's node resolution would), or undefined. */
function resolveRelative(srcDir: string, fromFile: string, specifier: string): string | undefined {
  const target = path.resolve(path.dirname(path.join(srcDir, fromFile)), specifier)
  const stripped = target.replace(/\.js$/, '')
  for (const candidate of [`${stripped}.ts`, path.join(stripped, 'index.ts'), target]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile())
      return path.relative(srcDir, candidate).split(path.sep).join('/')
  }
  return undefined
}

export function readImportGraph(srcDir: string): ImportGraph {
  const files: string[] = []
  listTs(srcDir, srcDir, files)
  files.sort()
  const imports: Import[] = []
  const unresolved: ImportGraph['unresolved'] = []
  for (const from of files) {
    const text = fs.readFileSync(path.join(srcDir, from), 'utf8')
    for (const specifier of importedSpecifiers(text)) {
      if (!specifier.startsWith('.')) continue
      const to = resolveRelative(srcDir, from, specifier)
      if (to === undefined) unresolved.push({ from, specifier })
      else imports.push({ from, to })
    }
  }
  return { files, imports, unresolved }
}

/** A set of files that import each other, directly or through one another, and the imports between them. */
export interface Cycle {
  files: string[]
  imports: Import[]
  /** one shortest loop through the first of the files, first file last again: [a, b, a] */
  loop: string[]
}

/**
 * The import cycles: each strongly connected component of more than one file (or a file importing itself), with
 * every import inside it, so that the message names all the imports one of which has to go.
 */
export function findCycles(graph: Pick<ImportGraph, 'files' | 'imports'>): Cycle[] {
  const next = new Map<string, string[]>()
  for (const file of graph.files) next.set(file, [])
  for (const { from, to } of graph.imports) {
    const list = next.get(from) ?? []
    if (!list.includes(to)) list.push(to)
    next.set(from, list)
  }
  // Tarjan's strongly connected components, iterative so that a deep chain cannot overflow the stack.
  let counter = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const cycles: Cycle[] = []
  for (const root of next.keys()) {
    if (index.has(root)) continue
    const work: { node: string; i: number }[] = [{ node: root, i: 0 }]
    index.set(root, counter)
    low.set(root, counter)
    counter++
    stack.push(root)
    onStack.add(root)
    while (work.length > 0) {
      const frame = work[work.length - 1]
      const edges = next.get(frame.node) ?? []
      if (frame.i < edges.length) {
        const to = edges[frame.i++]
        if (!index.has(to)) {
          index.set(to, counter)
          low.set(to, counter)
          counter++
          stack.push(to)
          onStack.add(to)
          work.push({ node: to, i: 0 })
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!))
        }
        continue
      }
      work.pop()
      if (work.length > 0) {
        const parent = work[work.length - 1].node
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!))
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = []
        let member: string
        do {
          member = stack.pop()!
          onStack.delete(member)
          component.push(member)
        } while (member !== frame.node)
        const selfLoop = component.length === 1 && (next.get(frame.node) ?? []).includes(frame.node)
        if (component.length > 1 || selfLoop) {
          const inside = new Set(component)
          component.sort()
          cycles.push({
            files: component,
            imports: dedupe(graph.imports.filter((i) => inside.has(i.from) && inside.has(i.to))),
            loop: shortestLoop(component[0], inside, next),
          })
        }
      }
    }
  }
  return cycles.sort((a, b) => a.files[0].localeCompare(b.files[0]))
}

/** The shortest way from `start` back to itself through imports that stay among `inside`, as the files met. */
function shortestLoop(start: string, inside: Set<string>, next: Map<string, string[]>): string[] {
  const cameFrom = new Map<string, string>()
  const queue = [start]
  while (queue.length > 0) {
    const file = queue.shift()!
    for (const to of next.get(file) ?? []) {
      if (!inside.has(to)) continue
      if (to === start) {
        const loop = [start]
        for (let at = file; at !== start; at = cameFrom.get(at)!) loop.unshift(at)
        loop.unshift(start)
        return loop
      }
      if (!cameFrom.has(to)) {
        cameFrom.set(to, file)
        queue.push(to)
      }
    }
  }
  return [start]
}

/** Each import once (a file may name another on several lines). */
export function dedupe(imports: Import[]): Import[] {
  const seen = new Set<string>()
  return imports.filter(({ from, to }) => {
    const key = `${from}\0${to}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** The folder of a file of src/ ('xo', 'events', …), or '' for a file at the top level (a node file). */
export function folderOf(file: string): string {
  const slash = file.indexOf('/')
  return slash === -1 ? '' : file.slice(0, slash)
}

/** One import per line, `src/a.ts → src/b.ts`. */
export function formatImports(imports: Import[]): string {
  return imports.map(({ from, to }) => `src/${from} → src/${to}`).join('\n')
}
