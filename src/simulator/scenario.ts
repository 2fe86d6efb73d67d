// A small realistic story played through sim.invoke (so web-hooks and notifications fire as for a
// real client): create a VM from a template with VIFs on two networks, start it, migrate it,
// snapshot it, create a user and a token, put a host in maintenance, emergency-stop it (empty) and start it,
// take it out of maintenance, stop and start it, stop the VM, clean up. Every example flow has its trigger here.
// Cleanup leaves the inventory as it was, so `loop: true` can run forever.
import type { XoSimulator } from './index'

export interface ScenarioOptions {
  signal?: AbortSignal
  loop?: boolean
  pauseMs?: number
  log?: (s: string) => void
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    if (signal?.aborted) return resolve()
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done)
  })
}

function pickSetting(sim: XoSimulator) {
  const objs = [...sim.objects.values()]
  const template = objs.find(o => o.type === 'VM-template' && o.name_label === 'Debian 12 template')
  if (template === undefined) throw new Error('scenario: no "Debian 12 template"')
  const poolId = template.$pool
  const hosts = objs.filter(o => o.type === 'host' && o.$pool === poolId).sort((a, b) => a.name_label.localeCompare(b.name_label))
  const nets = objs.filter(o => o.type === 'network' && o.$pool === poolId && o.bridge !== 'xenapi')
  if (hosts.length < 2 || nets.length < 2) throw new Error('scenario: needs a pool with 2 hosts and 2 networks')
  return { template, hosts, nets }
}

export async function runScenario(sim: XoSimulator, opts: ScenarioOptions = {}): Promise<void> {
  const log = opts.log ?? (() => {})
  const pauseMs = opts.pauseMs ?? 2000
  const { signal } = opts
  let round = 0
  // A moment first: whoever started it (a web-hook registration, say) is ready for its first step.
  await pause(pauseMs, signal)
  do {
    round++
    const { template, hosts, nets } = pickSetting(sim)
    const [hostA, hostB] = hosts
    const created: { vm?: string; snapshot?: string; user?: string; token?: string } = {}
    const step = async (what: string, method: string, params: Record<string, unknown>) => {
      if (signal?.aborted) throw new Error('aborted')
      log(`scenario: ${what}`)
      const result = await sim.invoke(method, params)
      await pause(pauseMs, signal)
      return result
    }
    try {
      created.vm = (await step('create a VM from "Debian 12 template"', 'vm.create', {
        name_label: `demo-vm-${round}`, name_description: 'created by the simulator scenario', template: template.id,
        VIFs: [{ network: nets[0].id }, { network: nets[1].id }],
      })) as string
      // make sure both hosts are up (a previous round may have been interrupted)
      for (const h of [hostA, hostB]) if (sim.objects.get(h.id)?.power_state !== 'Running') await step(`start ${h.name_label}`, 'host.start', { id: h.id })
      await step(`start demo-vm-${round} on ${hostA.name_label}`, 'vm.start', { id: created.vm, host: hostA.id })
      await step(`migrate demo-vm-${round} to ${hostB.name_label}`, 'vm.migrate', { vm: created.vm, targetHost: hostB.id })
      created.snapshot = (await step('snapshot it', 'vm.snapshot', { id: created.vm, name: `demo-vm-${round}-snap` })) as string
      created.user = (await step('create a user', 'user.create', {
        email: `demo-user-${round}-${Date.now()}@example.org`, password: 'demo-password', permission: 'none',
      })) as string
      created.token = (await step('create an authentication token', 'token.create', { description: `demo token ${round}` })) as string
      await step(`put ${hostB.name_label} in maintenance`, 'host.setMaintenanceMode', { id: hostB.id, maintenance: true })
      // evacuated: an emergency shutdown has no VM to suspend
      await step(`emergency-stop ${hostB.name_label}`, 'host.emergencyShutdownHost', { host: hostB.id })
      await step(`start ${hostB.name_label}`, 'host.start', { id: hostB.id })
      await step(`leave maintenance on ${hostB.name_label}`, 'host.setMaintenanceMode', { id: hostB.id, maintenance: false })
      await step(`stop ${hostB.name_label}`, 'host.stop', { id: hostB.id })
      await step(`start ${hostB.name_label}`, 'host.start', { id: hostB.id })
      await step(`stop demo-vm-${round}`, 'vm.stop', { id: created.vm })
    } catch (err) {
      if (!signal?.aborted) log(`scenario: step failed: ${(err as Error).message}`)
    }
    // cleanup, even after a failure, so that looping does not grow the inventory
    const quiet = (p: Promise<unknown>) => p.catch(() => {})
    if (created.snapshot !== undefined) await quiet(sim.invoke('vm.delete', { id: created.snapshot }))
    if (created.vm !== undefined) await quiet(sim.invoke('vm.delete', { id: created.vm, deleteDisks: true }))
    if (created.user !== undefined) await quiet(sim.invoke('user.delete', { id: created.user }))
    if (created.token !== undefined) await quiet(sim.invoke('token.delete', { tokens: [created.token] }))
    if (!signal?.aborted) log('scenario: cleaned up')
    if (opts.loop && !signal?.aborted) await pause(pauseMs, signal)
  } while (opts.loop && !signal?.aborted)
}
