import type { DigestItem, XoDigest } from '../../src/destinations/digest-message'

/**
 * Digests as an xo digest node sends them, written by hand after the XoDigest shape: the destinations are tested
 * against the contract, not against one engine's way of filling it.
 */

export const POOL = { id: 'pool1', name: 'sim-pool' }
export const FROM_HOST = { id: 'host1', name: 'xcp-host-1' }
export const TO_HOST = { id: 'host2', name: 'xcp-host-2' }
export const USER = { id: 'u1', name: 'admin@admin.net' }
export const EVACUATION_GROUP = 'kind=VM.migrated,host=xcp-host-1'

const START = Date.parse('2026-05-01T10:00:00.000Z')
const iso = (ms: number) => new Date(ms).toISOString()
const vmName = (i: number) => `web-${String(i + 1).padStart(2, '0')}`

/** The i-th VM migrated off the host, one every 2 s. */
export function migrated(i: number): DigestItem {
  return {
    id: `vm${i + 1}:migrated:${START + i * 2000}`,
    kind: 'VM.migrated',
    title: `VM ${vmName(i)} migrated from ${FROM_HOST.name} to ${TO_HOST.name}`,
    time: iso(START + i * 2000),
    ok: true,
    subject: { id: `vm${i + 1}`, type: 'VM', name: vmName(i) },
  }
}

/**
 * A host evacuation: `total` VMs migrated off xcp-host-1 (50 by default), the first `maxItems` listed. A problem
 * group (the host is out of service) while it fires; `resolved` is its last send, every problem recovered.
 */
export function evacuation(
  options: { total?: number; maxItems?: number; status?: 'firing' | 'resolved'; sequence?: number } = {},
): XoDigest {
  const { total = 50, maxItems = 20, status = 'firing' } = options
  const sequence = options.sequence ?? (status === 'resolved' ? 2 : 1)
  const items = Array.from({ length: Math.min(total, maxItems) }, (_, i) => migrated(i))
  return {
    kind: 'digest',
    group: EVACUATION_GROUP,
    id: `${EVACUATION_GROUP}#${sequence}`,
    labels: { kind: 'VM.migrated', host: FROM_HOST.name },
    status,
    severity: 'problem',
    title:
      status === 'resolved'
        ? `Resolved: ${total} VMs migrated off host ${FROM_HOST.name}`
        : `${vmName(0)} and ${total - 1} other VMs migrated off host ${FROM_HOST.name} on pool ${POOL.name}`,
    count: total,
    newCount: status === 'resolved' ? 0 : total,
    counts: { 'VM.migrated': total },
    open: status === 'resolved' ? 0 : total,
    firstAt: iso(START),
    lastAt: iso(START + (total - 1) * 2000 + (status === 'resolved' ? 60_000 : 0)),
    items,
    more: total - items.length,
    pool: POOL,
    host: FROM_HOST,
    user: USER,
  }
}

/** Things that happened, nothing paging: VMs started and one snapshot, by admin on the pool. */
export function infoDigest(): XoDigest {
  const started = (i: number): DigestItem => ({
    id: `c${i}:post`,
    kind: 'vm.start',
    title: `admin@admin.net started VM ${vmName(i)}`,
    time: iso(START + i * 1000),
    ok: true,
    subject: { id: `vm${i + 1}`, type: 'VM', name: vmName(i) },
  })
  return {
    kind: 'digest',
    group: 'kind=vm.start,pool=sim-pool',
    id: 'kind=vm.start,pool=sim-pool#1',
    labels: { pool: POOL.name },
    status: 'firing',
    severity: 'info',
    title: `${vmName(0)} and 2 other VMs started on pool ${POOL.name} by admin@admin.net`,
    count: 4,
    newCount: 4,
    counts: { 'vm.snapshot': 1, 'vm.start': 3 },
    open: 0,
    firstAt: iso(START),
    lastAt: iso(START + 3000),
    items: [
      started(0),
      started(1),
      started(2),
      {
        id: 'c9:post',
        kind: 'vm.snapshot',
        title: 'admin@admin.net snapshotted VM web-01',
        time: iso(START + 3000),
        ok: true,
        subject: { id: 'snap1', type: 'VM-snapshot', name: 'web-01 snap' },
      },
    ],
    more: 0,
    pool: POOL,
    user: USER,
  }
}

/** The message of xo digest carrying `digest`. */
export const digestMessage = (digest: XoDigest) => ({ topic: 'digest', summary: digest.title, payload: digest })
