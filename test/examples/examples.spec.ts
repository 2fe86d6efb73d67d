import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { verifyStandardWebhook } from '../../src/destinations/cloudevents'
import type { XoSimulator } from '../../src/simulator'
import { EXAMPLES, ExampleRun, Sink } from '../support/examples'
import { waitFor } from '../support/node-red'

const json = (body: string) => JSON.parse(body) as Record<string, any>
// What the examples' digests say is tested on shorter timers than theirs (a first wait of 10 s; example 03's resolve
// comes a group interval, 1 min, after its trigger); the browser test deploys every example as it ships.
const SHORT_DIGEST = { groupWait: 3, groupInterval: 10 }
const SECRET = `whsec_${Buffer.from('a test secret of 32 bytes, fine.').toString('base64')}`

describe('example flows, as they ship', function () {
  this.timeout(90_000)
  let run: ExampleRun | undefined
  let sink: Sink
  let dir: string

  beforeEach(async () => {
    sink = await new Sink().start()
    dir = mkdtempSync(path.join(tmpdir(), 'xo-examples-'))
  })
  afterEach(async () => {
    await run?.stop()
    run = undefined
    await sink.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const start = async (file: string, env: Record<string, string>, options?: Parameters<typeof ExampleRun.start>[2]) =>
    (run = await ExampleRun.start(file, env, options))
  /**
   * Before Node-RED starts: `count` VMs running on the host (the pool's halted VMs started on it, running ones
   * migrated to it), as a host carries them on the night it is evacuated.
   */
  const crowd = (hostName: string, count: number) => async (sim: XoSimulator) => {
    const objs = () => [...sim.objects.values()]
    const host = objs().find((o) => o.type === 'host' && o.name_label === hostName)
    const guests = () => sim.objects.get(host.id).residentVms.filter((v: string) => sim.objects.get(v).type === 'VM')
    for (const vm of objs().filter((o) => o.type === 'VM' && o.$pool === host.$pool)) {
      if (guests().length >= count) break
      if (vm.power_state === 'Halted') await sim.invoke('vm.start', { id: vm.id, host: host.id })
      else if (vm.$container !== host.id) await sim.invoke('vm.migrate', { vm: vm.id, targetHost: host.id })
    }
    assert.equal(guests().length, count, `${count} VMs on ${hostName}`)
  }
  /** The xo digest's settings in the example (its group interval bounds when a group's next message may come). */
  const digestOf = (r: ExampleRun) =>
    r.nodes.find((n) => n.type === 'xo-digest') as unknown as { groupWait: number; groupInterval: number }
  const createVm = (r: ExampleRun, name: string) => {
    const template = r.object('VM-template', 'Debian 12 template')
    const networks = [...r.sim.objects.values()].filter((o) => o.type === 'network' && /eth0|DMZ/.test(o.name_label))
    return r.sim.invoke('vm.create', {
      name_label: name,
      template: template.id,
      VIFs: networks.map((n) => ({ network: n.id })),
    }) as Promise<string>
  }

  const sharedSr = (r: ExampleRun): string =>
    [...r.sim.objects.values()].find((o) => o.type === 'SR' && o.SR_type === 'nfs').id
  /** Every other way XO makes a VM from `vmId` (halted): clone, copy, restore of a backup, import of an upload. */
  const otherBirths = async (
    r: ExampleRun,
    vmId: string,
    prefix: string,
  ): Promise<Record<'clone' | 'copy' | 'restored' | 'imported', string>> => {
    const sr = sharedSr(r)
    const clone = (await r.sim.invoke('vm.clone', { id: vmId, name: `${prefix}-clone`, full_copy: false })) as string
    const copy = (await r.sim.invoke('vm.copy', { vm: vmId, sr, name: `${prefix}-copy` })) as string
    const restored = (await r.sim.invoke('backupNg.importVmBackup', {
      id: r.sim.takeVmBackup(vmId),
      sr,
      settings: {},
    })) as string
    const networks = (r.sim.objects.get(vmId).VIFs as string[]).map((v) => r.sim.objects.get(v).$network)
    const { $sendTo } = (await r.sim.invoke('vm.import', {
      sr,
      data: { nameLabel: `${prefix}-import`, networks },
    })) as { $sendTo: string }
    const upload = await fetch(r.sim.url + $sendTo, { method: 'POST', body: Buffer.alloc(4096, 1) })
    const imported = ((await upload.json()) as { result: string }).result
    return { clone, copy, restored, imported }
  }
  const hostOther = (r: ExampleRun, than: string) =>
    [...r.sim.objects.values()].find((o) => o.type === 'host' && o.id !== than && o.power_state === 'Running')

  it('every package node type (but the configuration) is used by an example', () => {
    const pkg = JSON.parse(readFileSync(path.join(EXAMPLES, '../package.json'), 'utf8'))
    const html = Object.values(pkg['node-red'].nodes as Record<string, string>).map((js) =>
      readFileSync(path.join(EXAMPLES, '..', js.replace(/\.js$/, '.html')), 'utf8'),
    )
    const types = html
      .flatMap((h) => [...h.matchAll(/registerType\('(xo-[a-z-]+)'/g)].map((m) => m[1]))
      .filter((t) => t !== 'xo-server')
    const used = new Set(
      readdirSync(EXAMPLES)
        .filter((f) => f.endsWith('.json'))
        .flatMap((f) =>
          (JSON.parse(readFileSync(path.join(EXAMPLES, f), 'utf8')) as Array<{ type: string }>).map((n) => n.type),
        ),
    )
    assert.deepEqual(
      types.filter((t) => !used.has(t)),
      [],
    )
  })

  it('01 Slack: every VM that comes into being, that stops running, however it happens, one message per burst; never a snapshot', async () => {
    const r = await start('01 Slack - VM created, shut down or moved.json', {
      SLACK_WEBHOOK_URL: `${sink.url}/slack/T1/B1/x`,
    })
    await r.eventsReady()
    const bodies = () => sink.on('/slack').map((q) => q.body)
    /**
     * a Slack message naming the VM (not one whose name it begins: slack-vm-clone is not slack-vm) and saying what
     * happened to it (xo digest lists each VM of its group)
     */
    const told = (vm: string, what: string) => {
      const named = new RegExp(`${vm.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`)
      return bodies().some((b) => named.test(b) && b.includes(what))
    }
    const until = (vm: string, what: string) =>
      waitFor(() => told(vm, what), {
        timeoutMs: 45_000,
        what: `a Slack message: ${vm} ${what}; got ${JSON.stringify(bodies())}`,
      })
    // Created, cloned, copied, restored from a backup, imported, one after the other: one burst of VMs that came
    // into being, one group (kind and pool), one message.
    const id = await createVm(r, 'slack-vm')
    const born = await otherBirths(r, id, 'slack-vm')
    // A snapshot taken and deleted (vm.delete deletes snapshots too) is no VM created or gone.
    const snapshot = (await r.sim.invoke('vm.snapshot', { id, name: 'slack-vm-snap' })) as string
    await r.sim.invoke('vm.delete', { id: snapshot })
    const names = [id, ...Object.values(born)].map((vm) => r.sim.objects.get(vm).name_label as string)
    for (const name of names) await until(name, 'created')
    const created = sink.on('/slack').filter((q) => q.body.includes('created'))
    assert.equal(created.length, 1, `one message for the five VMs created; got ${JSON.stringify(bodies())}`)
    const [first] = sink.on('/slack')
    assert.equal(first.method, 'POST')
    assert.match(String(first.headers['content-type']), /^application\/json/)
    const body = json(first.body)
    assert.ok(Array.isArray(body.blocks) && body.blocks.length > 0 && body.blocks.length <= 50)
    assert.equal(body.blocks[0].type, 'header')
    assert.ok(body.blocks[0].text.text.length <= 150)
    // Stopped from inside the guest, by a host that lost power, suspended by an emergency shutdown: no API call
    // says so, XO's objects do.
    await r.sim.invoke('vm.start', { id: born.copy })
    await r.sim.guestShutdown(born.copy)
    const host = hostOther(r, '')!.id
    await r.sim.invoke('vm.start', { id: born.clone, host })
    await r.sim.hostPowerLoss(host)
    await r.sim.invoke('host.start', { id: host })
    await r.sim.invoke('vm.start', { id: born.imported, host })
    await r.sim.invoke('host.emergencyShutdownHost', { host })
    await r.sim.invoke('vm.stop', { id: born.restored, force: true }).catch(() => {}) // halted already: XO refuses, nothing to say
    await until('slack-vm-copy', 'stopped')
    await until('slack-vm-clone', 'stopped')
    await until('slack-vm-import', 'suspended')
    assert.deepEqual(
      bodies().filter((b) => /snap/.test(b)),
      [],
      'nothing about the snapshot',
    )
  })

  it('01 Slack: a host evacuated with 50 VMs on it is one Slack message, not fifty', async function () {
    this.timeout(120_000)
    const r = await start(
      '01 Slack - VM created, shut down or moved.json',
      { SLACK_WEBHOOK_URL: `${sink.url}/slack/T1/B1/x` },
      { size: 50, prepare: crowd('xcp-host-2', 50) },
    )
    await r.eventsReady()
    const host = r.object('host', 'xcp-host-2')
    const moved: string[] = host.residentVms.filter((v: string) => r.sim.objects.get(v).type === 'VM')
    // XO's maintenance mode: the host disabled, XAPI migrates its VMs one by one (no vm.migrate call), then back.
    await r.sim.invoke('host.setMaintenanceMode', { id: host.id, maintenance: true })
    for (const vm of moved) assert.notEqual(r.sim.objects.get(vm).$container, host.id)
    await r.sim.invoke('host.setMaintenanceMode', { id: host.id, maintenance: false })
    // A VM stopping afterwards is a group of its own, sent a group wait after it: once its message is in, a second
    // message of the evacuation (a burst split in two) would be too.
    const last = r.sim.objects.get(moved.at(-1)!).name_label as string
    await r.sim.guestShutdown(moved.at(-1)!)
    const bodies = () => sink.on('/slack').map((q) => q.body)
    await waitFor(() => bodies().some((b) => b.includes(last) && b.includes('stopped')), {
      timeoutMs: (digestOf(r).groupWait + 40) * 1000,
      what: `the message of ${last} stopped; got ${JSON.stringify(bodies())}`,
    })
    const evacuation = bodies().filter((b) => b.includes('migrated'))
    assert.equal(evacuation.length, 1, `one message for the evacuation; got ${JSON.stringify(bodies())}`)
    // it says how many, and names the first ones
    assert.match(evacuation[0], /\b50\b|\b49 other/)
    assert.ok(evacuation[0].includes(r.sim.objects.get(moved[0]).name_label))
    assert.equal(sink.on('/slack').length, 2)
  })

  it('03 PagerDuty: a host shut down pages, its return resolves, a migration is a change event', async function () {
    const r = await start(
      '03 PagerDuty - host shutdowns and VM migrations.json',
      { PAGERDUTY_ROUTING_KEY: 'a'.repeat(32), PAGERDUTY_EVENTS_URL: sink.url },
      { digestTimers: SHORT_DIGEST },
    )
    sink.answer(() => ({
      status: 202,
      headers: { 'content-type': 'application/json' },
      body: '{"status":"success","message":"Event processed"}',
    }))
    await r.hooksRegistered(['host.stop', 'host.start', 'vm.migrate'])
    await r.eventsReady()
    // xo digest sends a group's first message a group wait after it, what follows at most once a group interval
    const { groupWait, groupInterval } = digestOf(r)
    const first = (groupWait + 20) * 1000
    const next = (groupInterval + 30) * 1000
    this.timeout(3 * first + 2 * next)
    const host = r.object('host', 'xcp-host-2')
    await r.sim.invoke('host.stop', { id: host.id })
    const [trigger] = await sink.until(1, '/v2/enqueue', first)
    const t = json(trigger.body)
    assert.equal(t.event_action, 'trigger')
    assert.equal(t.routing_key, 'a'.repeat(32))
    assert.ok(typeof t.dedup_key === 'string' && t.dedup_key.length > 0 && t.dedup_key.length <= 255)
    assert.match(t.payload.summary, /xcp-host-2/)
    assert.ok(t.payload.summary.length <= 1024)
    assert.ok(['critical', 'error'].includes(t.payload.severity))
    await r.sim.invoke('host.start', { id: host.id })
    // The call (xo hook) and the host's power state (xo events) both say it: one incident, one key.
    const resolved = () =>
      sink
        .on('/v2/enqueue')
        .map((q) => json(q.body))
        .filter((b) => b.event_action === 'resolve')
    await waitFor(() => resolved().length > 0, { timeoutMs: next, what: 'the resolve' })
    assert.deepEqual(new Set(sink.on('/v2/enqueue').map((q) => json(q.body).dedup_key)), new Set([t.dedup_key]))
    // A host lost without any call (power cut, crash) pages too, and its return resolves.
    const lost = host
    const before = sink.on('/v2/enqueue').length
    await r.sim.hostPowerLoss(lost.id)
    await waitFor(
      () =>
        sink
          .on('/v2/enqueue')
          .slice(before)
          .some((q) => json(q.body).event_action === 'trigger'),
      { timeoutMs: next, what: 'the power loss paged' },
    )
    const lostTrigger = sink
      .on('/v2/enqueue')
      .slice(before)
      .map((q) => json(q.body))
      .find((b) => b.event_action === 'trigger')!
    // the same host, the same group: the same incident key
    assert.equal(lostTrigger.dedup_key, t.dedup_key)
    await r.sim.invoke('host.start', { id: lost.id })
    await waitFor(
      () =>
        sink
          .on('/v2/enqueue')
          .slice(before)
          .some((q) => json(q.body).event_action === 'resolve' && json(q.body).dedup_key === lostTrigger.dedup_key),
      { timeoutMs: next, what: 'its return resolved' },
    )
    const web = r.object('VM', 'web-01')
    const target = [...r.sim.objects.values()].find((o) => o.type === 'host' && o.id !== web.$container)
    await r.sim.invoke('vm.migrate', { vm: web.id, targetHost: target.id })
    const [change] = await sink.until(1, '/v2/change/enqueue', next)
    assert.match(json(change.body).payload.summary, /web-01/)
    assert.equal(json(change.body).event_action, undefined)
  })

  it('03 PagerDuty: a host shut down with 50 VMs on it (evacuated first) is one alert, then its resolve', async function () {
    const r = await start(
      '03 PagerDuty - host shutdowns and VM migrations.json',
      { PAGERDUTY_ROUTING_KEY: 'a'.repeat(32), PAGERDUTY_EVENTS_URL: sink.url },
      { size: 50, prepare: crowd('xcp-host-2', 50), digestTimers: SHORT_DIGEST },
    )
    sink.answer(() => ({
      status: 202,
      headers: { 'content-type': 'application/json' },
      body: '{"status":"success","message":"Event processed"}',
    }))
    await r.hooksRegistered(['host.stop', 'host.start', 'vm.migrate'])
    await r.eventsReady()
    const { groupWait, groupInterval } = digestOf(r)
    this.timeout((groupWait + 2 * groupInterval + 90) * 1000)
    const host = r.object('host', 'xcp-host-2')
    // host.stop: the host disabled, its 50 VMs migrated away by XAPI (no vm.migrate call), then the host halted.
    // What someone asked (the call) and what the host did (down) are one group, the host's.
    await r.sim.invoke('host.stop', { id: host.id })
    const events = () => sink.on('/v2/enqueue').map((q) => json(q.body))
    await waitFor(() => events().some((e) => e.event_action === 'trigger'), {
      timeoutMs: (groupWait + 20) * 1000,
      what: 'the alert',
    })
    await r.sim.invoke('host.start', { id: host.id })
    await waitFor(() => events().some((e) => e.event_action === 'resolve'), {
      timeoutMs: (groupInterval + 30) * 1000,
      what: `the resolve; got ${JSON.stringify(events().map((e) => e.event_action))}`,
    })
    assert.deepEqual(
      events().map((e) => e.event_action),
      ['trigger', 'resolve'],
    )
    const [trigger, resolve] = events()
    assert.equal(resolve.dedup_key, trigger.dedup_key)
    assert.match(trigger.payload.summary, /xcp-host-2/)
    assert.deepEqual(sink.on('/v2/change'), [], "the evacuation's migrations are the host's alert, not change events")
  })

  it('03 PagerDuty with a ruleset key: the change events it cannot send are counted in its status, not lost in silence', async () => {
    const r = await start(
      '03 PagerDuty - host shutdowns and VM migrations.json',
      { PAGERDUTY_ROUTING_KEY: 'R0123456789ABCDEFGHIJKLMNOPQRSTU', PAGERDUTY_EVENTS_URL: sink.url },
      { digestTimers: SHORT_DIGEST },
    )
    sink.answer(() => ({ status: 202, headers: { 'content-type': 'application/json' }, body: '{"status":"success"}' }))
    await r.hooksRegistered(['vm.migrate'])
    const web = r.object('VM', 'web-01')
    await r.sim.invoke('vm.migrate', { vm: web.id, targetHost: hostOther(r, web.$container)!.id })
    const status = await r.waitForStatus(
      'xo-pagerduty',
      (st) => /1 not for PagerDuty change events/.test(st.text ?? ''),
      undefined,
      (digestOf(r).groupWait + 20) * 1000,
    )
    assert.match(status.text!, /^0 requests · 1 not for PagerDuty change events \(ruleset key\)$/)
    assert.deepEqual(sink.on('/v2/change'), [])
  })

  it('04 Kea: reservations added for a new VM in order (delete, add), removed when it is deleted', async () => {
    const r = await start('04 Kea DHCP - reservations for new VMs.json', {
      KEA_URL: `${sink.url}/kea`,
      KEA_PASSWORD: 'kea-pw',
    })
    let restarting = true
    sink.answer((req) => {
      const command = json(req.body).command
      // Kea restarting as the first reservation is added: the outbox sends that command again.
      if (command === 'reservation-add' && restarting) {
        restarting = false
        return { status: 503, body: 'Kea is restarting' }
      }
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          command === 'reservation-del'
            ? { result: 3, text: 'Host not deleted (not found).' }
            : { result: 0, text: 'Host added.' },
        ]),
      }
    })
    await r.hooksRegistered(['vm.create', 'vm.clone', 'vm.copy', 'backupNg.importVmBackup', 'vm.delete'])
    const id = await createVm(r, 'kea-vm.example')
    const requests = await sink.until(5, '/kea')
    const commands = requests.map((q) => json(q.body))
    assert.deepEqual(
      commands.map((c) => c.command),
      ['reservation-del', 'reservation-add', 'reservation-add', 'reservation-del', 'reservation-add'],
    )
    // The command refused while Kea restarted went again under the same key; each other command had its own.
    const keys = requests.map((q) => q.headers['idempotency-key'])
    assert.equal(keys[2], keys[1])
    assert.equal(new Set(keys).size, 4)
    assert.equal(requests[0].headers.authorization, `Basic ${Buffer.from('kea-api:kea-pw').toString('base64')}`)
    const vifs = (r.sim.objects.get(id).VIFs as string[]).map((v) => r.sim.objects.get(v))
    const adds = commands
      .slice(2)
      .filter((c) => c.command === 'reservation-add')
      .map((c) => c.arguments.reservation)
    assert.deepEqual(adds.map((a) => a['hw-address']).sort(), vifs.map((v) => v.MAC.toLowerCase()).sort())
    assert.deepEqual(adds.map((a) => a['subnet-id']).sort(), [1, 2])
    assert.ok(adds.every((a) => /^kea-vm/.test(a.hostname) && !a.hostname.includes('.')))
    // each command left only after the previous answer
    assert.ok(requests.every((q, i) => i === 0 || q.at >= requests[i - 1].at))
    const macsOf = (vm: string) =>
      (r.sim.objects.get(vm).VIFs as string[]).map((v) => r.sim.objects.get(v).MAC.toLowerCase()).sort()
    const vmMacs = macsOf(id)
    // A snapshot carries its VM's MAC addresses: deleting it (vm.delete) must leave the VM's reservations alone.
    const snapshot = (await r.sim.invoke('vm.snapshot', { id, name: 'kea-vm-snap' })) as string
    assert.deepEqual(macsOf(snapshot), vmMacs)
    await r.sim.invoke('vm.delete', { id: snapshot })
    await r.waitForStatus('xo-kea', (st) => /· 1 snapshot, not a VM/.test(st.text ?? ''))
    // A clone gets reservations for its own MAC addresses, not those of the VM it came from.
    const clone = (await r.sim.invoke('vm.clone', { id, name: 'kea-clone', full_copy: false })) as string
    const cloned = await sink.until(9, '/kea')
    const cloneAdds = cloned
      .slice(5)
      .map((q) => json(q.body))
      .filter((c) => c.command === 'reservation-add')
      .map((c) => c.arguments.reservation['hw-address'])
    assert.deepEqual(cloneAdds.sort(), macsOf(clone))
    assert.equal(cloneAdds.filter((mac: string) => vmMacs.includes(mac)).length, 0)
    // A restored backup keeps the MACs of the VM backed up, which still runs: its reservations stay that VM's,
    // when the restored VM comes and when it goes.
    const restored = (await r.sim.invoke('backupNg.importVmBackup', {
      id: r.sim.takeVmBackup(id),
      sr: sharedSr(r),
      settings: {},
    })) as string
    assert.deepEqual(macsOf(restored), vmMacs)
    await r.waitForStatus('xo-kea', (st) => /· 1 with the MACs of another VM/.test(st.text ?? ''))
    await r.sim.invoke('vm.delete', { id: restored })
    await r.waitForStatus('xo-kea', (st) => /· 2 with the MACs of another VM/.test(st.text ?? ''))
    await r.sim.invoke('vm.delete', { id })
    const after = await sink.until(11, '/kea')
    // The first deletions Kea sees are those of the VM itself: none came from its snapshot.
    const deleted = after.slice(9).map((q) => json(q.body))
    assert.deepEqual(
      deleted.map((c) => c.command),
      ['reservation-del', 'reservation-del'],
    )
    assert.deepEqual(deleted.map((c) => c.arguments.identifier).sort(), vmMacs)
    assert.equal(sink.on('/kea').length, 11)
  })

  it('05 Billing: a signed CloudEvent for every VM that comes into being or goes away, never for a snapshot', async () => {
    const r = await start('05 Billing - signed CloudEvents for VMs.json', {
      BILLING_URL: `${sink.url}/billing`,
      BILLING_SIGNING_SECRET: SECRET,
    })
    await r.eventsReady()
    const events = () => sink.on('/billing').map((q) => json(q.body))
    const until = (type: string, subject: string) =>
      waitFor(() => events().find((e) => e.type === type && e.subject === subject), {
        timeoutMs: 30_000,
        what: `${type} of ${subject}; got ${JSON.stringify(events().map((e) => [e.type, e.subject]))}`,
      })
    const id = await createVm(r, 'billed-vm')
    const created = await until('net.example.xo.VM.created', id)
    const [request] = sink.on('/billing')
    assert.match(String(request.headers['content-type']), /^application\/cloudevents\+json/)
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]))
    assert.ok(verifyStandardWebhook(headers, request.body, SECRET), 'the signature covers the exact bytes received')
    assert.equal(created.specversion, '1.0')
    assert.equal(headers['webhook-id'], created.id)
    // who made it, as XO recorded it with the VM
    assert.equal(created.data.user.id, r.sim.objects.get(id).creation.user)
    for (const vm of Object.values(await otherBirths(r, id, 'billed'))) await until('net.example.xo.VM.created', vm)
    const snapshot = (await r.sim.invoke('vm.snapshot', { id, name: 'billed-snap' })) as string
    await r.sim.invoke('vm.delete', { id: snapshot })
    await r.sim.invoke('vm.delete', { id })
    await until('net.example.xo.VM.removed', id)
    assert.deepEqual(
      events().filter((e) => e.subject === snapshot),
      [],
      'a snapshot deleted is no VM gone',
    )
  })

  it('07 HA database: XO waits for the master switch before migrating', async () => {
    const r = await start('07 HA database - switch master before migration.json', {
      DB_SWITCH_URL: `${sink.url}/switch`,
    })
    sink.answer((req) => (req.url.startsWith('/switch') ? { status: 200, body: '{}', delayMs: 400 } : undefined))
    await r.hooksRegistered(['vm.migrate'])
    const web = r.object('VM', 'web-01')
    const target = [...r.sim.objects.values()].find((o) => o.type === 'host' && o.id !== web.$container)
    await r.sim.invoke('vm.migrate', { vm: web.id, targetHost: target.id })
    const returned = Date.now()
    const [request] = sink.on('/switch')
    assert.ok(request, 'the switch was asked for')
    assert.deepEqual(json(request.body), { vm: 'web-01', vmId: web.id, to: target.name_label })
    assert.ok(returned >= request.at + 400, 'XO returned only after the switch was answered')
    // …and at once after it, not when the gate gave up (8 s): xo proceed lets XO go on.
    assert.ok(
      returned < request.at + 400 + 2000,
      `XO went on ${returned - request.at - 400} ms after the switch answered`,
    )
  })

  it('02 Teams: an Adaptive Card for a host operation', async () => {
    const r = await start(
      '02 Teams - host operations.json',
      { TEAMS_WEBHOOK_URL: `${sink.url}/teams?sig=x` },
      { digestTimers: SHORT_DIGEST },
    )
    sink.answer(() => ({ status: 202, body: '' }))
    await r.hooksRegistered(['host.setMaintenanceMode'])
    const host = r.object('host', 'xcp-host-2')
    await r.sim.invoke('host.setMaintenanceMode', { id: host.id, maintenance: true })
    const [request] = await sink.until(1, '/teams', (digestOf(r).groupWait + 20) * 1000)
    const body = json(request.body)
    assert.equal(body.type, 'message')
    assert.equal(body.attachments[0].contentType, 'application/vnd.microsoft.card.adaptive')
    assert.equal(body.attachments[0].content.version, '1.4')
    assert.match(JSON.stringify(body.attachments[0].content.body), /xcp-host-2/)
    assert.ok(Buffer.byteLength(request.body) < 28 * 1024)
  })

  it('06 CI/CD: xo call creates a VM, XO shows it and a GitLab pipeline starts; a clone starts one too', async () => {
    const r = await start('06 CI-CD - pipeline when a VM is created.json', {
      GITLAB_URL: `${sink.url}/gitlab`,
      CI_TRIGGER_TOKEN: 'glptt-test',
    })
    sink.answer(() => ({ status: 201, headers: { 'content-type': 'application/json' }, body: '{"id":1}' }))
    await r.eventsReady()
    const flows = (await (await fetch(`${r.url}/flows`)).json()) as Array<{ id: string; type: string }>
    const inject = flows.find((n) => n.type === 'inject')!
    const template = r.object('VM-template', 'Debian 12 template')
    // The person clicks the inject button, with the template they picked.
    const clicked = await fetch(`${r.url}/inject/${inject.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        __user_inject_props__: [{ p: 'payload', v: JSON.stringify({ template: template.id }), vt: 'json' }],
      }),
    })
    assert.equal(clicked.status, 200)
    const [request] = await sink.until(1, '/gitlab')
    assert.equal(request.url, '/gitlab/api/v4/projects/infra%2Fprovisioning/trigger/pipeline')
    const body = json(request.body)
    assert.equal(body.token, 'glptt-test')
    assert.equal(body.ref, 'main')
    assert.equal(body.variables.XO_VM_NAME, 'ci-test-vm')
    assert.equal(r.sim.objects.get(body.variables.XO_VM_ID)?.name_label, 'ci-test-vm')
    const clone = (await r.sim.invoke('vm.clone', {
      id: body.variables.XO_VM_ID,
      name: 'ci-test-clone',
      full_copy: false,
    })) as string
    const [, second] = await sink.until(2, '/gitlab')
    assert.equal(json(second.body).variables.XO_VM_ID, clone)
  })

  it('08 HAProxy: drained before the migration (XO waits), ready after', async () => {
    const r = await start('08 HAProxy - drain before migration, ready after.json', {
      HAPROXY_URL: `${sink.url}/lb`,
      HAPROXY_PASSWORD: 'lb-pw',
    })
    sink.answer((req) => (req.url.startsWith('/lb') ? { status: 200, body: '{}', delayMs: 300 } : undefined))
    await r.hooksRegistered(['vm.migrate'])
    const web = r.object('VM', 'web-01')
    const target = [...r.sim.objects.values()].find((o) => o.type === 'host' && o.id !== web.$container)
    await r.sim.invoke('vm.migrate', { vm: web.id, targetHost: target.id })
    const returned = Date.now()
    const requests = await sink.until(2, '/lb')
    assert.deepEqual(
      requests.map((q) => [q.method, q.url, json(q.body).admin_state]),
      [
        ['PUT', '/lb/v3/services/haproxy/runtime/backends/web/servers/web-01', 'drain'],
        ['PUT', '/lb/v3/services/haproxy/runtime/backends/web/servers/web-01', 'ready'],
      ],
    )
    assert.equal(requests[0].headers.authorization, `Basic ${Buffer.from('admin:lb-pw').toString('base64')}`)
    assert.ok(returned >= requests[0].at + 300, 'XO migrated only after the drain was answered')
    assert.ok(
      returned < requests[0].at + 300 + 2000,
      `XO went on ${returned - requests[0].at - 300} ms after the drain answered`,
    )
    assert.ok(requests[1].at >= requests[0].at + 300)
  })

  it('09 UPS: a call-out as soon as XO is about to emergency-stop a host', async () => {
    const r = await start('09 UPS - call out on emergency shutdown.json', {
      UPS_URL: `${sink.url}/ups`,
    })
    await r.hooksRegistered(['host.emergencyShutdownHost'])
    const host = r.object('host', 'xcp-host-2')
    await r.sim.invoke('host.emergencyShutdownHost', { host: host.id })
    const [request] = await sink.until(1, '/ups')
    const event = json(request.body)
    assert.equal(event.type, 'net.example.xo.host.emergencyShutdownHost.pre')
    assert.equal(event.subject, host.$pool)
    assert.match(JSON.stringify(event.data), /xcp-host-2/)
  })

  it('10 Firewall: rules follow VMs created and migrated, whoever did it', async () => {
    const r = await start('10 Firewall - rules follow new and moved VMs.json', {
      FIREWALL_URL: `${sink.url}/fw`,
      FIREWALL_SIGNING_SECRET: SECRET,
    })
    const web = r.object('VM', 'web-01')
    const hosts = [...r.sim.objects.values()].filter((o) => o.type === 'host').map((o) => o.id as string)
    // xo events follows XO's object stream: a change made before its snapshot loaded is part of the snapshot, not
    // an event. So move the VM from host to host until the first migration event arrives.
    let moves = 0
    await waitFor(
      async () => {
        if (sink.on('/fw').length > 0) return true
        const here = r.sim.objects.get(web.id).$container
        await r.sim.invoke('vm.migrate', { vm: web.id, targetHost: hosts.find((h) => h !== here) })
        moves++
        return false
      },
      { timeoutMs: 20_000, intervalMs: 500, what: 'the migration event' },
    )
    assert.ok(moves >= 1)
    const [request] = sink.on('/fw')
    const event = json(request.body)
    assert.equal(event.type, 'net.example.xo.VM.migrated')
    assert.equal(event.subject, web.id)
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]))
    assert.ok(verifyStandardWebhook(headers, request.body, SECRET))
  })

  it('11 Security: an alert for a new token that never shows the token', async () => {
    const r = await start(
      '11 Security alert - users and tokens created.json',
      { SECURITY_SLACK_WEBHOOK_URL: `${sink.url}/sec` },
      { digestTimers: SHORT_DIGEST },
    )
    await r.hooksRegistered(['user.create', 'token.create'])
    const token = (await r.sim.invoke('token.create', { description: 'ci' })) as string
    await r.sim.invoke('user.create', { email: 'intruder@example.net', password: 'x1' })
    // two kinds (token.create, user.create): two groups, two alerts
    const requests = await sink.until(2, '/sec', (digestOf(r).groupWait + 20) * 1000)
    assert.ok(
      requests.every((q) => !q.body.includes(token)),
      'the token is not in any alert',
    )
    assert.ok(requests.some((q) => q.body.includes('intruder@example.net')))
  })

  it('12 Inventory: one CSV line per VM that comes into being, however it was made', async () => {
    const file = path.join(dir, 'inventory.csv')
    const r = await start('12 Inventory - every VM ever created.json', { INVENTORY_FILE: file })
    await r.eventsReady()
    const id = await createVm(r, 'inventoried')
    const lines = () => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [])
    await waitFor(() => lines().some((l) => l.includes(id)), { timeoutMs: 15_000, what: 'the inventory line' })
    const vm = r.sim.objects.get(id)
    assert.equal(lines()[0], `"${id}","inventoried","${vm.creation.user}","${vm.creation.date}"`)
    const born = Object.values(await otherBirths(r, id, 'inventoried'))
    await waitFor(() => born.every((b) => lines().some((l) => l.startsWith(`"${b}",`))), {
      timeoutMs: 20_000,
      what: `lines for ${born.join(', ')}; got ${lines().join(' | ')}`,
    })
    const snapshot = (await r.sim.invoke('vm.snapshot', { id, name: 'inventoried-snap' })) as string
    assert.equal(lines().filter((l) => l.includes(snapshot)).length, 0)
    assert.equal(lines().length, 5)
  })

  it('13 Outbox: retries under one key as the receiver says, keeps what it refuses as a dead letter, sends it again when the operator says so', async () => {
    const r = await start('13 Outbox - retries, dead letters and replay.json', { RECEIVER_URL: `${sink.url}/receiver` })
    let calls = 0
    let fixed = false
    sink.answer((req) => {
      if (!req.url.startsWith('/receiver')) return undefined
      calls++
      if (calls === 1) return { status: 503 }
      if (calls === 2) return { status: 429, headers: { 'retry-after': '0' } }
      if (calls === 3 || fixed) return { status: 202 }
      return { status: 400, body: 'bad event' }
    })
    const outbox = r.nodes.find((n) => n.type === 'xo-outbox')!
    const settled = () => r.comms!.debugs.map((d) => String(d.msg))
    await r.hooksRegistered(['vm.start'])
    const db = r.object('VM', 'db-01')
    await r.sim.invoke('vm.start', { id: db.id })
    const attempts = await sink.until(3, '/receiver', 30_000)
    assert.equal(new Set(attempts.map((a) => a.headers['content-type'])).size, 1)
    assert.equal(new Set(attempts.map((a) => json(a.body).id)).size, 1, 'a retry re-sends the same event')
    const keys = new Set(attempts.map((a) => a.headers['idempotency-key']))
    assert.equal(keys.size, 1, 'every attempt under the same Idempotency-Key')
    await waitFor(() => settled().some((line) => /^delivered: .*db-01/.test(line)), {
      what: `the delivery in the debug sidebar; got ${JSON.stringify(settled())}`,
    })

    await r.sim.invoke('vm.stop', { id: db.id, force: true })
    await r.waitForStatus('xo-outbox', (st) => /1 failed for good/.test(st.text ?? ''))
    assert.equal(sink.on('/receiver').length, 4, 'a 400 is not retried')
    assert.ok(
      settled().some((line) => /^dead: .*db-01.*\(.*400.*\)$/.test(line)),
      JSON.stringify(settled()),
    )
    type View = { pending: unknown[]; dead: Array<{ id: string; lastAnswer?: { statusCode?: number } }> }
    const view = async () => (await (await fetch(`${r.url}/xo-outbox/${outbox.id}`)).json()) as View
    const [dead] = (await view()).dead
    assert.equal(dead.lastAnswer?.statusCode, 400)

    // The receiver is fixed: the operator sends the dead letter again, and it is delivered under its key.
    fixed = true
    const retried = await fetch(`${r.url}/xo-outbox/${outbox.id}/retry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ entry: dead.id }),
    })
    assert.deepEqual(await retried.json(), { retried: 1 })
    const [, , , refused, again] = await sink.until(5, '/receiver')
    assert.equal(again.headers['idempotency-key'], dead.id)
    assert.equal(again.body, refused.body)
    await r.waitForStatus('xo-outbox', (st) => /^nothing waiting$/.test(st.text ?? ''))
    assert.deepEqual(await view(), { pending: [], dead: [] })
  })
})
