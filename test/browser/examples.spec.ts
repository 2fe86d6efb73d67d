/**
 * The examples as a new user meets them: the demo of `npm start` (its simulated XO and its stand-ins for the
 * destinations), each example imported through the editor's *Import > Examples*, deployed with the Deploy button,
 * then the example's XO action: the destination's stand-in must receive its request.
 */
import assert from 'node:assert/strict'
import { mkdirSync, readdirSync } from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { RpcClient } from '../simulator/helpers'
import { launchBrowser, openEditor, requireChromium, RESULTS, screenshot, type Editor } from '../support/browser'
import { startDemoProcess, type DemoProcess } from '../support/demo-process'
import { waitFor } from '../support/node-red'

declare const RED: any

const MODULE = '@xo-flows/node-red-xen-orchestra'
const EXAMPLES = readdirSync(path.resolve(__dirname, '../../examples'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))

interface Received {
  at: number
  name: string
  title: string
  /** what the stand-in answered */
  status: number
}

/** What each example waits for in XO, and which stand-in (or file) shows that it ran. */
const ACTIONS: Record<string, { standIn: string; act: (xo: Xo) => Promise<unknown> }> = {
  '01': { standIn: 'slack', act: (xo) => xo.createVm('ex-01') },
  '02': { standIn: 'teams', act: (xo) => xo.maintenance() },
  '03': { standIn: 'pagerduty', act: (xo) => xo.stopAndStartHost() },
  '04': { standIn: 'kea', act: (xo) => xo.createVm('ex-04') },
  '05': { standIn: 'billing', act: (xo) => xo.createVm('ex-05') },
  '06': { standIn: 'gitlab', act: (xo) => xo.createVm('ex-06') },
  '07': { standIn: 'db-switch', act: (xo) => xo.migrate() },
  '08': { standIn: 'haproxy', act: (xo) => xo.migrate() },
  '09': { standIn: 'ups', act: (xo) => xo.emergencyStopAndStart() },
  '10': { standIn: 'firewall', act: (xo) => xo.createVm('ex-10') },
  '11': {
    standIn: 'security-slack',
    act: (xo) =>
      xo.call('user.create', { email: `ex-11-${Date.now()}@example.org`, password: 'pw', permission: 'none' }),
  },
  '12': { standIn: 'inventory', act: (xo) => xo.createVm('ex-12') },
  '13': { standIn: 'receiver', act: (xo) => xo.createVm('ex-13') },
}

/** The simulated XO, driven as its web UI would: JSON-RPC, signed in as its admin. */
class Xo {
  private constructor(private readonly rpc: RpcClient) {}

  static async connect(url: string): Promise<Xo> {
    const rpc = await RpcClient.connect(url)
    await rpc.call('session.signIn', { email: 'admin@admin.net', password: 'admin' })
    return new Xo(rpc)
  }

  call(method: string, params: Record<string, unknown>): Promise<unknown> {
    return this.rpc.call(method, params)
  }

  async objects(type: string): Promise<Array<Record<string, any>>> {
    return Object.values(
      (await this.call('xo.getAllObjects', { filter: { type } })) as Record<string, Record<string, unknown>>,
    )
  }

  async createVm(name: string): Promise<unknown> {
    const template = (await this.objects('VM-template')).find((t) => t.name_label === 'Debian 12 template')!
    const networks = (await this.objects('network'))
      .filter((n) => n.$pool === template.$pool && n.bridge !== 'xenapi')
      .slice(0, 2)
    return this.call('vm.create', {
      name_label: name,
      template: template.id,
      VIFs: networks.map((n) => ({ network: n.id })),
    })
  }

  /** The second host of the pool, which the scenario of the simulated XO also uses. */
  async hostB(): Promise<Record<string, any>> {
    const hosts = (await this.objects('host')).sort((a, b) => a.name_label.localeCompare(b.name_label))
    return hosts.find((h) => h.$pool === hosts[0].$pool && h !== hosts[0])!
  }

  async maintenance(): Promise<void> {
    const host = await this.hostB()
    await this.call('host.setMaintenanceMode', { id: host.id, maintenance: true })
    await this.call('host.setMaintenanceMode', { id: host.id, maintenance: false })
  }

  async stopAndStartHost(): Promise<void> {
    const host = await this.hostB()
    await this.call('host.stop', { id: host.id })
    await this.call('host.start', { id: host.id })
  }

  async emergencyStopAndStart(): Promise<void> {
    const host = await this.hostB()
    await this.call('host.emergencyShutdownHost', { host: host.id })
    await this.call('host.start', { id: host.id })
  }

  async migrate(): Promise<void> {
    const vm = (await this.objects('VM')).find((v) => v.power_state === 'Running' && !v.is_control_domain)!
    const target = (await this.objects('host')).find(
      (h) => h.id !== vm.$container && h.$pool === vm.$pool && h.enabled && h.power_state === 'Running',
    )!
    await this.call('vm.migrate', { vm: vm.id, targetHost: target.id })
  }

