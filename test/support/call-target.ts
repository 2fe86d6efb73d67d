import type { CallTarget } from '../../src/call/invoke'

/** Translation as the test helper does it: the key, with its substitutions for the test to read. */
export const t = (key: string, subs?: Record<string, string | number>) =>
  subs ? `${key} ${JSON.stringify(subs)}` : key

export const SETTINGS = { whenDown: 'wait' as const, waitMs: 2000, timeoutMs: 60_000 }
export const CATALOGUE = {
  'vm.start': { params: { id: { type: 'string' }, force: { type: 'boolean', optional: true } } },
}

/** An XO connection that answers every call with `answer`, connected or not (then up once waited for, if `comesUp`). */
export function target(
  options: { connected?: boolean; comesUp?: boolean; answer?: unknown; configured?: boolean } = {},
) {
  const calls: Array<{ method: string; params: Record<string, unknown>; timeoutMs: number }> = []
  const waits: number[] = []
  const xo: CallTarget = {
    configError: options.configured === false ? 'no URL' : undefined,
    methods: async () => CATALOGUE,
    connection:
      options.configured === false
        ? undefined
        : ({
            isConnected: options.connected ?? true,
            state: { status: options.connected === false ? 'unreachable' : 'connected' },
            whenConnected: async (ms: number) => (waits.push(ms), options.comesUp ?? false),
            call: async (method: string, params: Record<string, unknown>, timeoutMs: number) => (
              calls.push({ method, params, timeoutMs }), options.answer ?? true
            ),
          } as unknown as CallTarget['connection']),
  }
  return { xo, calls, waits }
}
