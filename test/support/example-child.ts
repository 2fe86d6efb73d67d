/**
 * One example flow, as it ships, in a Node-RED of its own (the demo's embedding): DEMO_OPTIONS gives the flow
 * file; XO_URL / XO_TOKEN and the destinations' variables come from the environment. Says `{url}` when the flow
 * is deployed; stops on 'stop' or when the parent goes away.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startDemo } from '../../src/demo/start'

const options = JSON.parse(process.env.DEMO_OPTIONS ?? '{}') as { flow: string }

// A user dir of its own, never the clone's (the demo's default).
const userDir = mkdtempSync(path.join(tmpdir(), 'xo-example-user-'))
process.on('exit', () => rmSync(userDir, { recursive: true, force: true }))

startDemo({ port: 0, quiet: true, scenario: false, log: () => {}, flow: options.flow, userDir }).then(
  (demo) => {
    process.send?.({ url: demo.url })
    const stop = () => void demo.stop().then(() => process.exit(0))
    process.on('message', (message) => message === 'stop' && stop())
    process.on('disconnect', stop)
  },
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
