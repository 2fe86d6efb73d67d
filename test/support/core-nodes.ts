import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { NodeAPI } from 'node-red'
import { nodeRedPath, nodeRedVersion } from './node-red'

export type NodeModule = (red: NodeAPI) => void | Promise<void>

/**
 * The core http request node of the Node-RED the suite runs on (`nodeRedPath()`: Node-RED 4, or 5 in CI's second
 * run), as node-red-node-test-helper loads core nodes. Resolved from that Node-RED's own directory, and checked
 * to be its version: a lookup that climbed up to this package's node_modules would test another Node-RED's node.
 */
export function coreHttpRequestNode(): NodeModule {
  const file = require.resolve('@node-red/nodes/core/network/21-httprequest.js', { paths: [nodeRedPath()] })
  const pkg = JSON.parse(readFileSync(path.join(path.dirname(file), '../../package.json'), 'utf8')) as {
    name: string
    version: string
  }
  assert.equal(`${pkg.name}@${pkg.version}`, `@node-red/nodes@${nodeRedVersion()}`, `the http request node of ${file}`)
  return require(file) as NodeModule
}
