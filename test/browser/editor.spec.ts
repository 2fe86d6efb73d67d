/**
 * The Node-RED editor, as a person sees it: the demo (embedded Node-RED, this package, the XO simulator and the
 * "start here" flow) driven by Playwright in Debian's headless Chromium (test/support/browser.ts).
 *
 * The suite runs on whichever Node-RED the run uses (NODE_RED_PATH: `.ci/run` runs it on Node-RED 4 and 5); it
 * waits on selectors and conditions only, never for a fixed time. test-results/editor.png is for humans.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { startDemo, type Demo } from '../../src/demo/start'
import { XoSimulator } from '../../src/simulator'
import { runScenario } from '../../src/simulator/scenario'
import { launchBrowser, openEditor, requireChromium, RESULTS, screenshot, type Editor } from '../support/browser'
import { nodeRedPath, nodeRedVersion } from '../support/node-red'

/** The editor's `RED` global, inside page.evaluate(). */
declare const RED: any
declare const $: any

const ROOT = path.resolve(__dirname, '../..')
const MODULE = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string }).name
const STATUS_TIMEOUT_MS = 20_000

interface NodeSet {
  id: string
  module: string
  types: string[]
  enabled: boolean
  /** why the node set did not load (a string, or an error object) */
  err?: string | { message?: string; code?: string }
}
interface FlowNode {
  id: string
  type: string
  z?: string
  [key: string]: unknown
}

