// Minimal typings for jsonrpc-websocket-client 0.7 (the package ships none).
declare module 'jsonrpc-websocket-client' {
  import { EventEmitter } from 'node:events'

  export interface JsonRpcNotification {
    type: 'notification'
    jsonrpc?: string
    method: string
    params?: unknown
  }

  export interface ClientOptions {
    url: string
    protocols?: string[]
    // Every other key goes to `new WebSocket(url, protocols, options)` (ws 8).
    [wsOption: string]: unknown
  }

  export class JsonRpcWebSocketClient extends EventEmitter {
    constructor(options: string | ClientOptions)
    readonly status: 'open' | 'connecting' | 'closed'
    open(backoff?: Iterable<number>): Promise<void>
    close(): Promise<void>
    call(method: string, params?: unknown): Promise<unknown>
    notify(method: string, params?: unknown): Promise<void>
  }

  export class ConnectionError extends Error {}
  export class AbortedConnection extends ConnectionError {}
}
