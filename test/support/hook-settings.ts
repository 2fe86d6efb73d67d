import { hookSettings, type HookSettings } from '../../src/hooks/settings'

export const t = (key: string, substitutions?: Record<string, string | number>) =>
  `${key} ${JSON.stringify(substitutions ?? {})}`

export function settingsOf(config: Parameters<typeof hookSettings>[0]): HookSettings {
  const settings = hookSettings(config)
  if ('error' in settings) throw new Error(settings.error)
  return settings
}