describe('editor (Playwright, headless Chromium)', () => {
  let demo: Demo | undefined
  /** the demo's user directory: the test's own, never the clone's */
  let userDir: string | undefined
  let xo: XoSimulator | undefined
  let scenario: Promise<void> | undefined
  const stopScenario = new AbortController()
  let browser: Editor | undefined
  let context: BrowserContext | undefined
  let page: Page
  /** every response body of the demo's own server the page received, and every websocket frame (comms) */
  const received: Array<Promise<{ what: string; body: string }>> = []
  const pageErrors: string[] = []

  before(async function () {
    this.timeout(90_000)
    requireChromium()

    // An XO given as a real one is (URL and token credential), so that the editor can be shown never to see the
    // token; the simulator's scenario plays on it.
    xo = await XoSimulator.start({ timeScale: 0.05 })
    scenario = runScenario(xo, { loop: true, signal: stopScenario.signal, pauseMs: 200 }).catch(() => {})
    userDir = mkdtempSync(path.join(tmpdir(), 'xo-editor-demo-'))
    demo = await startDemo({
      port: 0,
      quiet: true,
      log: () => {},
      userDir,
      env: { ...process.env, XO_URL: xo.url, XO_TOKEN: xo.issueToken('admin@admin.net') },
    })

    browser = await launchBrowser()
    context = browser.context
    page = browser.page
    page.on('pageerror', (error) => pageErrors.push(error.message))
    const origin = new URL(demo.url).origin
    page.on('response', (response) => {
      if (!response.url().startsWith(origin)) return
      const type = response.headers()['content-type'] ?? ''
      if (!/json|text|javascript|html/.test(type)) return
      received.push(
        response.text().then(
          (body) => ({ what: `${response.request().method()} ${response.url()}`, body }),
          () => ({ what: response.url(), body: '' }), // a redirect or a body gone with its page: nothing to leak
        ),
      )
    })
    page.on('websocket', (ws) =>
      ws.on('framereceived', ({ payload }) =>
        received.push(Promise.resolve({ what: `websocket ${ws.url()}`, body: String(payload) })),
      ),
    )
    await openEditor(page, `${demo.url}/`)
  })

  afterEach(async function () {
    // A picture of a failure helps more than its stack trace.
    if (this.currentTest?.state === 'failed' && context && page && !page.isClosed()) {
      await screenshot(page, `editor-failed-${this.currentTest.title}`)
      // A dialog left open shades the palette and the workspace: the next test starts without it.
      await page.evaluate(() => RED.tray.close()).catch(() => {})
    }
  })

  after(async function () {
    this.timeout(60_000)
    await browser?.close()
    await demo?.stop()
    if (userDir) rmSync(userDir, { recursive: true, force: true })
    stopScenario.abort()
    await scenario
    await xo?.stop()
  })

  /** The deployed flows, as the runtime has them. */
  async function deployedFlows(): Promise<FlowNode[]> {
    const res = await fetch(`${demo!.url}/flows`, { headers: { Accept: 'application/json' } })
    assert.equal(res.status, 200)
    return (await res.json()) as FlowNode[]
  }

  /** The node types this package registers, from the runtime's node list (`GET /nodes`). */
  async function packageTypes(): Promise<string[]> {
    const res = await fetch(`${demo!.url}/nodes`, { headers: { Accept: 'application/json' } })
    assert.equal(res.status, 200)
    const sets = ((await res.json()) as NodeSet[]).filter((set) => set.module === MODULE)
    assert.ok(sets.length > 0, `GET /nodes lists no node set of ${MODULE}`)
    for (const set of sets) {
      const err = typeof set.err === 'object' ? (set.err.message ?? JSON.stringify(set.err)) : set.err
      assert.ok(!err, `${set.id} did not load: ${err}`)
      assert.ok(set.enabled, `${set.id} is disabled`)
    }
    return sets.flatMap((set) => set.types)
  }

  /** The ids of the deployed xo-server config nodes. */
  async function serverIds(): Promise<string[]> {
    const ids = (await deployedFlows()).filter((n) => n.type === 'xo-server').map((n) => n.id)
    assert.ok(ids.length > 0, 'the demo flow has no xo-server node')
    return ids
  }

  /** The secret a deployed xo-server really holds, read from the runtime (the demo runs in this process). */
  function deployedToken(serverId: string): string {
    const RED = require(require.resolve(nodeRedPath())) as {
      nodes: { getCredentials(id: string): Record<string, string> | undefined }
    }
    const token = RED.nodes.getCredentials(serverId)?.token
    assert.ok(token && token.length >= 8, `xo-server ${serverId} has no token credential`)
    return token
  }

  /**
   * Opens the edit dialog of a config node, the way a double click in the configuration-nodes sidebar does (the
   * same call in Node-RED 4.1 and 5), and waits until the editor has filled in the stored credentials.
   */
  async function openServerDialog(serverId: string) {
    await page.evaluate((id: string) => RED.editor.editConfig('', 'xo-server', id), serverId)
    const form = page.locator('#node-config-dialog-edit-form')
    await form.waitFor({ state: 'visible', timeout: 10_000 })
    // The editor fetches the node's credentials after it opens the dialog, then fills the inputs.
    await page.waitForFunction(
      () => (document.querySelector('#node-config-input-token') as HTMLInputElement | null)?.value,
      undefined,
      {
        timeout: 10_000,
      },
    )
    return form
  }

  async function cancelDialog() {
    await page.locator('#node-config-dialog-cancel').click()
    await page.locator('#node-config-dialog-edit-form').waitFor({ state: 'detached', timeout: 10_000 })
  }

  it(`loads the editor of Node-RED ${nodeRedVersion()} with the xo-server type registered`, async () => {
    const info = await page.evaluate(() => ({
      version: RED.settings.version as string,
      category: RED.nodes.getType('xo-server')?.category as string | undefined,
      credentials: RED.nodes.getType('xo-server')?.credentials as Record<string, { type: string }>,
    }))
    assert.equal(
      info.version.replace(/-.*/, ''),
      nodeRedVersion().replace(/-.*/, ''),
      'the editor of the Node-RED under test',
    )
    assert.equal(info.category, 'config')
    assert.equal(info.credentials?.token?.type, 'password')
    await page.locator('#red-ui-header-button-deploy').waitFor({ state: 'visible' })
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page')
  })

  it("shows every node type of the package's in the palette", async () => {
    const types = await packageTypes()
    assert.ok(types.includes('xo-server'), `${MODULE} registers xo-server`)
    const categories = await page.evaluate(
      (ts: string[]) => ts.map((t) => [t, RED.nodes.getType(t)?.category ?? null] as [string, string | null]),
      types,
    )
    for (const [type, category] of categories) assert.ok(category, `the editor knows ${type}`)
    const paletteTypes = categories.filter(([, category]) => category !== 'config').map(([type]) => type)
    assert.ok(paletteTypes.length > 0, `${MODULE} has node types for the palette`)
    for (const type of paletteTypes) {
      await page
        .locator(`.red-ui-palette-node[data-palette-type='${type}']`)
        .waitFor({ state: 'attached', timeout: 10_000 })
    }
  })

  it('opens the xo-server edit dialog with translated labels and no stored secret', async () => {
    const [serverId] = await serverIds()
    const token = deployedToken(serverId)
    const form = await openServerDialog(serverId)
    const value = await page.locator('#node-config-input-token').inputValue()
    assert.notEqual(value, token, 'the token input holds the real token')
    assert.equal(value, '__PWRD__', "the token input holds Node-RED's placeholder")

    const urlLabel = (await page.locator("label[for='node-config-input-url']").innerText()).trim()
    assert.equal(urlLabel, 'XO URL')
    const text = await form.innerText()
    assert.doesNotMatch(text, /xo-server\.(label|placeholder|auth)\./, 'an untranslated label')
    const placeholders = await form
      .locator('[placeholder]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('placeholder') ?? ''))
    for (const p of placeholders)
      assert.doesNotMatch(p, /xo-server\.(label|placeholder|auth)\./, 'an untranslated placeholder')
    const options = await form.locator('#node-config-input-authMethod option').allInnerTexts()
    for (const o of options) assert.doesNotMatch(o, /xo-server\./, 'an untranslated option')

    await cancelDialog()
  })

  it('never sends a stored secret to the editor', async () => {
    const [serverId] = await serverIds()
    const token = deployedToken(serverId)

    const res = await fetch(`${demo!.url}/credentials/xo-server/${serverId}`, {
      headers: { Accept: 'application/json' },
    })
    assert.equal(res.status, 200)
    const body = await res.text()
    assert.ok(!body.includes(token), 'GET /credentials returned the token')
    const credentials = JSON.parse(body) as Record<string, unknown>
    assert.equal(credentials.has_token, true)
    const secrets = await page.evaluate(() =>
      Object.entries(RED.nodes.getType('xo-server').credentials as Record<string, { type: string }>)
        .filter(([, c]) => c.type === 'password')
        .map(([key]) => key),
    )
    for (const key of secrets) assert.ok(!(key in credentials), `GET /credentials returned the ${key} credential`)

    // Everything the page received: the editor, its API calls (nodes, flows, settings, the credentials of the
    // dialog opened here) and the comms websocket that carries statuses and debug messages.
    await openServerDialog(serverId)
    await cancelDialog()
    const bodies = await Promise.all(received)
    assert.ok(
      bodies.some((b) => b.what.includes('/credentials/xo-server/')),
      'the page fetched the credentials',
    )
    assert.ok(bodies.length > 5, `the page received only ${bodies.length} responses`)
    const leaks = bodies.filter((b) => b.body.includes(token)).map((b) => b.what)
    assert.deepEqual(leaks, [], 'responses that contain the token')
  })

  it('shows "connected" on every deployed node that uses an xo-server', async function () {
    this.timeout(STATUS_TIMEOUT_MS + 15_000)
    const types = new Set(await packageTypes())
    const servers = new Set(await serverIds())
    const users = (await deployedFlows()).filter(
      (n) =>
        types.has(n.type) &&
        n.type !== 'xo-server' &&
        n.z &&
        Object.values(n).some((v) => typeof v === 'string' && servers.has(v)),
    )
    assert.ok(users.length > 0, 'the demo flow has nodes that use an xo-server')
    const ids = users.map((n) => n.id)

    // A node shows "connected as …" only until its own figures replace it (an xo-hook counts events, and the demo's
    // scenario sends them at once), and the flow was deployed before the page opened. So record every status the
    // editor receives from here on, then restart the flows the way a person would (Deploy menu, "Restart Flows"):
    // each node must go through "connected" again within the time allowed.
    await page.evaluate(() => {
      const w = window as unknown as { xoStatusHistory: Array<[string, string]> }
      w.xoStatusHistory = []
      RED.comms.subscribe('status/#', (topic: string, status: { text?: string }) =>
        w.xoStatusHistory.push([topic.split('/')[1], String(status?.text ?? '')]),
      )
    })
    await page.locator('#red-ui-header-button-deploy-options').click()
    await page.locator('#deploymenu-item-reload').click()

    await page
      .waitForFunction(
        (nodeIds: string[]) => {
          const history = (window as unknown as { xoStatusHistory: Array<[string, string]> }).xoStatusHistory
          return nodeIds.every((id) => history.some(([node, text]) => node === id && /^connected/.test(text)))
        },
        ids,
        { timeout: STATUS_TIMEOUT_MS },
      )
      .catch(async (error: Error) => {
        const history = await page.evaluate(() => (window as unknown as { xoStatusHistory: unknown }).xoStatusHistory)
        throw new Error(
          `not every node showed "connected" within ${STATUS_TIMEOUT_MS} ms of a restart of the flows; ` +
            `statuses seen: ${JSON.stringify(history)}\n${error.message}`,
        )
      })

    // And what the person sees: under each node of the open flow tab, the label of the node's latest status
    // (connected, or the node's own figures), with a green dot.
    const active = await page.evaluate(() => RED.workspaces.active() as string)
    for (const node of users.filter((n) => n.z === active)) {
      await page.waitForFunction(
        (id: string) => {
          const label = document.querySelector(`g[id='${id}'] .red-ui-flow-node-status-label`)
          const dot = document.querySelector(`g[id='${id}'] .red-ui-flow-node-status`)
          const text = RED.nodes.node(id)?.status?.text
          return !!text && label?.textContent === text && dot?.classList.contains('red-ui-flow-node-status-dot-green')
        },
        node.id,
        { timeout: 5_000 },
      )
    }
  })

  it('opens the dialog of every node type of the package with translated labels and help for it', async () => {
    const types = (await packageTypes()).filter((t) => t !== 'xo-server')
    const deployed = await deployedFlows()
    for (const type of types) {
      // A deployed node of that type, or a new one dropped on the workspace (removed again afterwards).
      const existing = deployed.find((n) => n.type === type)
      const id = existing
        ? existing.id
        : await page.evaluate((t: string) => {
            const nodeId = RED.nodes.id()
            RED.view.importNodes([{ id: nodeId, type: t, z: RED.workspaces.active(), x: 700, y: 500 }])
            return nodeId
          }, type)
      await page.evaluate((nodeId: string) => RED.editor.edit(RED.nodes.node(nodeId)), id)
      const form = page.locator('#dialog-form')
      await form.waitFor({ state: 'visible' })
      const text = await form.innerText()
      assert.doesNotMatch(
        text,
        /xo-[a-z]+\.(label|placeholder|mode|tip|phase|auth|style|subject|target|destination|whenDown|serverFrom)\./,
        `an untranslated label in ${type}`,
      )
      const placeholders = await form
        .locator('[placeholder]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('placeholder') ?? ''))
      for (const p of placeholders) assert.doesNotMatch(p, /xo-[a-z]+\./, `an untranslated placeholder in ${type}`)
      const options = await form.locator('option').allInnerTexts()
      for (const o of options)
        assert.ok(o.trim() !== '' && !/^xo-[a-z]+\./.test(o), `an untranslated option in ${type}: "${o}"`)
      const help = await page.evaluate(
        (t: string) => RED.nodes.getNodeHelp?.(t) ?? $(`script[data-help-name="${t}"]`).html(),
        type,
      )
      assert.ok(typeof help === 'string' && help.length > 300, `help text for ${type}`)
      await page.locator('#node-dialog-cancel').click()
      await form.waitFor({ state: 'detached' })
      if (!existing) {
        await page.evaluate((nodeId: string) => {
          RED.nodes.remove(nodeId)
          RED.nodes.dirty(false)
          RED.view.redraw(true)
        }, id)
      }
    }
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page')
  })

  it('searches XO objects by name from an xo-call parameter and puts the picked id in it', async () => {
    const call = (await deployedFlows()).find((n) => n.type === 'xo-call')
    assert.ok(call, 'the demo flow has an xo-call node')
    await page.evaluate((id: string) => RED.editor.edit(RED.nodes.node(id)), call.id)
    const form = page.locator('#dialog-form')
    await form.waitFor({ state: 'visible' })
    // the method's description and parameters come from the live catalogue
    await page.locator('#node-input-method').fill('vm.start')
    await page.locator('#node-input-method').dispatchEvent('change')
    await page.locator('#xo-call-method-info code', { hasText: 'id: string' }).waitFor()
    await page.locator('#node-input-params-container-row, .red-ui-editableList-addButton').last().click()
    const row = page.locator('#node-input-params-container li').last()
    await row.locator('.xo-call-param-name').fill('id')
    await row.locator('.xo-call-param-name').dispatchEvent('keyup')
    await row.locator('button:has(i.fa-search)').click()
    await row.locator('.xo-object-picker input').fill('web')
    const result = row.locator('.xo-object-picker .red-ui-search-result', { hasText: 'web-01' })
    await result.waitFor()
    const id = await result.getAttribute('title')
    await result.click()
    assert.equal(await row.locator('.xo-call-param-value').inputValue(), id)
    // The value box takes the rest of the line, and shows the whole id picked.
    const box = row.locator('input.red-ui-typedInput-input')
    assert.equal(await box.inputValue(), id, 'the picked id is in the box a person sees')
    const shown = await box.evaluate((input: any) => ({ width: input.clientWidth, text: input.scrollWidth }))
    assert.ok(shown.width >= 250, `the value box is ${shown.width} px wide`)
    assert.ok(shown.text <= shown.width * 1.2, `the picked id (${shown.text} px) shows in its box (${shown.width} px)`)
    // The method's parameters wrap within the dialog; no label wraps onto several lines.
    const overflow = await page.evaluate(() => {
      const info = document.getElementById('xo-call-method-info')!
      const label = document.querySelector('label[for="node-input-payloadParams"]') as any
      return {
        info: info.scrollWidth - info.clientWidth,
        labelLines: Math.round(label.getBoundingClientRect().height / parseFloat(getComputedStyle(label).lineHeight)),
      }
    })
    assert.ok(overflow.info <= 1, `the parameter line overflows by ${overflow.info} px`)
    assert.equal(overflow.labelLines, 1)
    await page.locator('#node-dialog-cancel').click()
    await form.waitFor({ state: 'detached' })
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page')
  })

  it("fills xo kea's subnets row by row, each network picked from XO", async () => {
    const id = await page.evaluate(() => {
      const nodeId = RED.nodes.id()
      RED.view.importNodes([
        {
          id: nodeId,
          type: 'xo-kea',
          z: RED.workspaces.active(),
          x: 700,
          y: 560,
          url: 'http://kea.example.net:8000/',
          subnets: 'DMZ=2',
        },
      ])
      return nodeId
    })
    await page.evaluate((nodeId: string) => RED.editor.edit(RED.nodes.node(nodeId)), id)
    const form = page.locator('#dialog-form')
    await form.waitFor({ state: 'visible' })
    const rows = page.locator('#xo-kea-subnets li')
    assert.equal(await rows.count(), 1, 'the text "DMZ=2" reads as one row')
    assert.equal(await rows.first().locator('.xo-kea-network').inputValue(), 'DMZ')
    assert.equal(await rows.first().locator('.xo-kea-subnet').inputValue(), '2')
    await form.locator('.red-ui-editableList-addButton').click()
    const row = rows.last()
    await row.locator('button:has(i.fa-search)').click()
    await row.locator('.xo-object-picker input').fill('eth0')
    await row.locator('.xo-object-picker .red-ui-search-result', { hasText: 'Pool-wide network' }).click()
    assert.equal(await row.locator('.xo-kea-network').inputValue(), 'Pool-wide network associated with eth0')
    await row.locator('.xo-kea-subnet').fill('1')
    await page.locator('#node-dialog-ok').click()
    await form.waitFor({ state: 'detached' })
    const saved = await page.evaluate((nodeId: string) => {
      const node = RED.nodes.node(nodeId)
      const result = { subnets: node.subnets, valid: node.valid }
      RED.nodes.remove(nodeId)
      RED.nodes.dirty(false)
      RED.view.redraw(true)
      return result
    }, id)
    assert.deepEqual(JSON.parse(saved.subnets), { DMZ: 2, 'Pool-wide network associated with eth0': 1 })
    assert.equal(saved.valid, true)
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page')
  })

  it("keeps xo digest's grouping keys, property paths and silences as its dialog shows and saves them", async () => {
    const id = await page.evaluate(() => {
      const nodeId = RED.nodes.id()
      RED.view.importNodes([
        {
          id: nodeId,
          type: 'xo-digest',
          z: RED.workspaces.active(),
          x: 700,
          y: 560,
          groupBy: ['kind', 'property:xo.user.id'],
          silences: [{ kind: 'window', from: '22:00', to: '06:00', days: [0, 6] }],
        },
      ])
      return nodeId
    })
    await page.evaluate((nodeId: string) => RED.editor.edit(RED.nodes.node(nodeId)), id)
    const form = page.locator('#dialog-form')
    await form.waitFor({ state: 'visible' })
    assert.ok(await form.locator('#xo-digest-keys input[value="kind"]').isChecked())
    assert.ok(!(await form.locator('#xo-digest-keys input[value="pool"]').isChecked()))
    assert.equal(await form.locator('#xo-digest-properties').inputValue(), 'xo.user.id')
    const rows = page.locator('#xo-digest-silences li')
    assert.equal(await rows.count(), 1)
    assert.equal(await rows.first().locator('.xo-digest-from').inputValue(), '22:00')
    assert.deepEqual(
      await rows
        .first()
        .locator('.xo-digest-day:checked')
        .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value)),
      ['0', '6'],
    )
    await form.locator('#xo-digest-keys input[value="host"]').check()
    await form.locator('#xo-digest-properties').fill('payload.object.name_label, msg.xo.user.id')
    await form.locator('#xo-digest-add-maintenance').click()
    await page.locator('#node-dialog-ok').click()
    await form.waitFor({ state: 'detached' })
    const saved = await page.evaluate((nodeId: string) => {
      const node = RED.nodes.node(nodeId)
      const result = {
        groupBy: node.groupBy,
        silences: node.silences,
        valid: node.valid,
        errors: node.validationErrors,
      }
      RED.nodes.remove(nodeId)
      RED.nodes.dirty(false)
      RED.view.redraw(true)
      return result
    }, id)
    assert.deepEqual(saved.groupBy, ['kind', 'host', 'property:payload.object.name_label', 'property:xo.user.id'])
    assert.deepEqual(saved.silences, [
      { kind: 'window', from: '22:00', to: '06:00', days: [0, 6] },
      { kind: 'maintenance' },
    ])
    assert.equal(saved.valid, true, `invalid: ${JSON.stringify(saved.errors)}`)
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page')
  })

  it('shows every method of an xo-hook node, with descriptions, and its whole "When" choice', async () => {
    const hook = (await deployedFlows()).find((n) => n.type === 'xo-hook')!
    await page.evaluate((id: string) => RED.editor.edit(RED.nodes.node(id)), hook.id)
    const form = page.locator('#dialog-form').last()
    await form.waitFor({ state: 'visible' })
    const methods = (hook.methods as string[]).length
    await page.locator('#xo-hook-catalogue-status', { hasText: /methods/ }).waitFor()
    const list = await page.locator('#node-input-methods-container').evaluate((ol: any) => {
      const box = ol.parentElement.getBoundingClientRect()
      const rows = Array.from(ol.querySelectorAll('li')).map((li: any) => li.getBoundingClientRect())
      return {
        scrolled: ol.parentElement.scrollTop,
        visible: rows.filter((r: any) => r.top >= box.top - 1 && r.bottom <= box.bottom + 1).length,
      }
    })
    assert.equal(list.scrolled, 0, 'the list starts at its first method')
    assert.equal(list.visible, Math.min(methods, 6), `${list.visible} of ${methods} methods in view`)
    const when = await page.locator('#node-input-phase').evaluate((select: any) => {
      const text = select.options[select.selectedIndex].text
      const probe = document.createElement('span')
      probe.style.font = getComputedStyle(select).font
      probe.textContent = text
      document.body.appendChild(probe)
      const needed = probe.getBoundingClientRect().width
      probe.remove()
      return { needed, width: select.clientWidth }
    })
    assert.ok(when.width >= when.needed + 20, `"When" is ${when.width} px for ${Math.round(when.needed)} px of text`)
    const input = page.locator('#node-input-methods-container .xo-hook-method').first()
    await input.fill('vm.sta')
    await input.dispatchEvent('keyup')
    // vm.start has no description in XO's catalogue; vm.stats has one.
    await page
      .locator('.red-ui-autoComplete-container li', { hasText: 'vm.stats — returns statistics' })
      .first()
      .waitFor()
    // A click beside the suggestions closes them first; only then does Cancel reach its button.
    await page.locator('#xo-hook-catalogue-status').click()
    await page.locator('.red-ui-autoComplete-container').waitFor({ state: 'hidden' })
    await page.locator('#node-dialog-cancel').click()
    await form.waitFor({ state: 'detached' })
  })

  it("shows the whole text of every choice and placeholder of each dialog in Node-RED's default 500 px tray", async () => {
    const [serverId] = await serverIds()
    const deployed = await deployedFlows()
    const clipped: string[] = []
    // The deployed nodes of the Start here example, as a newcomer opens them (with their methods, parameters and
    // filters), and a new node of each type of the package's (removed again afterwards).
    const targets: Array<{ type: string; id?: string }> = []
    for (const type of await packageTypes()) {
      const shown = deployed.find((n) => n.type === type)
      if (shown) targets.push({ type, id: shown.id })
      if (type !== 'xo-server') targets.push({ type })
    }
    assert.ok(
      targets.some((t) => t.id === serverId),
      'the deployed xo-server is among the dialogs measured',
    )
    for (const target of targets) {
      const { type } = target
      const id =
        target.id ??
        (await page.evaluate((t: string) => {
          const nodeId = RED.nodes.id()
          RED.view.importNodes([{ id: nodeId, type: t, z: RED.workspaces.active(), x: 700, y: 620 }])
          return nodeId
        }, type))
      const formSelector = type === 'xo-server' ? '#node-config-dialog-edit-form' : '#dialog-form'
      await page.evaluate(
        ([t, nodeId]: string[]) =>
          t === 'xo-server' ? RED.editor.editConfig('', t, nodeId) : RED.editor.edit(RED.nodes.node(nodeId)),
        [type, id],
      )
      const form = page.locator(formSelector)
      await form.waitFor({ state: 'visible' })
      const tray = await form.evaluate((el: HTMLElement) => (el.closest('.red-ui-tray') as HTMLElement).offsetWidth)
      // Node-RED widens a tray to what its content asks (a long line, a list's min-width). Only xo call's parameter
      // lines ask for more, so that a picked object's id shows whole beside its name.
      const widest = type === 'xo-call' ? 600 : 502
      assert.ok(
        tray >= 498 && tray <= widest,
        `the ${target.id ? 'deployed' : 'new'} ${type}'s dialog opens in a tray of ${tray} px, not Node-RED's default 500 px`,
      )
      // A row in each list (subnets, filters, methods, parameters), so that their inputs are measured too.
      for (const add of await form.locator('.red-ui-editableList-addButton').all())
        if (await add.isVisible()) await add.click()

      /** Every select's chosen text and every input's placeholder, visible and wider than the room it has. */
      const measure = () =>
        form.evaluate((root: HTMLElement) => {
          const probe = document.createElement('span')
          probe.style.cssText = 'position:absolute; visibility:hidden; white-space:pre'
          document.body.appendChild(probe)
          const found: string[] = []
          for (const el of Array.from(
            root.querySelectorAll<HTMLInputElement | HTMLSelectElement>('select, input[placeholder]'),
          )) {
            if (el.getClientRects().length === 0 || getComputedStyle(el).visibility === 'hidden') continue
            const select = el instanceof HTMLSelectElement
            const text = select ? (el.options[el.selectedIndex]?.text ?? '') : el.placeholder
            if (text === '') continue
            const style = getComputedStyle(el, select ? null : '::placeholder')
            probe.style.font = style.font
            probe.style.letterSpacing = style.letterSpacing
            probe.textContent = text
            const own = getComputedStyle(el)
            // A select's arrow takes about 20 px of its inner width.
            const room = el.clientWidth - parseFloat(own.paddingLeft) - parseFloat(own.paddingRight) - (select ? 20 : 0)
            const needed = probe.getBoundingClientRect().width
            if (needed > room)
              found.push(
                `${el.id || el.className || el.tagName}: "${text}" needs ${Math.ceil(needed)} px, has ${Math.floor(room)} px`,
              )
          }
          probe.remove()
          return found
        })
      const seen = new Set<string>()
      const check = async () => {
        for (const line of await measure())
          if (!seen.has(line)) seen.add(line), clipped.push(`${target.id ? 'deployed' : 'new'} ${type} ${line}`)
      }
      await check()
      // Each choice of each select, with the rows and placeholders it shows...
      const selects = await form
        .locator('select')
        .evaluateAll((els: HTMLSelectElement[]) => els.map((el) => Array.from(el.options).map((o) => o.value)))
      for (const [index, values] of selects.entries()) {
        for (const value of values) {
          // As a person's choice does (the dialog shows and hides rows on 'change'); a hidden select too.
          await form.evaluate(
            (root: HTMLElement, [i, v]: [number, string]) =>
              $(root.querySelectorAll('select')[i]).val(v).trigger('change'),
            [index, value] as [number, string],
          )
          await check()
        }
      }
      // ...and the rows shown only for a ticked box or a filled field.
      await form.evaluate((root: HTMLElement) =>
        root.querySelectorAll<HTMLElement>('.form-row').forEach((row) => (row.style.display = 'block')),
      )
      await check()

      await page.locator(type === 'xo-server' ? '#node-config-dialog-cancel' : '#node-dialog-cancel').click()
      await form.waitFor({ state: 'detached' })
      if (!target.id) {
        await page.evaluate((nodeId: string) => {
          RED.nodes.remove(nodeId)
          RED.nodes.dirty(false)
          RED.view.redraw(true)
        }, id)
      }
    }
    assert.deepEqual(clipped, [], 'texts cut short in the dialogs')
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page')
  })

  it("explains every field of every dialog in its help, the XO server's XO choice first", async () => {
    const missing: string[] = []
    for (const type of await packageTypes()) {
      const found = await page.evaluate((t: string) => {
        const template = $(`script[data-template-name="${t}"]`).html() as string
        // The dialog's field labels, as the editor translates them (with the node's own catalogue).
        const translate = RED.nodes.getType(t)._ as (key: string) => string
        const labels = $('<div>')
          .html(template)
          .find('.form-row label[for]')
          .map((_i: number, l: HTMLElement) => {
            const key = $(l).find('[data-i18n]').attr('data-i18n')
            return key ? translate(key) : $(l).text().trim()
          })
          .get() as string[]
        const help = $('<div>').html(RED.nodes.getNodeHelp?.(t) ?? $(`script[data-help-name="${t}"]`).html())
        // What the help names: its property terms, and the fields its texts refer to in italics.
        const named = new Set<string>()
        help.find('dt').each((_i: number, dt: HTMLElement) => {
          for (const term of $(dt).clone().children('.property-type').remove().end().text().split(','))
            named.add(term.trim().toLowerCase())
        })
        help.find('dd i, dd b').each((_i: number, i: HTMLElement) => void named.add($(i).text().trim().toLowerCase()))
        const xo = help
          .find('dt')
          .filter((_i: number, dt: HTMLElement) => $(dt).text().trim() === 'XO')
          .next('dd')
          .text()
        return { labels: labels.filter((l) => l !== '' && !named.has(l.toLowerCase())), xo }
      }, type)
      for (const label of found.labels) missing.push(`${type}: "${label}"`)
      if (type === 'xo-server') {
        assert.match(found.xo, /Simulated XO/, 'the xo-server help explains the simulated XO choice')
        assert.match(found.xo, /Your XO/, 'the xo-server help explains the "Your XO" choice')
      }
    }
    assert.deepEqual(missing, [], 'fields without help')
  })

  it('gives a node dropped from the palette the only XO server, and marks a destination without its URL', async () => {
    const only = (await serverIds())[0]
    for (const type of ['xo-events', 'xo-slack']) {
      await page
        .locator(`.red-ui-palette-node[data-palette-type='${type}']`)
        .dragTo(page.locator('#red-ui-workspace-chart'), { targetPosition: { x: 500, y: 600 } })
    }
    const dropped = await page.evaluate(() => {
      const found: Record<string, { server?: string; valid: boolean }> = {}
      RED.nodes.eachNode((n: any) => {
        if ((n.type === 'xo-events' || n.type === 'xo-slack') && n.changed)
          found[n.type] = { server: n.server, valid: n.valid }
      })
      return found
    })
    assert.equal(dropped['xo-events']?.server, only)
    assert.equal(dropped['xo-slack']?.valid, false, 'xo slack with neither URL nor variable is invalid')
    await page.evaluate(() => RED.actions.invoke('core:undo'))
    await page.evaluate(() => RED.actions.invoke('core:undo'))
  })

  it("shows the simulator's XO events in the debug sidebar, without the token", async function () {
    this.timeout(STATUS_TIMEOUT_MS + 15_000)
    const debugIds = (await deployedFlows()).filter((n) => n.type === 'debug' && n.active !== false).map((n) => n.id)
    assert.ok(debugIds.length > 0, 'the demo flow has an active debug node')
    await page.evaluate(() => RED.sidebar.show('debug'))
    // The scenario keeps making XO calls; the demo flow wires the package's nodes to debug nodes.
    const selector = debugIds.map((id) => `.red-ui-debug-msg-node-${id.replace(/\./g, '_')}`).join(', ')
    await page.locator(selector).first().waitFor({ state: 'attached', timeout: STATUS_TIMEOUT_MS })

    const token = deployedToken((await serverIds())[0])
    const leaks = (await Promise.all(received)).filter((b) => b.body.includes(token)).map((b) => b.what)
    assert.deepEqual(leaks, [], 'responses or websocket messages that contain the token')
  })

  it('saves a screenshot for humans in test-results/editor.png', async () => {
    // Let the restart of the flows above finish, so the picture shows the Deploy button, not its spinner.
    await page.locator('.red-ui-deploy-button-spinner').waitFor({ state: 'hidden' })
    mkdirSync(RESULTS, { recursive: true })
    const file = path.join(RESULTS, 'editor.png')
    await page.screenshot({ path: file })
    assert.ok(existsSync(file))
  })
})
