import type { Node, NodeAPI, NodeDef } from 'node-red'
import { summaryLine } from './destinations/event'
import type { ObjectChange } from './events/change'
import type { Changes } from './events/diff'
import type { ObjectEventPayload, XoEventMessage } from './events/message'
import { RememberedObjects } from './events/remembered-objects'
import { FoundAtTakeover, LeadingObjects } from './events/leading-objects'
import { roleText } from './node-red/runtime'
import { compileSelection, EventSelection, XoEventsConfig } from './events/selection'
import { SettlingCreations } from './events/settling'
import type { FoundChange } from './events/snapshot'
import { refuseToRun } from './node-red/misconfigured'
import { snapshotIntervalMs, stateStoreOf } from './node-red/state'
import { runtimeOf, serverLabel } from './node-red/runtime'
import type { StatusSpec } from './node-red/status'
import type { XoServerNode } from './node-red/xo-server-node'
import type { XoObject } from './xo/object-store'

// Names of related objects are resolved, so kept whatever types the node selects.
const NAMING_TYPES = ['pool', 'host']

// A new VM is complete (its own VIFs, who made it) a few hundred milliseconds after XO first shows it.
const VM_QUIET_MS = 1000
const VM_SETTLE_MAX_MS = 10_000

export = function register(RED: NodeAPI) {
  const t = (key: string, substitutions?: Record<string, string | number>) => RED._(`xo-events.${key}`, substitutions)

  function XoEvents(this: Node, config: NodeDef & XoEventsConfig & { server?: string }) {
    RED.nodes.createNode(this, config)
    const node = this
    const compiled = compileSelection(config)
    const server = RED.nodes.getNode(config.server ?? '') as XoServerNode | null
    const store = server && !('error' in compiled) ? server.objects([...compiled.types, ...NAMING_TYPES]) : undefined
    const feed = server?.changeFeed()
    if ('error' in compiled || !server || !store || !feed) {
      const reason = 'error' in compiled ? compiled.error : !server ? t('errors.noServer') : (server.configError ?? '')
      return refuseToRun(node, t('status.misconfigured', { reason }))
    }
    const selection: EventSelection = compiled
    const metrics = runtimeOf(RED).metrics
    const serverName = serverLabel(server)
    const lookup = (id: string) => store.get(id)
    let count = 0
    let initialSent = false
    // Without *remember*, `initial` goes out as soon as the store is loaded; with it, only if nothing was remembered.
    let initialAllowed = config.remember !== true

    const named = (id: unknown) => {
      if (typeof id !== 'string') return undefined
      const name = lookup(id)?.name_label
      return typeof name === 'string' ? { id, name } : { id }
    }

    const settling = new SettlingCreations({ quietMs: VM_QUIET_MS, maxMs: VM_SETTLE_MAX_MS })
    // A pool XO connects to (again) brings its VMs, and one it loses takes them: none was made or deleted. XO
    // sends them in one batch, applied in one turn of the event loop: turns are counted to tell.
    let turn = 0
    let turnEnds: NodeJS.Immediate | undefined
    const currentTurn = () => {
      turnEnds ??= setImmediate(() => {
        turn++
        turnEnds = undefined
      })
      return turn
    }
    const poolsAppeared = new Map<string, number>()
    const poolsGone = new Map<string, number>()
    const removalsChecked = new Set<NodeJS.Immediate>()
    let withPool = 0
    const cameOrWentWithPool = (object: XoObject) => {
      withPool++
      if (withPool === 1) node.log(t('log.withPool', { name: String(object.name_label ?? object.id) }))
      use.refreshStatus()
    }
    const isLive = (detail?: Record<string, unknown>) => detail?.foundAtStart === undefined && detail?.foundAtTakeover === undefined

    const send = (event: string, object: XoObject, previous: XoObject | undefined, changes: Changes, detail?: Record<string, unknown>) => {
      // A live creation of a VM waits until XO has finished making it, and goes out as the VM then is. Not with a
      // shared Redis: the next leader must find every change the last one did not send, and a creation held here
      // would count as sent (a leader that dies within the second would lose it).
      if (event === 'created' && object.type === 'VM' && !leading && isLive(detail)) {
        const heldIn = currentTurn()
        return settling.hold(object.id, () => {
          const current = lookup(object.id)
          if (poolsAppeared.get(String(current?.$pool)) === heldIn) return cameOrWentWithPool(object)
          if (current?.type === 'VM') emit(event, current, undefined, changes, detail, false)
          use.refreshStatus()
        })
      }
      // Whether its pool left too is known once XO's whole batch is applied.
      if (event === 'removed' && object.type === 'VM' && !leading && isLive(detail) && typeof object.$pool === 'string') {
        const removedIn = currentTurn()
        const checked = setImmediate(() => {
          removalsChecked.delete(checked)
          if (poolsGone.get(object.$pool as string) === removedIn) return cameOrWentWithPool(object)
          emit(event, object, previous, changes, detail, false)
        })
        removalsChecked.add(checked)
        return
      }
      // The changes XO makes while it makes the VM (its VIFs, its creation record) are part of its creation.
      if (event === 'updated' && settling.has(object.id)) return
      settling.release(object.id)
      emit(event, object, previous, changes, detail)
    }

    /** `live`: sent as XO's notification came (not held meanwhile), so its lag is measured */
    const emit = (event: string, object: XoObject, previous: XoObject | undefined, changes: Changes, detail?: Record<string, unknown>, live = true) => {
      const payload: ObjectEventPayload = { event, type: object.type, id: object.id, object, changes, ...detail }
      if (previous) payload.previous = previous
      if (object.type !== 'pool' && object.$pool) payload.pool = named(object.$pool)
      if (typeof object.$container === 'string' && lookup(object.$container)?.type === 'host') payload.host = named(object.$container)
      const msg: XoEventMessage = { topic: `${object.type}.${event}`, payload }
      msg.summary = summaryLine(msg)
      node.send(msg)
      count++
      metrics.events.inc({ server: serverName, type: object.type, event })
      // The lag of live changes only: initial and found-at-start events come from a snapshot, not a notification.
      const notified = server.notifiedAt()
      if (live && notified && event !== 'initial' && detail?.foundAtStart === undefined && detail?.foundAtTakeover === undefined) {
        metrics.eventLag.observe({ server: serverName }, (performance.now() - notified) / 1000)
      }
    }

    // `shown` is what the message carries as the object: the change's own, or XO's full version of an object
    // compared at start on its remembered fields only.
    /** Sends what the node selects of a change; true when it sent something. */
    const sendChange = (change: ObjectChange, shown = change.object, extra?: Record<string, unknown>): boolean => {
      let selected
      try {
        selected = selection.select(change, lookup)
      } catch (error) {
        node.error(t('errors.failed', { reason: (error as Error).message }))
        return false
      }
      if (selected.length === 0) return false
      for (const e of selected) {
        const detail = extra ? { ...e.detail, ...extra } : e.detail
        if (e.object) send(e.event, e.object, undefined, e.changes, detail)
        else send(e.event, shown, e.event === 'created' ? undefined : change.previous, e.changes, detail)
      }
      use.refreshStatus()
      return true
    }

    // With a Redis shared with another Node-RED: only the leader sends, and records what it sent for the next one.
    // Changes found by comparing with what was sent before (a restart, a takeover): the remembered objects and these
    // changes already say what is there, so no `initial` events.
    // At a takeover, each says how it was found: seen here as XO made it, or only compared with XO.
    const sendFound = (mark: 'foundAtStart' | 'foundAtTakeover') => (changes: Array<FoundChange & { foundAtTakeover?: FoundAtTakeover }>) => {
      initialSent = true
      for (const found of changes) sendChange(found.change, found.object, { [mark]: found.foundAtTakeover ?? true })
      use.refreshStatus()
    }
    const coordinator = server.coordinator
    const kept = {
      objects: store,
      needs: [...selection.types, ...NAMING_TYPES],
      selection,
      config,
      server: () => server.connection?.endpoint.wsUrl ?? '',
      log: (message: string) => node.log(message),
      warn: (message: string) => node.warn(message),
    }
    const leading = coordinator
      ? new LeadingObjects({
          ...kept,
          snapshot: coordinator.snapshot(node.id),
          lease: coordinator.lease,
          found: sendFound('foundAtTakeover'),
          fresh: () => {
            initialAllowed = true
            sendInitial()
          },
          onRole: () => use?.refreshStatus(),
        })
      : undefined
    if (leading) initialAllowed = false

    // With *remember*: what the node knew before a restart or redeploy, compared once XO's objects are loaded.
    const memory = config.remember === true && !leading
      ? new RememberedObjects({
          ...kept,
          state: stateStoreOf(RED),
          key: `xo-events/${node.id}`,
          writeIntervalMs: snapshotIntervalMs(RED),
          found: sendFound('foundAtStart'),
          unsent: (id) => settling.has(id),
          fresh: (held: ObjectChange[]) => {
            initialAllowed = true
            for (const change of held) sendChange(change)
            sendInitial()
          },
          onProblem: () => use.refreshStatus(),
        })
      : undefined
    // VMs removed before XO finished making them: neither their creation nor their removal goes out.
    let unfinished = 0
    const onChange = (change: ObjectChange) => {
      if (change.object.type === 'pool') {
        if (change.kind === 'exit') poolsGone.set(change.object.id, currentTurn())
        else if (!change.previous) poolsAppeared.set(change.object.id, currentTurn())
      }
      const vanished = change.kind === 'exit' && settling.drop(change.object.id)
      if (vanished) {
        unfinished++
        node.log(t('log.vanished', { name: String(change.object.name_label ?? change.object.id) }))
      } else if (change.kind === 'enter') settling.changed(change.object.id)
      if (leading) {
        // What every change left is recorded, sent or silent (a field the events do not read, an intermediate step
        // of XO's): the next leader finds the leader's last view among the states it saw, lasting until the
        // leader's last record.
        if (!leading.accept(change)) return
        sendChange(change)
        leading.sent(change)
        return
      }
      if (memory && !memory.accept(change)) return
      if (vanished) return use.refreshStatus()
      sendChange(change)
    }

    // The state at start, once per deployment, when asked for.
    const sendInitial = () => {
      if (!selection.initial || initialSent || !initialAllowed || !store.loaded) return
      initialSent = true
      for (const object of store.values()) if (selection.matches(object, lookup)) send('initial', object, undefined, {})
      use.refreshStatus()
    }
    const onLoaded = () => {
      sendInitial()
      use.refreshStatus()
    }

    const decorate = (spec: StatusSpec): StatusSpec => {
      if (spec.fill !== 'green') return spec
      if (!store.loaded) return { fill: 'yellow', shape: 'dot', text: t('status.loading') }
      if (coordinator && !leading?.leading) {
        const role = coordinator.role
        return role.role === 'unknown'
          ? { fill: 'yellow', shape: 'ring', text: t('status.noStore', { reason: role.reason }) }
          : { fill: 'grey', shape: 'ring', text: t('status.following', { role: roleText(role), objects: store.size }) }
      }
      if (memory?.problem) return { fill: 'yellow', shape: 'ring', text: t('status.notRemembered', { count }) }
      const counted = count ? { fill: 'green' as const, shape: 'dot' as const, text: t('status.counts', { count }) } : spec
      const notes = [
        ...(unfinished ? [t('status.unfinished', { count: unfinished })] : []),
        ...(withPool ? [t('status.withPool', { count: withPool })] : []),
      ]
      const shown = notes.length ? { ...counted, text: [counted.text ?? '', ...notes].join(' · ') } : counted
      return leading ? { ...shown, text: `${shown.text ?? ''} · ${t('status.leader')}` } : shown
    }

    feed.on('change', onChange)
    store.on('loaded', onLoaded)
    const use = server.use(node, { status: decorate })
    sendInitial()
    void memory?.start()
    leading?.start()

    node.on('close', (removed: boolean, done: () => void) => {
      feed.off('change', onChange)
      for (const checked of removalsChecked) clearImmediate(checked)
      if (turnEnds) clearImmediate(turnEnds)
      // With *remember*, what is held was left out of the snapshot: found created at the next start. Otherwise
      // it goes now, as the node's last messages.
      if (!memory) settling.releaseAll()
      store.off('loaded', onLoaded)
      use.close()
      if (leading) return void leading.close(removed).then(done, done)
      // Node-RED waits for the last snapshot on disk: a node redeployed in its place reads it next.
      if (!memory) return done()
      const closed = memory.close(removed)
      // The last snapshot was taken, leaving them out: a creation held now is found at the next start.
      settling.clear()
      closed.then(done, (error: Error) => {
        node.warn(t('errors.failed', { reason: error?.message }))
        done()
      })
    })
  }

  RED.nodes.registerType('xo-events', XoEvents as unknown as Parameters<NodeAPI['nodes']['registerType']>[1])
}
