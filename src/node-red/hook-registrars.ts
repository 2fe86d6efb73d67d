import type { EventEmitter } from 'node:events'
import { HookRegistrar } from '../hooks/registrar'

export interface RegistrarUse {
  registrar: HookRegistrar
  /** the config node that used it closed */
  release(): void
}

/**
 * One web-hooks registrar per XO (by its API URL) for the config nodes of one Node-RED, told when the flows of
 * a deploy have started: only then is the set of deployed xo-hook nodes complete. Node-RED's runtime events are
 * listened to only while some config node uses a registrar.
 */
export function hookRegistrars(events: EventEmitter): (xo: string) => RegistrarUse {
  const registrars = new Map<string, HookRegistrar>()
  let users = 0
  const started = () => registrars.forEach((registrar) => registrar.flowsStarted())
  const stopping = () => registrars.forEach((registrar) => registrar.flowsStopping())
  return (xo) => {
    if (users++ === 0) {
      events.on('flows:started', started)
      events.on('flows:stopping', stopping)
    }
    let registrar = registrars.get(xo)
    if (!registrar) registrars.set(xo, (registrar = new HookRegistrar()))
    const used = registrar
    let released = false
    return {
      registrar: used,
      release: () => {
        if (released) return
        released = true
        if (--users === 0) {
          events.off('flows:started', started)
          events.off('flows:stopping', stopping)
        }
        if (used.unused && registrars.get(xo) === used) registrars.delete(xo)
      },
    }
  }
}
