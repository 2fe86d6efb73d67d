import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import type { NodeAPI } from 'node-red'
import { nodeType } from '../../../src/node-red/define-node'

/** Just enough of Node-RED's API for one node type: registers it, creates a node as the runtime does. */
function fakeRed() {
  const registered: Array<{ type: string; ctor: (this: unknown, config: unknown) => void; options: unknown }> = []
  const RED = {
    _: (key: string, subs?: Record<string, unknown>) => `${key}${subs ? ` ${JSON.stringify(subs)}` : ''}`,
    nodes: {
      registerType: (type: string, ctor: (this: unknown, config: unknown) => void, options: unknown) =>
        registered.push({ type, ctor, options }),
      createNode: (node: Record<string, unknown>, config: { id: string }) => Object.assign(node, { id: config.id }),
    },
  } as unknown as NodeAPI
  /** A node of the registered type, with what it showed and logged. */
  const create = (config: Record<string, unknown> = {}) => {
    const node = Object.assign(new EventEmitter(), {
      statuses: [] as unknown[],
      errors: [] as string[],
      status(s: unknown) {
        this.statuses.push(s)
      },
      error(m: string) {
        this.errors.push(m)
      },
    })
    registered[0].ctor.call(node, { id: 'n1', ...config })
    return node
  }
  /** Node-RED closing the node: resolves once the node says it has closed. */
  const close = (node: EventEmitter, removed: boolean) =>
    new Promise<void>((resolve) => {
      const [listener] = node.listeners('close') as Array<(removed: boolean, done: () => void) => void>
      listener(removed, resolve)
    })
  return { RED, registered, create, close }
}

describe('nodeType: one typed way to define a node', () => {
  it('registers the type with its credentials, and gives the setup its node, configuration and texts', () => {
    const red = fakeRed()
    let seen: { id?: string; text?: string; answer?: unknown } = {}
    nodeType<{ answer: number }, { secret?: string }>(
      'xo-test',
      ({ node, config, t }) => {
        seen = { id: node.id, text: t('status.ready', { count: 2 }), answer: config.answer }
      },
      { credentials: { secret: { type: 'password' } } },
    )(red.RED)
    assert.equal(red.registered[0].type, 'xo-test')
    assert.deepEqual(red.registered[0].options, { credentials: { secret: { type: 'password' } } })
    red.create({ answer: 42 })
    assert.deepEqual(seen, { id: 'n1', text: 'xo-test.status.ready {"count":2}', answer: 42 })
  })

  it('refuses a configuration that cannot work: red status, an error, and every message failing with the reason', async () => {
    const red = fakeRed()
    nodeType('xo-test', ({ refuse }) => refuse('no server'))(red.RED)
    const node = red.create()
    assert.deepEqual(node.statuses, [{ fill: 'red', shape: 'ring', text: 'no server' }])
    assert.deepEqual(node.errors, ['no server'])
    const failed = await new Promise<Error | undefined>((resolve) => node.emit('input', {}, () => {}, resolve))
    assert.equal(failed?.message, 'no server')
  })

  it('closes the scope when Node-RED closes the node, awaited and told whether it was removed; a failing step is reported', async () => {
    const red = fakeRed()
    const undone: string[] = []
    let release: () => void = () => {}
    nodeType('xo-test', ({ scope }) => {
      scope.defer(() => {
        throw new Error('could not stop')
      })
      scope.defer(
        (removed) =>
          new Promise<void>((resolve) => {
            undone.push(`removed ${removed}`)
            release = resolve
          }),
      )
    })(red.RED)
    const node = red.create()
    let closed = false
    const closing = red.close(node, true).then(() => (closed = true))
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(undone, ['removed true'])
    assert.equal(closed, false, 'told Node-RED it closed before its scope was undone')
    release()
    await closing
    assert.deepEqual(node.errors, ['could not stop'])
  })
})
