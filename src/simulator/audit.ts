// The audit plugin (xo-server-audit 0.15.1, captures/audit.json): a hash chain of records, one per API call
// except read-only ones, kept while the plugin is loaded and configured `{active: true}`.
import { createHash } from 'node:crypto'
import { alteredAuditRecord, missingAuditRecord } from './errors'

/** previousId of the first record of a chain */
export const AUDIT_NULL_ID = 'nullId'

/** Read-only methods the plugin does not record (its default blocked list). */
export const AUDIT_BLOCKED_METHODS: ReadonlySet<string> = new Set([
  'acl.get',
  'acl.getCurrentPermissions',
  'api.getConnections',
  'audit.checkIntegrity',
  'audit.clean',
  'audit.deleteRange',
  'audit.generateFingerprint',
  'audit.getRecords',
  'backup.list',
  'backupNg.getAllJobs',
  'backupNg.getAllLogs',
  'backupNg.getJob',
  'backupNg.getLogs',
  'backupNg.getSuggestedExcludedTags',
  'backupNg.listVmBackups',
  'cloud.getResourceCatalog',
  'cloudConfig.getAll',
  'cloudConfig.getAllNetworkConfigs',
  'group.getAll',
  'host.getBiosInfo',
  'host.getIpmiSensors',
  'host.getMdadmHealth',
  'host.getSchedulerGranularity',
  'host.getSmartctlHealth',
  'host.isHostServerTimeConsistent',
  'host.isHyperThreadingEnabled',
  'host.isPubKeyTooShort',
  'host.stats',
  'ipPool.getAll',
  'job.get',
  'job.getAll',
  'log.get',
  'metadataBackup.getAllJobs',
  'metadataBackup.getJob',
  'mirrorBackup.getAllJobs',
  'mirrorBackup.getJob',
  'netdata.getHostApiKey',
  'netdata.getLocalApiKey',
  'netdata.isNetDataInstalledOnHost',
  'network.getBondModes',
  'pci.getDom0AccessStatus',
  'pif.getIpv4ConfigurationModes',
  'pif.getIpv6ConfigurationModes',
  'plugin.get',
  'pool.getGuestSecureBootReadiness',
  'pool.getLicenseState',
  'pool.getPatchesDifference',
  'pool.listMissingPatches',
  'proxy.get',
  'proxy.getAll',
  'proxy.getApplianceUpdaterState',
  'remote.get',
  'remote.getAll',
  'remote.getAllInfo',
  'remote.list',
  'resourceSet.get',
  'resourceSet.getAll',
  'role.getAll',
  'schedule.get',
  'schedule.getAll',
  'server.getAll',
  'session.getUser',
  'session.signIn',
  'sr.getAllUnhealthyVdiChainsLength',
  'sr.getVdiChainsInfo',
  'sr.stats',
  'system.getMethodsInfo',
  'system.getServerTimezone',
  'system.getServerVersion',
  'system.getVersion',
  'tag.getAllConfigured',
  'test.getPermissionsForUser',
  'user.getAll',
  'user.getAuthenticationTokens',
  'vif.getLockingModeValues',
  'vm.getCloudInitConfig',
  'vm.getHaValues',
  'vm.getSecurebootReadiness',
  'vm.stats',
  'xo.getAllObjects',
  'xoa.check',
  'xoa.clearCheckCache',
  'xoa.getApplianceInfo',
  'xoa.getHVSupportedVersions',
  'xoa.licenses.get',
  'xoa.licenses.getAll',
  'xoa.licenses.getSelf',
  'xoa.supportTunnel.getState',
  'xosan.checkSrCurrentState',
  'xosan.computeXosanPossibleOptions',
  'xosan.getVolumeInfo',
])

/** One audit record, key order as captured. */
export interface AuditRecord {
  /** the post web-hook payload without its user fields and `type` */
  data: Record<string, unknown>
  event: string
  /** id of the record before it, "nullId" for the first one */
  previousId: string
  /** userId is absent for a call made before sign-in (userName "(unknown user)") */
  subject: { userId?: string; userIp: string; userName: string }
  /** when the record was written (ms since epoch) */
  time: number
  /** "$5$$" + sha256 of the record without its `id` keys */
  id: string
}

const isNativeFunction = (f: unknown): boolean =>
  typeof f === 'function' &&
  /^function\s+\w*\s*\(\s*\)\s*{\s+\[native code\]\s+}$/i.test(Function.prototype.toString.call(f))

/**
 * A record's id: "$5$$" and the sha256 of the record as the plugin hashes it (the object-hash serialisation:
 * keys sorted, every `id` key left out, types and prototypes written). It gives the captured ids (except that of
 * the captured error record, whose stack trace the capture rewrote).
 */
