import type { NodeAPI } from 'node-red'

/**
 * What identifies one Node-RED runtime to every node module of the package: its events emitter. (Each module gets
 * its own copy of `RED` and of `RED.settings`, so neither can key what the modules share.)
 */
export const runtimeKey = (RED: NodeAPI): object => RED.events as unknown as object
