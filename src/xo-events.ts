import { ObjectEvents } from './node-red/events-objects'
import { compileSelection, type XoEventsConfig } from './events/selection'
import { nodeType } from './node-red/define-node'
import { eventsMemory } from './node-red/events-memory'
import { eventsStatus } from './node-red/events-status'
import { runtimeOf, serverLabel } from './node-red/runtime'
import type { StatusSpec } from './common/status'
import { serverNode } from './node-red/xo-server-node'

// Names of related objects are resolved, so kept whatever types the node selects.
const NAMING_TYPES = ['pool', 'host']

export = nodeType<XoEventsConfig & { server?: string }>('xo-events', ({ RED, node, config, t, scope, refuse }) => {
  const selection = compileSelection(config)
  const server = serverNode(RED, config.server)
  const store =
    server && !('error' in selection) ? server.openObjectStore([...selection.types, ...NAMING_TYPES]) : undefined
  const feed = server?.changeFeed()
  if ('error' in selection || !server || !store || !feed) {
    const reason = 'error' in selection ? selection.error : !server ? t('errors.noServer') : (server.configError ?? '')
    return refuse(t('status.misconfigured', { reason }))
  }
  const coordinator = server.coordinator
  const events = new ObjectEvents({
    selection,
    objects: store,
    holdCreations: !coordinator,
    // Without *remember*, `initial` goes out as soon as the store is loaded; with it, only if nothing was remembered.
    initialAllowed: config.remember !== true && !coordinator,
    send: (msg) => node.send(msg),
    metrics: runtimeOf(RED).metrics,
    server: { label: serverLabel(server), notifiedAt: () => server.notifiedAt() },
    log: (message) => node.log(message),
    error: (message) => node.error(message),
    t,
  })
  const memory = eventsMemory({
    RED,
    node,
    config,
    selection,
    needs: [...selection.types, ...NAMING_TYPES],
    objects: store,
    events,
    coordinator,
    server: () => server.connection?.endpoint.wsUrl ?? '',
    failed: (reason) => node.warn(t('errors.failed', { reason })),
  })
  const status = (spec: StatusSpec) =>
    eventsStatus(
      spec,
      {
        loaded: store.loaded,
        objects: store.size,
        count: events.count,
        unfinished: events.unfinished,
        withPool: events.withPool,
        ...memory.figures(),
      },
      t,
    )

  // Undone last first; the last snapshot is taken as the node starts closing, and waited for once all is undone.
  let written: Promise<void> | undefined
  scope.defer(() => written)
  const use = server.use(node, { status })
  scope.defer(() => use.close())
  scope.on(events, 'status', () => use.refreshStatus())
  scope.on(store, 'loaded', () => events.loaded())
  // With *remember*, what is held was left out of the snapshot: found created at the next start. Otherwise it
  // goes now, as the node's last messages.
  scope.defer(() => events.stop(!memory.remembers))
  scope.on(feed, 'change', (change) => events.change(change, memory.gate))
  scope.defer((removed) => void (written = memory.close(removed)))
  events.sendInitial()
  memory.start()
})
