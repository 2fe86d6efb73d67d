// backupNg.* handlers. A run fires its own pre/post web-hook pair from the job runner (no userId,
// no userIp, params {id, schedule, settings, vms}) nested inside the API call's pair (capture A8).
// The simulator has one backup remote (BACKUP_REMOTE_ID): a job that targets only other remotes fails like the
// captured one; a job that targets it backs up its VMs there (backup-run.ts), between the runner's pre and post.
import { backUpJobVms } from '../backup-run'
import type { Core, Handler, Job } from '../core'
import { noSuchObject, plainError, serializeError } from '../errors'
import { BACKUP_REMOTE_ID, restoreVmBackup } from '../vm-import'

const owners = new WeakMap<Job, string>()

function getJob(core: Core, id: unknown): Job {
  const job = typeof id === 'string' ? core.jobs.get(id) : undefined
  if (job === undefined) throw noSuchObject(id, 'job')
  return job
}

async function runJob(core: Core, job: Job, scheduleId: string): Promise<void> {
  const owner = core.auth.users.get(owners.get(job) ?? '')
  const callId = Math.random().toString(36).slice(2)
  const params = { id: job.id, schedule: scheduleId, settings: job.settings, vms: job.vms }
  await core.xapi.step(200)
  const start = Date.now()
  await core.webhooks.pre({
    callId,
    method: 'backupNg.runJob',
    params,
    timestamp: start,
    userName: owner?.email,
    type: 'pre',
  })
  await core.xapi.step(40)
  const remotes = Object.values((job.remotes ?? {}) as Record<string, unknown>).flatMap((r) =>
    typeof r === 'string' ? [r] : Array.isArray((r as any)?.__or) ? (r as any).__or : [],
  )
  let error: Error | undefined
  const unknown = remotes.filter((r) => r !== BACKUP_REMOTE_ID)
  if (remotes.length > 0 && unknown.length === remotes.length) {
    const errors: Record<string, unknown> = {}
    for (const r of unknown) errors[r] = { code: 1, data: { id: r, type: 'remote' } }
    error = plainError("couldn't instantiate any remote", { errors })
  } else if (remotes.length > 0) {
    // assumed: a remote XO cannot reach only goes into the run's log while the reachable one gets the backups
    await backUpJobVms(core, job, scheduleId)
  }
  const end = Date.now()
  const post: Record<string, unknown> = {
    callId,
    method: 'backupNg.runJob',
    params,
    timestamp: end,
    userName: owner?.email,
  }
  if (error !== undefined) post.error = serializeError(error)
  // assumed (only a failed run was captured): a run that succeeds posts `result: true`, like a method with no answer
  else post.result = true
  post.duration = end - start
  post.type = 'post'
  void core.webhooks.post(post)
  await core.xapi.step(8)
  if (error !== undefined) throw error
}

export const backupMethods: Record<string, Handler> = {
  'backupNg.createJob': async (core, session, p) => {
    await core.xapi.step(165)
    const id = core.xapi.newId()
    const rename: Record<string, string> = {}
    for (const [tmp, s] of Object.entries((p.schedules ?? {}) as Record<string, Record<string, unknown>>)) {
      const sid = core.xapi.newId()
      rename[tmp] = sid
      core.schedules.set(sid, { ...s, id: sid, jobId: id })
    }
    const { schedules: _ignored, ...rest } = p
    const settings: Record<string, unknown> = {}
    for (const [k, v] of Object.entries((p.settings ?? {}) as Record<string, unknown>)) settings[rename[k] ?? k] = v
    const job: Job = { ...rest, ...(p.settings === undefined ? {} : { settings }), type: 'backup', id }
    core.jobs.set(id, job)
    owners.set(job, session.user?.id ?? '')
    return id
  },
  'backupNg.getJob': (core, _s, p) => getJob(core, p.id),
  'backupNg.getAllJobs': (core) => [...core.jobs.values()],
  'backupNg.deleteJob': (core, _s, p) => {
    getJob(core, p.id)
    core.jobs.delete(p.id)
    for (const [sid, s] of core.schedules) if (s.jobId === p.id) core.schedules.delete(sid)
  },
  'backupNg.runJob': async (core, _s, p) => {
    const job = getJob(core, p.id)
    if (!core.schedules.has(p.schedule)) throw noSuchObject(p.schedule, 'schedule')
    if (core.runningJobs.has(job.id)) throw plainError(`job ${job.id} is already running`)
    core.runningJobs.add(job.id)
    try {
      await runJob(core, job, p.schedule)
    } finally {
      core.runningJobs.delete(job.id)
    }
  },
  // Restores a backup of the simulated remote (sim.takeVmBackup makes them). `settings.newMacAddresses`: new MACs,
  // else the backed-up VM's (XAPI's import keeps them). Returns the new VM's id.
  'backupNg.importVmBackup': (core, _s, p) => {
    const backup = core.backups.get(p.id)
    if (backup === undefined) throw noSuchObject(p.id, 'backup')
    return restoreVmBackup(core.xapi, backup, core.xapi.get(p.sr, 'SR').id, p.settings?.newMacAddresses === true)
  },
  'backupNg.deleteVmBackup': (core, _s, p) => {
    if (!core.backups.delete(p.id)) throw noSuchObject(p.id, 'backup')
  },
  'backupNg.deleteVmBackups': (core, _s, p) => {
    for (const id of p.ids as string[]) if (!core.backups.has(id)) throw noSuchObject(id, 'backup')
    for (const id of p.ids as string[]) core.backups.delete(id)
  },
  // {<remote>: {<vm uuid>: [backup...]}}, oldest first; only the simulated remote has backups. A backup's fields
  // are a subset of XO's metadata (id, mode, timestamp, vm with its uuid and name).
  'backupNg.listVmBackups': (core, _s, p) => {
    const out: Record<string, Record<string, unknown[]>> = {}
    for (const remote of p.remotes as string[]) {
      const byVm: Record<string, unknown[]> = {}
      if (remote === BACKUP_REMOTE_ID) {
        for (const b of [...core.backups.values()].sort((a, z) => a.timestamp - z.timestamp)) {
          ;(byVm[b.vmUuid] ??= []).push({
            id: b.id,
            mode: 'full',
            timestamp: b.timestamp,
            type: 'xva',
            vm: {
              uuid: b.vmUuid,
              name_label: b.vm.name_label,
              name_description: b.vm.name_description,
              tags: b.vm.tags,
            },
          })
        }
      }
      out[remote] = byVm
    }
    return out
  },
  'schedule.getAll': (core) => [...core.schedules.values()],
}
