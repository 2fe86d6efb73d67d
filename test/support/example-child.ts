/**
 * One example flow, as it ships, in a Node-RED of its own (the demo's embedding): DEMO_OPTIONS gives the flow
 * file; XO_URL / XO_TOKEN and the destinations' variables come from the environment. Says `{url}` when the flow
 * is deployed; stops on 'stop' or when the parent goes away.
 */
import { startDemo } from '../../src/demo/start'

const options = JSON.parse(process.env.DEMO_OPTIONS ?? '{}') as { flow: string }

startDemo({ port: 0, quiet: true, scenario: false, log: () => {}, flow: options.flow }).then(
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
