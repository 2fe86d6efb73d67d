/**
 * The Node-RED editor in Debian's headless Chromium, driven by Playwright, for the browser suites.
 *
 * Chromium: env CHROMIUM_PATH, else /usr/bin/chromium (`apt-get install chromium`; `.ci/run` does it).
 * `npx playwright install` cannot download a browser on these machines. Without Chromium the browser suites fail
 * with a sentence saying so: a suite that skips what it cannot run passes for what it never checked.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

/** The editor's `RED` global, inside page.evaluate(). */
declare const RED: any

export const RESULTS = path.resolve(__dirname, '../../test-results')
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
// As on the machine notes: without the background-networking flags Chromium keeps trying Google's hosts, which
// this closed network refuses. Playwright adds --no-sandbox (needed as root) and its own automation flags.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Fails the suite, in one sentence, when there is no Chromium. Call from `before`. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM))
    throw new Error(`the browser tests need Chromium: no ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`)
}

export interface Editor {
  context: BrowserContext
  page: Page
  close(): Promise<void>
}

/** A Chromium of its own (empty profile), with one page, sized like a laptop screen. */
export async function launchBrowser(): Promise<Editor> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'xo-editor-chromium-'))
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
  })
  const page = context.pages()[0] ?? (await context.newPage())
  // Fail within a test's time with Playwright's own message (what it waited for), not with mocha's timeout.
  page.setDefaultTimeout(20_000)
  return {
    context,
    page,
    close: async () => {
      await context.close()
      rmSync(userDataDir, { recursive: true, force: true })
    },
  }
}

/** Opens the editor at `url` and waits until it has loaded the node types and the deployed flows. */
export async function openEditor(page: Page, url: string): Promise<void> {
  await page.goto(url)
  await page.waitForFunction(
    () => {
      if (typeof RED === 'undefined' || !RED.nodes?.getType?.('xo-server')) return false
      let loaded = false
      RED.nodes.eachConfig((n: { type: string }) => {
        if (n.type === 'xo-server') loaded = true
      })
      return loaded
    },
    undefined,
    { timeout: 60_000 },
  )
  await dismissUpdateNotificationsPrompt(page)
}

/**
 * On first start Node-RED asks whether to enable update notifications (which call nodered.org), in a modal that
 * blocks every click, unless its settings answer already (`telemetry: { enabled: false }`). Say no if it asks.
 */
async function dismissUpdateNotificationsPrompt(page: Page): Promise<void> {
  const asked = await page.waitForFunction(
    () =>
      RED.settings.telemetryEnabled !== undefined || !RED.user.hasPermission('settings.write')
        ? 'no'
        : document.querySelector('.red-ui-dialog .red-ui-dialog-toolbar button')
          ? 'yes'
          : false,
    undefined,
    { timeout: 10_000 },
  )
  if ((await asked.jsonValue()) !== 'yes') return
  const no = await page.evaluate(() => RED._('telemetry.disableLabel') as string)
  await page.locator('.red-ui-dialog .red-ui-dialog-toolbar button', { hasText: no }).click()
  await page.locator('.red-ui-dialog').waitFor({ state: 'detached' })
  await page.locator('.red-ui-shade').first().waitFor({ state: 'hidden' })
}

/** A picture of the page in test-results/, named after `title`. */
export async function screenshot(page: Page, title: string): Promise<void> {
  mkdirSync(RESULTS, { recursive: true })
  const name = title
    .replace(/[^a-z0-9]+/gi, '-')
    .toLowerCase()
    .slice(0, 60)
  await page.screenshot({ path: path.join(RESULTS, `${name}.png`) }).catch(() => {})
}
