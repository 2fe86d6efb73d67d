import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/** One XO connection as the metrics read it at scrape time. */
export interface ServerReading {
  /** the config node's name, or its id */
  server: string
  connected: boolean
  /** objects kept in its object store (0 when no node uses the store) */
  objects: number
  /** with a shared store: whether this Node-RED leads for it */
  leading?: boolean
}

/** One xo outbox node as the metrics read it at scrape time. */
export interface OutboxReading {
  /** the node's name, or its id */
  node: string
  pending: number
  dead: number
  /** age of the oldest request still waiting (0 when none waits) */
  oldestSeconds: number
}

/**
 * The package's metrics in Prometheus' text exposition format (prom-client), one registry per Node-RED runtime:
 * deliveries, refusals, gated deliveries, XO connections, objects kept, object-event lag, catch-up. Every series is
 * labelled with its `server` (the xo-server node's name, or id). Never the default global registry: Node-RED may
 * run other code that uses prom-client.
 */
export class XoMetrics {
  readonly registry = new Registry()
  readonly deliveries = this.#counter(
    'xo_hook_deliveries_total',
    "XO's web-hook deliveries emitted by xo-hook nodes, by method and phase",
    ['server', 'method', 'phase'] as const,
  )
  readonly refusals = this.#counter(
    'xo_hook_refusals_total',
    'Deliveries refused, by HTTP status (401 wrong secret, 403 source not allowed, 413 too large, 400/415 not an XO hook, 405 not POST)',
    ['server', 'status'] as const,
  )
  readonly gated = this.#counter(
    'xo_hook_gated_total',
    'Gated pre deliveries (XO waits): held, released by xo proceed, released at the timeout, released when the node closed or failed',
    ['server', 'outcome'] as const,
  )
  readonly caughtUp = this.#counter(
    'xo_hook_caught_up_total',
    "Calls XO could not deliver, emitted from XO's audit log, by method",
    ['server', 'method'] as const,
  )
  readonly catchUpPasses = this.#counter(
    'xo_hook_catch_up_passes_total',
    "Reads of XO's audit log by the catch-up, by outcome (ok, not-loaded, inactive, not-admin, failed)",
    ['server', 'outcome'] as const,
  )
  readonly reconnections = this.#counter(
    'xo_connection_reconnections_total',
    'Sign-ins to XO after the first one (after XO restarted or the network dropped)',
    ['server'] as const,
  )
  readonly events = this.#counter('xo_events_messages_total', 'Messages of xo-events nodes, by object type and event', [
    'server',
    'type',
    'event',
  ] as const)
  readonly eventLag = new Histogram({
    name: 'xo_events_lag_seconds',
    help: "From XO's notification received to the xo-events message sent",
    labelNames: ['server'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  })

  /** A counter of this registry's (never the global one). */
  #counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] })
  }

  constructor(read: () => ServerReading[], outboxes: () => OutboxReading[] = () => []) {
    const registry = this.registry
    const perOutbox = (name: string, help: string, value: (r: OutboxReading) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['node'] as const,
        registers: [registry],
        collect() {
          this.reset()
          for (const r of outboxes()) this.set({ node: r.node }, value(r))
        },
      })
    perOutbox('xo_outbox_pending', 'Requests an xo outbox keeps until they are delivered', (r) => r.pending)
    perOutbox('xo_outbox_dead', 'Requests an xo outbox keeps as dead letters (failed for good)', (r) => r.dead)
    perOutbox(
      'xo_outbox_oldest_seconds',
      'Age of the oldest request an xo outbox still tries to deliver',
      (r) => r.oldestSeconds,
    )
    // Read at scrape time, one series per XO connection.
    const gauge = (name: string, help: string, value: (r: ServerReading) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['server'] as const,
        registers: [registry],
        collect() {
          this.reset()
          for (const r of read()) {
            const v = value(r)
            if (v !== undefined) this.set({ server: r.server }, v)
          }
        },
      })
    gauge('xo_connection_up', '1 while the connection to XO is signed in, else 0', (r) => (r.connected ? 1 : 0))
    gauge('xo_objects_kept', "XO objects kept in the connection's object store", (r) => r.objects)
    gauge(
      'xo_coordination_leader',
      'With a shared store: 1 while this Node-RED leads for the connection, else 0',
      (r) => (r.leading === undefined ? undefined : r.leading ? 1 : 0),
    )
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() }
  }
}
