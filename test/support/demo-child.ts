/**
 * `npm start`'s demo in a process of its own, for tests that need a real Node-RED runtime with settings of their
 * own (adminAuth): the test helper's Node-RED lives in the test process and shares Node-RED's module state.
 * Receives its options as JSON in DEMO_OPTIONS; says `{url, xoUrl, userDir, savedFlows}` to its parent; stops on
 * 'stop'.
 */
import { startDemo } from '../../src/demo/start'
import { XoSimulator } from '../../src/simulator'

interface Users {
  [username: string]: { password: string; permissions: string | string[] }
}

const options = JSON.parse(process.env.DEMO_OPTIONS ?? '{}') as {
  users?: Users
  settings?: Record<string, unknown>
  ownXo?: boolean
  timeScale?: number
  /** given by demo-process.ts, always: never the clone's own */
  userDir: string
  fresh?: boolean
}
if (!options.userDir) throw new Error("demo-child needs a userDir of the test's own (demo-process.ts gives one)")
const users = options.users ?? {}
const user = (username: string) => (users[username] ? { username, permissions: users[username].permissions } : null)

/** `ownXo`: an XO simulator of its own, given to the demo as a real XO is (URL and token credential). */
async function xoEnv(): Promise<NodeJS.ProcessEnv> {
  if (!options.ownXo) return process.env
  const sim = await XoSimulator.start({ timeScale: 0.05 })
  return { ...process.env, XO_URL: sim.url, XO_TOKEN: sim.issueToken('admin@admin.net') }
}

xoEnv()
  .then((env) =>
    startDemo({
      env,
      port: 0,
      timeScale: options.timeScale,
      userDir: options.userDir,
      fresh: options.fresh,
      quiet: true,
      scenario: false,
      log: () => {},
      settings: {
        ...options.settings,
        ...(options.users
          ? {
              adminAuth: {
                type: 'credentials',
                users: async (username: string) => user(username),
                authenticate: async (username: string, password: string) =>
                  users[username]?.password === password ? user(username) : null,
              },
            }
          : {}),
      },
    }),
  )
  .then(
    (demo) => {
      process.send?.({
        url: demo.url,
        xoUrl: demo.xoUrl,
        standInsUrl: demo.standInsUrl,
        userDir: demo.userDir,
        savedFlows: demo.savedFlows,
      })
      process.on('message', (message) => {
        if (message === 'stop') void demo.stop().then(() => process.exit(0))
      })
      process.on('disconnect', () => void demo.stop().then(() => process.exit(0)))
    },
    (error) => {
      console.error(error)
      process.exit(1)
    },
  )
