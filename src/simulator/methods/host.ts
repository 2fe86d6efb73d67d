// host.* handlers (param names as in the catalogue: emergencyShutdownHost takes `host`, not `id`).
import type { Handler } from '../core'
import { emergencyShutdownHost, restartHost, setMaintenanceMode, startHost, stopHost } from '../host-ops'

export const hostMethods: Record<string, Handler> = {
  'host.stop': (core, _s, p) => stopHost(core.xapi, core.xapi.get(p.id, 'host'), p.bypassEvacuate === true),
  'host.start': (core, _s, p) => startHost(core.xapi, core.xapi.get(p.id, 'host')),
  'host.restart': (core, _s, p) => restartHost(core.xapi, core.xapi.get(p.id, 'host')),
  'host.emergencyShutdownHost': (core, _s, p) => emergencyShutdownHost(core.xapi, core.xapi.get(p.host, 'host')),
  'host.setMaintenanceMode': (core, _s, p) => setMaintenanceMode(core.xapi, core.xapi.get(p.id, 'host'), p.maintenance),
  'host.disable': async (core, _s, p) => {
    const host = core.xapi.get(p.id, 'host')
    await core.xapi.step(20)
    core.store.update(host.id, { enabled: false })
  },
  'host.enable': async (core, _s, p) => {
    const host = core.xapi.get(p.id, 'host')
    await core.xapi.step(20)
    core.store.update(host.id, { enabled: true })
  },
}
