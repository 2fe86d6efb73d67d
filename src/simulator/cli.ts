#!/usr/bin/env node
// Standalone simulator: node nodes/simulator/cli.js --port 18080 --seed 1 --size 20
//   [--tls-key key.pem --tls-cert cert.pem] [--scenario] [--time-scale 1] [--audit]
import { readFileSync } from 'node:fs'
import { XoSimulator } from './index'
import { runScenario } from './scenario'

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? undefined : process.argv[i + 1]
}
const num = (name: string, dflt: number) => (arg(name) === undefined ? dflt : Number(arg(name)))

async function main(): Promise<void> {
  const key = arg('tls-key')
  const cert = arg('tls-cert')
  const sim = await XoSimulator.start({
    host: arg('host') ?? '127.0.0.1',
    port: num('port', 18080),
    seed: num('seed', 1),
    size: num('size', 20),
    timeScale: num('time-scale', 1),
    audit: process.argv.includes('--audit'),
    tls: key && cert ? { key: readFileSync(key), cert: readFileSync(cert) } : undefined,
    log: (line) => console.log(line),
  })
  console.log(`XO simulator listening on ${sim.url} (JSON-RPC at ${sim.url.replace(/^http/, 'ws')}/api/)`)
  console.log('admin: admin@admin.net / admin')
  console.log(`token: ${sim.issueToken('admin@admin.net')}`)
  const ac = new AbortController()
  const scenario = process.argv.includes('--scenario')
    ? runScenario(sim, { loop: true, signal: ac.signal, log: (s) => console.log(s) })
    : Promise.resolve()
  let stopping = false
  const shutdown = async () => {
    if (stopping) return
    stopping = true
    ac.abort()
    await sim.stop()
    await scenario
    console.log('simulator stopped')
  }
  process.once('SIGINT', () => void shutdown())
  process.once('SIGTERM', () => void shutdown())
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
