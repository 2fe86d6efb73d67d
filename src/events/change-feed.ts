import { EventEmitter } from 'node:events'
import type { ObjectStore, XoObject } from '../xo/object-store'
import { emitSafely } from '../xo/safe-emit'
import { ObjectChange } from './change'

export interface ChangeFeedEvents {
  change: [ObjectChange]
}

/**
 * Turns the object store's enter/exit into shared `ObjectChange`s: however many xo-events nodes look at a
 * change, its diff and derived events are computed once.
 */
export class ChangeFeed extends EventEmitter<ChangeFeedEvents> {
  #offs: Array<() => void>

  /** `warn` hears of a listener (an xo-events node) that failed on a change; the others still get it. */
  constructor(store: ObjectStore, warn: (message: string) => void) {
    super()
    this.setMaxListeners(0)
    const lookup = (id: string) => store.get(id)
    const emit = (change: ObjectChange) =>
      emitSafely(this, 'change', [change], (error) =>
        warn(`an object change listener failed: ${(error as Error)?.message ?? error}`),
      )
    const onEnter = (object: XoObject, previous: XoObject | undefined) => {
      if (this.listenerCount('change')) emit(new ObjectChange('enter', object, previous, lookup))
    }
    const onExit = (object: XoObject) => {
      if (this.listenerCount('change')) emit(new ObjectChange('exit', object, undefined, lookup))
    }
    store.on('enter', onEnter)
    store.on('exit', onExit)
    this.#offs = [() => store.off('enter', onEnter), () => store.off('exit', onExit)]
  }

  stop(): void {
    for (const off of this.#offs.splice(0)) off()
    this.removeAllListeners()
  }
}