  close(): Promise<void> {
    return this.rpc.close()
  }
}

describe('examples imported through the editor run where they land', function () {
  this.timeout(240_000)
  let demo: DemoProcess
  let browser: Editor
  let page: Page
  let xo: Xo

  before(async () => {
    requireChromium()
    demo = await startDemoProcess({ timeScale: 0.05 })
    xo = await Xo.connect(demo.xoUrl)
    browser = await launchBrowser()
    page = browser.page
    await openEditor(page, `${demo.url}/`)
  })
  after(async () => {
    await browser?.close()
    await xo?.close()
    await demo?.stop()
  })
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page && !page.isClosed()) {
      await screenshot(page, `examples-failed-${this.currentTest.title}`)
      // A dialog left open would stop every test after this one.
      const cancel = page.locator('#red-ui-clipboard-dialog-cancel')
      if (await cancel.isVisible()) await cancel.click()
    }
  })

  async function picture(name: string, forReadme: boolean, flowOnly = true, target: Page = page): Promise<void> {
    await pictureOf(target, path.join(RESULTS, `${name}.png`), flowOnly)
    if (forReadme && process.env.UPDATE_PICTURES) await pictureOf(target, path.join(DOCS, `${name}.png`), flowOnly)
  }

  /** Pairs of nodes of the shown flow whose boxes overlap, or whose status text runs into another node. */
  async function overlaps(): Promise<string[]> {
    // A string: the test runner names the functions of its sources with a helper the page does not have.
    return page.evaluate(`(() => {
      const boxes = Array.from(document.querySelectorAll('#red-ui-workspace-chart g.red-ui-flow-node')).map((g) => {
        const status = g.querySelector('.red-ui-flow-node-status-label')
        return {
          label: (g.querySelector('.red-ui-flow-node-label-text')?.textContent ?? '').trim(),
          body: g.querySelector('.red-ui-flow-node').getBoundingClientRect(),
          status: status && status.textContent ? status.getBoundingClientRect() : undefined,
        }
      })
      const found = []
      for (const [i, a] of boxes.entries()) {
        for (const [j, b] of boxes.entries()) {
          const meet = (p, q) => p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom
          if (i < j && meet(a.body, b.body)) found.push(a.label + ' on ' + b.label)
          if (i !== j && a.status && meet(a.status, b.body)) found.push('status of ' + a.label + ' under ' + b.label)
        }
      }
      return found
    })()`)
  }

  async function received(): Promise<Received[]> {
    return (await (await fetch(`${demo.standInsUrl}received.json`)).json()) as Received[]
  }

  const workspaces = () =>
    page.evaluate(() => {
      const ids: string[] = []
      RED.nodes.eachWorkspace((w: { id: string }) => void ids.push(w.id))
      return ids
    })

  /** Import > Examples > this package > `name`, as a person clicks it; shows the flow it brought. */
  async function importExample(name: string): Promise<void> {
    const before = await workspaces()
    await page.evaluate(() => RED.actions.invoke('core:show-examples-import-dialog'))
    const tree = page.locator('#red-ui-clipboard-dialog-import-tab-examples')
    const example = tree.locator('.red-ui-treeList-label-text', { hasText: name })
    if (!(await example.isVisible())) await tree.locator('.red-ui-treeList-label-text', { hasText: MODULE }).click()
    await example.click()
    await page.locator('#red-ui-clipboard-dialog-ok').click()
    // The examples share their XO configuration: Node-RED says so, and "Import copy" keeps the one already there.
    const copy = page.locator('.red-ui-notification button', { hasText: 'Import copy' })
    const added = async () => (await workspaces()).find((id) => !before.includes(id))
    await Promise.race([
      copy.waitFor({ state: 'visible', timeout: 5000 }).then(() => copy.click()),
      waitFor(added, { timeoutMs: 5000 }),
    ]).catch(() => {})
    const tab = await waitFor(added, { timeoutMs: 10_000, what: `the flow of ${name}` })
    await page.evaluate((id) => RED.workspaces.show(id), tab)
  }

  async function deploy(): Promise<void> {
    await page.locator('#red-ui-header-button-deploy').click()
    await page.waitForFunction(() => !RED.nodes.dirty())
  }

  it('lists Start here first among the examples', async () => {
    await page.evaluate(() => RED.actions.invoke('core:show-examples-import-dialog'))
    const tree = page.locator('#red-ui-clipboard-dialog-import-tab-examples')
    await tree.locator('.red-ui-treeList-label-text', { hasText: MODULE }).click()
    // The editor asks Node-RED for the module's examples when the folder opens: wait for them.
    await tree.locator('.red-ui-treeList-label-text', { hasText: EXAMPLES.at(-1)! }).waitFor()
    const names = await tree.locator('.red-ui-treeList-label-text').allTextContents()
    const listed = names.slice(names.indexOf(MODULE) + 1).filter((n) => EXAMPLES.includes(n))
    assert.equal(listed[0], '00 Start here - XO events to debug')
    assert.deepEqual(listed, [...EXAMPLES].sort())
    await page.locator('#red-ui-clipboard-dialog-cancel').click()
  })

  for (const name of EXAMPLES.filter((n) => ACTIONS[n.slice(0, 2)])) {
    it(`${name}: imports, deploys and reaches its destination`, async () => {
      await importExample(name)
      await deploy()
      // Every node of the example is known, valid, on one shared XO configuration, and none is misconfigured.
      const problems = await page.evaluate(() => {
        const tab = RED.workspaces.active()
        const found: string[] = []
        let servers = 0
        RED.nodes.eachConfig((n: any) => void (n.type === 'xo-server' && servers++))
        if (servers !== 1) found.push(`${servers} xo-server configuration nodes`)
        RED.nodes.eachNode((n: any) => {
          if (n.z !== tab) return
          if (!RED.nodes.getType(n.type)) found.push(`unknown node ${n.type}`)
          if (n.valid === false) found.push(`invalid ${n.type} ${n.name ?? n.id}`)
        })
        return found
      })
      assert.deepEqual(problems, [])
      const statuses = () =>
        page.evaluate(() => {
          const tab = RED.workspaces.active()
          const texts: string[] = []
          RED.nodes.eachNode(
            (n: any) => void (n.z === tab && n.status?.text && texts.push(`${n.type}: ${n.status.text}`)),
          )
          return texts
        })
      // Connected, and every xo events node has XO's objects: what XO does from now on is an event.
      await waitFor(
        async () => {
          const all = await statuses()
          return all.some((s) => /connected/.test(s)) && !all.some((s) => /^xo-events: (?!connected)/.test(s))
        },
        { timeoutMs: 15_000, what: 'the example connected to XO' },
      )
      assert.deepEqual(
        (await statuses()).filter((s) => /misconfigured|not registered|unreachable/.test(s)),
        [],
      )

      assert.deepEqual(await overlaps(), [], 'nodes and their status texts do not overlap')
      // The visible canvas of a 1920×1080 window at zoom 1 (palette and sidebar open): about 1,400 × 900 pixels.
      const extent = await page.evaluate(() => {
        const tab = RED.workspaces.active()
        let right = 0
        let bottom = 0
        RED.nodes.eachNode((n: any) => {
          if (n.z !== tab) return
          right = Math.max(right, n.x + (n.w ?? 100) / 2)
          bottom = Math.max(bottom, n.y + (n.h ?? 30) / 2)
        })
        for (const g of RED.nodes.groups(tab)) {
          right = Math.max(right, g.x + g.w)
          bottom = Math.max(bottom, g.y + g.h)
        }
        return { right, bottom }
      })
      assert.ok(
        extent.right <= 1400 && extent.bottom <= 900,
        `the flow spans ${Math.round(extent.right)} × ${Math.round(extent.bottom)} px`,
      )

      const { standIn, act } = ACTIONS[name.slice(0, 2)]
      const started = Date.now()
      await act(xo)
      if (standIn === 'inventory') {
        await waitFor(async () => /ex-12/.test(await (await fetch(demo.standInsUrl!)).text()), {
          timeoutMs: 20_000,
          what: 'the inventory file written',
        })
      } else {
        // (an xo digest in front of the destination sends a group's first message 10 s after it: its group wait)
        await waitFor(async () => (await received()).some((r) => r.name === standIn && r.at >= started), {
          timeoutMs: 30_000,
          what: `the ${standIn} stand-in reached`,
        }).catch(async (error: Error) => {
          throw new Error(
            `${error.message}; received: ${JSON.stringify((await received()).map((r) => r.title))}; statuses: ${JSON.stringify(await statuses())}`,
          )
        })
      }
      await picture(`example-${name.slice(0, 2)}`, PICTURES.includes(name.slice(0, 2)))
    })
  }

  it("13 Outbox: a request waits while its stand-in is down and goes once it is back; one refused for good is a dead letter, sent again from the operator's view", async () => {
    const outbox = await page.evaluate(() => {
      let found: { id: string; z: string } | undefined
      RED.nodes.eachNode((n: any) => void (n.type === 'xo-outbox' && n.name === 'receiver outbox' && (found = n)))
      if (found) RED.workspaces.show(found.z)
      return found?.id
    })
    assert.ok(outbox, 'example 13 is deployed (the test before imports it)')
    const status = () => page.evaluate((id) => (RED.nodes.node(id)?.status?.text as string | undefined) ?? '', outbox)
    const mode = async (name: string) => {
      const set = await fetch(`${demo.standInsUrl}_modes/receiver`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mode: name }),
      })
      assert.equal(set.status, 200)
    }
    const answered = async (since: number, code: number) =>
      (await received()).some((r) => r.name === 'receiver' && r.at >= since && r.status === code)
    const until = (what: string, check: () => Promise<boolean>) => waitFor(check, { timeoutMs: 30_000, what })
    try {
      await mode('unavailable')
      let since = Date.now()
      await xo.createVm('ex-13-down')
      await until('a 503 from the stand-in', () => answered(since, 503))
      await until('the request waiting in the outbox', async () => /^1 waiting$/.test(await status()))
      await mode('normal')
      await until('the request delivered once the stand-in is back', () => answered(since, 200))
      await until('nothing left in the outbox', async () => /^nothing waiting$/.test(await status()))

      await mode('refusing')
      since = Date.now()
      await xo.createVm('ex-13-refused')
      await until('the dead letter', async () => /1 failed for good$/.test(await status()))
      // The operator's view (the editor's XO tab) shows it, with the stand-in's answer; Retry now sends it again.
      await page.evaluate(() => RED.sidebar.show('xo-operator'))
      const dead = page.locator(`.xo-operator [data-outbox="${outbox}"] .xo-op-entry.xo-op-dead`)
      await dead.first().waitFor({ timeout: 15_000 })
      assert.match(await dead.first().innerText(), /ex-13-refused[\s\S]*dead: .*404/)
      await mode('normal')
      since = Date.now()
      await dead.first().getByRole('button', { name: 'Retry now' }).click()
      await until('the dead letter delivered', () => answered(since, 200))
      await until('nothing left in the outbox', async () => /^nothing waiting$/.test(await status()))
      await dead.first().waitFor({ state: 'detached', timeout: 15_000 })
    } finally {
      await mode('normal')
      await page.evaluate(() => RED.sidebar.show('info'))
    }
  })

  it('shows the demo: the events of the simulated XO in the debug sidebar, in one line each; and what the stand-ins received', async () => {
    await page.evaluate(() => {
      let tab = ''
      RED.nodes.eachWorkspace((w: { id: string; label: string }) => void (w.label === 'XO events' && (tab = w.id)))
      RED.workspaces.show(tab)
      RED.sidebar.show('debug')
    })
    await xo.createVm('demo-picture')
    await page.locator('.red-ui-debug-msg-payload', { hasText: 'created VM demo-picture' }).first().waitFor()
    assert.equal(
      await page.locator('.red-ui-debug-msg-payload', { hasText: /[0-9a-f]{8}-[0-9a-f]{4}-/ }).count(),
      0,
      'names, not ids',
    )
    await picture('demo', true, false)
    const standIns = await browser.context.newPage()
    await standIns.goto(demo.standInsUrl!)
    await standIns.locator('#received li').first().waitFor()
    await picture('stand-ins', true, false, standIns)
    await standIns.close()
  })
})

