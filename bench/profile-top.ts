/**
 * `tsx bench/profile-top.ts <file.cpuprofile> [count] [frame...]`: the functions with the most self time in a
 * profile written with BENCH_PROFILE, the share of time spent under (inclusive) the package's own nodes/ files,
 * and the inclusive share of each `frame` named (a substring of "function file:line", e.g. refreshStatus).
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}

const [file, countArg, ...frames] = process.argv.slice(2)
if (!file) {
  console.error('usage: tsx bench/profile-top.ts <file.cpuprofile> [count] [frame...]')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] }
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const total = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0)
const label = (n: ProfileNode) => {
  const url = n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/main\//, '')
  return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`
}

const self = new Map<string, number>()
for (const n of profile.nodes) self.set(label(n), (self.get(label(n)) ?? 0) + (n.hitCount ?? 0))
const pct = (hits: number) => `${((100 * hits) / total).toFixed(1).padStart(5)} %`
console.log(`${total} samples; top self time:`)
for (const [name, hits] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(countArg ?? 25)))
  console.log(`${pct(hits)}  ${name}`)

// Inclusive time of the topmost frames in the package's compiled nodes/ (a frame under another one counts once).
const inclusive = (n: ProfileNode): number =>
  (n.hitCount ?? 0) + (n.children ?? []).reduce((s, id) => s + inclusive(byId.get(id)!), 0)
const underPackage = new Map<string, number>()
const walk = (n: ProfileNode, inside: boolean) => {
  const here = /\/main\/nodes\//.test(n.callFrame.url)
  if (here && !inside) underPackage.set(label(n), (underPackage.get(label(n)) ?? 0) + inclusive(n))
  for (const id of n.children ?? []) walk(byId.get(id)!, inside || here)
}
walk(profile.nodes[0], false)
console.log('\ninclusive time under the package (outermost frames):')
for (const [name, hits] of [...underPackage].sort((a, b) => b[1] - a[1]).slice(0, 15))
  console.log(`${pct(hits)}  ${name}`)

// Inclusive time of frames named on the command line (nested calls of the same frame counted once).
if (frames.length) console.log('\ninclusive time of the frames asked for:')
for (const frame of frames) {
  let hits = 0
  const visit = (n: ProfileNode, inside: boolean) => {
    const here = label(n).includes(frame)
    if (here && !inside) hits += inclusive(n)
    for (const id of n.children ?? []) visit(byId.get(id)!, inside || here)
  }
  visit(profile.nodes[0], false)
  console.log(`${pct(hits)}  ${frame}`)
}
