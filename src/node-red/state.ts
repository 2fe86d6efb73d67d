import path from 'node:path'
import type { NodeAPI } from 'node-red'
import { runtimeKey } from './runtime-key'
import { FileStateStore } from '../state/file-state-store'
import { MemoryStateStore, type StateStore } from '../state/state-store'

// One store per Node-RED runtime, shared by the package's node modules.
const stores = new WeakMap<object, StateStore>()

/**
 * Where the package's nodes keep state across restarts: `xoStateDir` of Node-RED's settings, else `xo-state/` in
 * Node-RED's user directory; in memory (with a warning) when there is neither.
 */
export function stateStoreOf(RED: NodeAPI): StateStore {
  const settings = RED.settings as unknown as { userDir?: string; xoStateDir?: string }
  let store = stores.get(runtimeKey(RED))
  if (!store) {
    const dir = settings.xoStateDir ?? (settings.userDir ? path.join(settings.userDir, 'xo-state') : undefined)
    if (dir) {
      store = new FileStateStore(dir, (message) => RED.log.warn(`[xo] ${message}`))
    } else {
      RED.log.warn('[xo] Node-RED has no user directory: state kept in memory only (lost on restart)')
      store = new MemoryStateStore()
    }
    stores.set(runtimeKey(RED), store)
  }
  return store
}

/**
 * `xoSnapshotSeconds` of Node-RED's settings (default 5, at least 1): how often, at most, an xo-events node saves
 * the objects it remembers while they change (it always saves when it stops). A pool whose disk is slow or shared
 * may want it longer; a crash loses at most this much.
 */
export function snapshotIntervalMs(RED: NodeAPI): number {
  const seconds = Number((RED.settings as unknown as { xoSnapshotSeconds?: unknown }).xoSnapshotSeconds ?? 5)
  return Number.isFinite(seconds) && seconds >= 1 ? seconds * 1000 : 5000
}