// The pictures in the README, taken from the real editor: written to docs/images with UPDATE_PICTURES=1.
const PICTURES = ['01', '04', '08']
const DOCS = path.resolve(__dirname, '../../docs/images')

/**
 * A picture of the current flow (palette and sidebar closed, zoomed out, notifications hidden, so that the flow has
 * the room) or of a page.
 */
async function pictureOf(target: Page, file: string, flowOnly: boolean): Promise<void> {
  const hide = target.url().includes('/stand-ins')
    ? undefined
    : await target.addStyleTag({ content: '.red-ui-notification { display: none !important }' })
  if (flowOnly) {
    await target.evaluate(() => {
      RED.menu.setSelected('menu-item-palette', false)
      RED.menu.setSelected('menu-item-sidebar', false)
      for (let i = 0; i < 3; i++) RED.actions.invoke('core:zoom-out')
    })
    // The panels slide away: the picture waits until the workspace has stopped moving.
    await target.waitForFunction(
      `(() => {
        const box = JSON.stringify(document.getElementById('red-ui-workspace').getBoundingClientRect())
        const same = window.__lastWorkspaceBox === box
        window.__lastWorkspaceBox = box
        return same
      })()`,
      undefined,
      { polling: 100 },
    )
    await target.evaluate(() => document.getElementById('red-ui-workspace-chart')!.scrollTo(0, 0))
  }
  mkdirSync(path.dirname(file), { recursive: true })
  await target.screenshot({ path: file })
  if (flowOnly) {
    await target.evaluate(() => {
      RED.actions.invoke('core:zoom-reset')
      RED.menu.setSelected('menu-item-palette', true)
      RED.menu.setSelected('menu-item-sidebar', true)
    })
  }
  await hide?.evaluate((style) => (style as unknown as { remove(): void }).remove())
}
