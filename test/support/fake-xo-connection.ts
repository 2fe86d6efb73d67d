/**
 * An XO connection for unit tests of what listens to one (the object store, the change feed): `xo.getAllObjects`
 * answers when the test says so, notifications come when it sends them.
 */
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import type { XoConnection } from '../../src/xo/connection'
import { ObjectStore, type XoObject } from '../../src/xo/object-store'

export const vm = (id: string, extra: Record<string, unknown> = {}): XoObject => ({
  id,
  type: 'VM',
  name_label: id,
  power_state: 'Halted',
  ...extra,
})

/** A connection whose `xo.getAllObjects` answers when the test says so. */
export class FakeConnection extends EventEmitter {
  isConnected = true
  endpoint = { httpBase: 'http://xo.invalid', wsUrl: 'ws://xo.invalid/api/', secure: false }
  tls = {}
  loads: Array<{
    types: unknown
    answer: (objects: XoObject[]) => void
    reply: (result: unknown) => void
    fail: (error: Error) => void
  }> = []
  /** what the store reported as XO's bad frames */
  badFrames: string[] = []
  call(method: string, params: Record<string, unknown>): Promise<unknown> {
    assert.equal(method, 'xo.getAllObjects')
    return new Promise((resolve, reject) =>
      this.loads.push({
        types: params,
        answer: (objects) => resolve(Object.fromEntries(objects.map((o) => [o.id, o]))),
        reply: resolve,
        fail: reject,
      }),
    )
  }
  reportBadFrame(reason: string): void {
    this.badFrames.push(reason)
  }
  notify(type: 'enter' | 'exit', items: Record<string, unknown>): void {
    this.emit('notification', { type, items })
  }
}

export function storeOn(types: string[], options?: ConstructorParameters<typeof ObjectStore>[2]) {
  const connection = new FakeConnection()
  const store = new ObjectStore(connection as unknown as XoConnection, types, options)
  const warnings: string[] = []
  store.on('warning', (w) => warnings.push(w))
  store.start()
  return { connection, store, warnings }
}
