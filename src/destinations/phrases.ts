import type { ObjectRef } from './summary'
import { capitalize, oneLine, str } from './text'

// How people call XO's object types in a sentence.
const TYPE_LABELS: Record<string, string> = {
  VM: 'VM',
  'VM-template': 'template',
  'VM-snapshot': 'snapshot',
  'VM-controller': 'control domain',
  host: 'host',
  pool: 'pool',
  SR: 'SR',
  network: 'network',
  VDI: 'disk',
  VIF: 'network interface',
  PIF: 'physical interface',
  user: 'user',
  group: 'group',
  job: 'backup job',
  message: 'message',
  task: 'task',
}

/** The type of an object a parameter names, for when XO's object stream did not describe it. */
export const ROLE_TYPES: Record<string, string> = {
  vm: 'VM',
  host: 'host',
  targetHost: 'host',
  template: 'VM-template',
  sr: 'SR',
  pool: 'pool',
  snapshot: 'VM-snapshot',
  clone: 'VM',
  copy: 'VM',
  user: 'user',
  group: 'group',
  backupNg: 'job',
  network: 'network',
}

// Roles whose part in the call says more than their type. `user` is the account a user.* call is about (the
// caller is the fact 'User').
const ROLE_LABELS: Record<string, string> = {
  user: 'Account',
  targetHost: 'Target host',
  fromHost: 'From host',
  toHost: 'To host',
  clone: 'Clone',
  copy: 'Copy',
  backupNg: 'Backup job',
}

export const roleLabel = (role: string, type?: string): string =>
  ROLE_LABELS[role] ?? capitalize(typeLabel(type ?? ROLE_TYPES[role]) ?? role)

export const typeLabel = (type: string | undefined): string | undefined =>
  type ? (TYPE_LABELS[type] ?? type) : undefined

/** "VM web-01", "host xcp-host-2", or the bare id when nothing else is known. */
export function describe(object: ObjectRef | undefined): string | undefined {
  if (!object) return undefined
  const label = typeLabel(object.type)
  const name = object.name ? oneLine(object.name) : object.id
  return label ? `${label} ${name}` : name
}

export interface Phrase {
  /** "created", for a call that ran */
  past: string
  /** "create", for "is about to create" */
  base: string
  /** what follows the verb: "VM web-01 to host xcp-host-2" */
  rest?: string
}

interface PhraseContext {
  params: Record<string, unknown>
  subject?: ObjectRef
  objects: Record<string, ObjectRef>
}

const simple =
  (past: string, base: string) =>
  (c: PhraseContext): Phrase => ({ past, base, rest: describe(c.subject) })

const named = (object: ObjectRef | undefined, fallback: string) => describe(object) ?? fallback

const as = (c: PhraseContext) => (str(c.params.name) ? ` as ${oneLine(String(c.params.name))}` : '')

const PHRASES: Record<string, (c: PhraseContext) => Phrase> = {
  'vm.create': (c) => ({
    past: 'created',
    base: 'create',
    rest: describe(c.subject) ?? `VM ${str(c.params.name_label) ?? ''}`.trim(),
  }),
  'vm.delete': simple('deleted', 'delete'),
  'vm.start': simple('started', 'start'),
  'vm.stop': (c) =>
    c.params.force === true ? simple('force-stopped', 'force-stop')(c) : simple('shut down', 'shut down')(c),
  'vm.restart': (c) =>
    c.params.force === true ? simple('force-restarted', 'force-restart')(c) : simple('restarted', 'restart')(c),
  'vm.suspend': simple('suspended', 'suspend'),
  'vm.resume': simple('resumed', 'resume'),
  'vm.pause': simple('paused', 'pause'),
  'vm.unpause': simple('unpaused', 'unpause'),
  'vm.revert': simple('reverted', 'revert'),
  'vm.migrate': (c) => {
    const target = c.objects.targetHost
    const to = target ? ` to ${named({ type: 'host', ...target }, target.id)}` : ''
    return { past: 'migrated', base: 'migrate', rest: `${describe(c.subject) ?? 'a VM'}${to}` }
  },
  'vm.snapshot': (c) => ({ past: 'snapshotted', base: 'snapshot', rest: `${describe(c.subject) ?? 'a VM'}${as(c)}` }),
  'vm.clone': (c) => ({ past: 'cloned', base: 'clone', rest: `${describe(c.subject) ?? 'a VM'}${as(c)}` }),
  'vm.copy': (c) => ({ past: 'copied', base: 'copy', rest: `${describe(c.subject) ?? 'a VM'}${as(c)}` }),
  'vm.convertToTemplate': (c) => ({
    past: 'converted',
    base: 'convert',
    rest: `${describe(c.subject) ?? 'a VM'} to a template`,
  }),
  'vm.set': (c) => {
    const fields = Object.keys(c.params).filter((k) => k !== 'id')
    return {
      past: 'changed',
      base: 'change',
      rest: `${describe(c.subject) ?? 'a VM'}${fields.length ? ` (${fields.join(', ')})` : ''}`,
    }
  },
  'host.start': simple('started', 'start'),
  'host.stop': simple('shut down', 'shut down'),
  'host.restart': simple('restarted', 'restart'),
  'host.emergencyShutdownHost': simple('emergency-stopped', 'emergency-stop'),
  'host.enable': simple('enabled', 'enable'),
  'host.disable': simple('disabled', 'disable'),
  'host.setMaintenanceMode': (c) =>
    c.params.maintenance === false
      ? { past: 'took', base: 'take', rest: `${describe(c.subject) ?? 'a host'} out of maintenance mode` }
      : { past: 'put', base: 'put', rest: `${describe(c.subject) ?? 'a host'} in maintenance mode` },
  'tag.add': (c) => ({
    past: 'tagged',
    base: 'tag',
    rest: `${describe(c.subject) ?? 'an object'} with ${str(c.params.tag) ?? 'a tag'}`,
  }),
  'tag.remove': (c) => ({
    past: 'removed',
    base: 'remove',
    rest: `tag ${str(c.params.tag) ?? ''} from ${describe(c.subject) ?? 'an object'}`,
  }),
  'user.create': (c) => ({
    past: 'created',
    base: 'create',
    rest: `user ${str(c.params.email) ?? describe(c.subject) ?? ''}`.trim(),
  }),
  'user.delete': simple('deleted', 'delete'),
  'group.create': (c) => ({ past: 'created', base: 'create', rest: `group ${str(c.params.name) ?? ''}`.trim() }),
  'group.delete': simple('deleted', 'delete'),
  // The token itself is the result: never name it.
  'token.create': () => ({ past: 'created', base: 'create', rest: 'a token' }),
  'token.delete': () => ({ past: 'deleted', base: 'delete', rest: 'a token' }),
  'backupNg.runJob': (c) => ({
    past: 'ran',
    base: 'run',
    rest: named(c.subject && { type: 'job', ...c.subject }, 'a backup job'),
  }),
  'backupNg.createJob': (c) => ({
    past: 'created',
    base: 'create',
    rest: `backup job ${str(c.params.name) ?? ''}`.trim(),
  }),
  'backupNg.deleteJob': simple('deleted', 'delete'),
  'session.signIn': () => ({ past: 'signed in', base: 'sign in' }),
}

/** How to say that `method` ran; methods without a phrase of their own are "called <method> on <object>". */
export function phraseFor(method: string, context: PhraseContext): Phrase {
  const phrase = PHRASES[method]
  if (phrase) return phrase(context)
  const rest = describe(context.subject)
  return rest
    ? { past: `called ${method} on`, base: `call ${method} on`, rest }
    : { past: `called ${method}`, base: `call ${method}` }
}
