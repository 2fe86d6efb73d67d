// plugin.* handlers (all admin-only per the catalogue): web-hooks and audit (loaded like on the captured server;
// it records once configured {active: true}, see ../audit.ts).
import type { Core, Handler } from '../core'
import { AUDIT_PLUGIN, type PluginDescriptor, WEB_HOOKS_PLUGIN } from '../data/plugins'
import { invalidParameters, noSuchObject, plainError } from '../errors'
import { validateConfiguration } from '../webhooks'

/** plugin.get entry with the captured key order; `loaded`/`configuration` only when they exist. */
function describe(d: PluginDescriptor, loaded: boolean | undefined, configuration: unknown) {
  const out: Record<string, unknown> = { id: d.id, name: d.name, autoload: d.autoload, description: d.description }
  if (loaded !== undefined) out.loaded = loaded
  Object.assign(out, { keywords: d.keywords, unloadable: d.unloadable, version: d.version })
  if (configuration !== undefined) out.configuration = configuration
  out.configurationSchema = d.configurationSchema
  out.testable = d.testable
  return out
}

function pluginState(core: Core, id: unknown) {
  if (id === 'web-hooks') return core.plugins.webHooks
  if (id === 'audit') return core.plugins.audit
  throw noSuchObject(id, 'plugin')
}

/** Ajv-like validation against the audit plugin's schema ({active?: boolean}). */
function validateAuditConfiguration(configuration: unknown): Record<string, unknown> {
  const error = (instancePath: string, type: string) =>
    invalidParameters([
      {
        instancePath,
        schemaPath: `#${instancePath === '' ? '' : `/properties${instancePath}`}/type`,
        keyword: 'type',
        params: { type },
        message: `must be ${type}`,
      },
    ])
  if (typeof configuration !== 'object' || configuration === null || Array.isArray(configuration))
    throw error('', 'object')
  const { active } = configuration as Record<string, unknown>
  if (active !== undefined && typeof active !== 'boolean') throw error('/active', 'boolean')
  return configuration as Record<string, unknown>
}

export const pluginMethods: Record<string, Handler> = {
  'plugin.get': (core) => [
    describe(AUDIT_PLUGIN, core.audit.loaded, core.audit.configuration),
    describe(WEB_HOOKS_PLUGIN, core.plugins.webHooks.loaded, core.plugins.webHooks.configuration),
  ],
  'plugin.configure': async (core, _s, p) => {
    pluginState(core, p.id)
    await core.xapi.step(8)
    if (p.id === 'audit') {
      // kept even while unloaded; records from this very call on (its post is recorded) when loaded and active
      core.audit.configure(structuredClone(validateAuditConfiguration(p.configuration)))
      return
    }
    if (p.id !== 'web-hooks') return
    // replaces the whole configuration (no merge) and applies it live
    const config = validateConfiguration(structuredClone(p.configuration))
    core.plugins.webHooks.configuration = config
    core.webhooks.hooks = config.hooks
  },
  'plugin.load': (core, _s, p) => {
    const state = pluginState(core, p.id)
    if (state.loaded === true) throw plainError('plugin already loaded')
    if (p.id === 'web-hooks') {
      if (core.plugins.webHooks.configuration === undefined) throw plainError('plugin not configured')
      core.webhooks.loaded = true
    }
    state.loaded = true
  },
  'plugin.unload': (core, _s, p) => {
    const state = pluginState(core, p.id)
    if (state.loaded !== true) throw plainError('plugin not loaded')
    if (p.id === 'web-hooks') core.webhooks.loaded = false
    state.loaded = false
  },
  'plugin.test': async (core, _s, p) => {
    const state = pluginState(core, p.id)
    if (p.id !== 'web-hooks') throw plainError('plugin not testable')
    if (state.loaded !== true) throw plainError('plugin not loaded')
    await core.webhooks.test()
  },
  'plugin.purgeConfiguration': (core, _s, p) => {
    pluginState(core, p.id)
    if (p.id === 'web-hooks') {
      core.plugins.webHooks.configuration = undefined
      core.webhooks.hooks = []
    }
    // XO forgets the stored configuration only: the audit plugin keeps recording until it is configured again
    if (p.id === 'audit') core.audit.configuration = undefined
  },
  'plugin.enableAutoload': (core, _s, p) => void pluginState(core, p.id),
  'plugin.disableAutoload': (core, _s, p) => void pluginState(core, p.id),
}
