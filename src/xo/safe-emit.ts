import type { EventEmitter } from 'node:events'

/**
 * Emits `event` to each listener on its own: one that throws is reported to `onError` and neither stops the
 * listeners after it nor reaches the emitter's caller (a socket's message handler, where it would be an
 * uncaught exception and stop Node-RED).
 */
export function emitSafely(
  emitter: EventEmitter,
  event: string,
  args: unknown[],
  onError: (error: unknown) => void,
): void {
  for (const listener of emitter.listeners(event)) {
    try {
      ;(listener as (...a: unknown[]) => void).apply(emitter, args)
    } catch (error) {
      onError(error)
    }
  }
}