export function auditRecordId(record: object): string {
  const hash = createHash('sha256')
  const write = (text: string): void => void hash.update(text, 'utf8')
  const seen = new Map<unknown, number>()
  const value = (v: unknown): void => {
    if (v === null) return write('Null')
    switch (typeof v) {
      case 'undefined':
        return write('Undefined')
      case 'string':
        return write(`string:${v.length}:${v}`)
      case 'number':
        return write(`number:${v}`)
      case 'boolean':
        return write(`bool:${v}`)
      case 'function':
        write('fn:')
        value(isNativeFunction(v) ? '[native]' : v.toString())
        value(`function-name:${v.name}`)
        return object(v)
      case 'object':
        return object(v)
      default:
        return write(`${typeof v}:${String(v)}`)
    }
  }
  const object = (o: object): void => {
    const n = seen.get(o)
    if (n !== undefined) return value(`[CIRCULAR:${n}]`)
    seen.set(o, seen.size)
    if (Array.isArray(o)) {
      write(`array:${o.length}:`)
      for (const item of o) value(item)
      return
    }
    const keys = Object.keys(o).sort()
    if (!isNativeFunction(o)) keys.unshift('prototype', '__proto__', 'constructor')
    const kept = keys.filter((k) => k !== 'id')
    write(`object:${kept.length}:`)
    for (const k of kept) {
      value(k)
      write(':')
      value((o as Record<string, unknown>)[k])
      write(',')
    }
  }
  value(record)
  return `$5$$${hash.digest('hex')}`
}

/** The plugin's state: loaded (its methods exist), configuration, and the records of its chain. */
export class AuditPlugin {
  /** false after plugin.unload: no audit.* methods, nothing recorded */
  loaded: boolean | undefined = true
  /** as given to plugin.configure (listed by plugin.get) */
  configuration: Record<string, unknown> | undefined
  private active = false
  /** oldest first: every record's previousId is the id of the one before it */
  private records: AuditRecord[] = []
  private readonly positions = new Map<string, number>()

  /** `active`: as if configured `{active: true}` before the simulator started; `maxRecords`: older ones dropped */
  constructor(
    active: boolean,
    private readonly maxRecords = Infinity,
  ) {
    if (active) this.configure({ active: true })
  }

  configure(configuration: Record<string, unknown>): void {
    this.configuration = configuration
    this.active = configuration.active === true
  }

  /** Whether API calls are recorded now. */
  get recording(): boolean {
    return this.loaded === true && this.active
  }

  get lastId(): string | undefined {
    return this.records.at(-1)?.id
  }

  /** Records one API call from its post web-hook payload (xo:postCall), unless inactive or read-only. */
  onPostCall(payload: Record<string, unknown>, time = Date.now()): void {
    if (!this.recording || AUDIT_BLOCKED_METHODS.has(String(payload.method))) return
    const { userId, userIp, userName, type: _type, ...data } = payload
    // undefined members vanish before hashing (JSON round trip), as in the plugin
    const record = JSON.parse(
      JSON.stringify({
        data,
        event: 'apiCall',
        previousId: this.lastId ?? AUDIT_NULL_ID,
        subject: { userId, userIp, userName },
        time,
      }),
    ) as AuditRecord
    record.id = auditRecordId(record)
    this.positions.set(record.id, this.records.length)
    this.records.push(record)
    if (this.records.length > this.maxRecords) this.dropOldest(Math.ceil(this.maxRecords / 10))
  }

  /** Drops the oldest records (as audit.deleteRange would, without rewriting the chain). */
  private dropOldest(count: number): void {
    this.records = this.records.slice(count)
    this.positions.clear()
    this.records.forEach((r, i) => this.positions.set(r.id, i))
  }

  get(id: string | undefined): AuditRecord | undefined {
    const i = id === undefined ? undefined : this.positions.get(id)
    return i === undefined ? undefined : this.records[i]
  }

  /**
   * Records newest first, starting at `id` (included; default: the newest). Lazy: what is not read is not
   * walked. An id that is not stored gives nothing.
   */
  *getFrom(id?: string): Generator<AuditRecord> {
    const records = this.records
    const start = id === undefined ? records.length - 1 : this.positions.get(id)
    if (start === undefined) return
    for (let i = start; i >= 0; i--) yield records[i]
  }

  /** Deletes every record: the next one starts a new chain. */
  clean(): void {
    this.records = []
    this.positions.clear()
  }

  /**
   * Walks the chain from `newest` (default: the last record) down to `oldest` (excluded, default: the chain's
   * start), checking each record's id against its content; returns how many records were checked. XO errors
   * 22 "missing record" (also for an empty log, like the plugin) and 23 "altered record".
   */
  checkIntegrity(oldest: string = AUDIT_NULL_ID, newest: string | undefined = this.lastId): number {
    // a record that is not on the current chain
    if (newest !== this.lastId && !this.positions.has(newest as string)) throw missingAuditRecord(newest, 0)
    let nValid = 0
    let id = newest
    while (id !== oldest) {
      const record = this.get(id)
      if (record === undefined) throw missingAuditRecord(id, nValid)
      if (auditRecordId(record) !== id) throw alteredAuditRecord(id as string, record, nValid)
      id = record.previousId
      nValid++
    }
    return nValid
  }

  /** audit.generateFingerprint: the chain oldest..newest with the number of valid records, or where it breaks. */
  fingerprint(oldest: string = AUDIT_NULL_ID, newest: string = this.lastId ?? AUDIT_NULL_ID): Record<string, unknown> {
    try {
      const nValid = newest === AUDIT_NULL_ID ? 0 : this.checkIntegrity(oldest, newest)
      return { fingerprint: `${oldest}|${newest}`, newest, nValid, oldest }
    } catch (error) {
      const data = (error as { data?: { id?: string; nValid: number } }).data
      if (data === undefined) throw error
      return { error, fingerprint: `${data.id}|${newest}`, newest, nValid: data.nValid, oldest: data.id }
    }
  }
}
