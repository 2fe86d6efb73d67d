/**
 * The programs the suite needs beside Node: Debian's chromium (the editor tests), redis-server (the two-instance
 * tests start their own), redis-sentinel (the Sentinel test starts three) and openssl (tests make certificates
 * with it). `npm test` checks them first and stops
 * with one sentence naming what is missing or broken and the line that installs it, rather than a stack trace
 * from the first test that needs it, or a suite that skips what it cannot run.
 */
import { execFileSync } from 'node:child_process'

export const INSTALL_LINE = 'apt-get install chromium redis-server redis-sentinel openssl'

interface Tool {
  name: string
  /** the binary tried, and the variable that points elsewhere */
  path: string
  variable?: string
  args: string[]
}

export function testTools(env: NodeJS.ProcessEnv = process.env): Tool[] {
  return [
    {
      name: 'chromium',
      path: env.CHROMIUM_PATH || '/usr/bin/chromium',
      variable: 'CHROMIUM_PATH',
      args: ['--version'],
    },
    {
      name: 'redis-server',
      path: env.REDIS_SERVER || '/usr/bin/redis-server',
      variable: 'REDIS_SERVER',
      args: ['--version'],
    },
    // Debian's redis-sentinel is redis-server run as a sentinel; REDIS_SENTINEL may point at a redis-server.
    {
      name: 'redis-sentinel',
      path: env.REDIS_SENTINEL || '/usr/bin/redis-sentinel',
      variable: 'REDIS_SENTINEL',
      args: ['--version'],
    },
    { name: 'openssl', path: 'openssl', args: ['version'] },
  ]
}

/** What is wrong with each tool (missing, or not running), in words; empty when all of them run. */
export function toolProblems(tools: Tool[] = testTools()): string[] {
  const problems: string[] = []
  for (const tool of tools) {
    try {
      execFileSync(tool.path, tool.args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 })
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { stderr?: Buffer }
      const where = tool.variable ? ` (or set ${tool.variable})` : ''
      if (e.code === 'ENOENT') problems.push(`${tool.name} is missing: no ${tool.path}${where}`)
      else
        problems.push(
          `${tool.name} at ${tool.path} does not run: ${(e.stderr?.toString().trim().split('\n')[0] || e.message).slice(0, 200)}`,
        )
    }
  }
  return problems
}

if (require.main === module) {
  const problems = toolProblems()
  if (problems.length > 0) {
    process.stderr.write(
      `npm test needs Debian's chromium, redis-server, redis-sentinel and openssl: ${problems.join('; ')}.\nInstall them with: ${INSTALL_LINE}\n`,
    )
    process.exit(1)
  }
}
