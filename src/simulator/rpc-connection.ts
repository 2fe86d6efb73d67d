// One JSON-RPC 2.0 peer over a WebSocket, answering like json-rpc-peer does in xo-server:
// replies {id, jsonrpc, result} / {error, id, jsonrpc}; protocol errors for bad frames; never throws.
import type WebSocket from 'ws'
import type { Core, Session } from './core'
import { toJsonRpcError } from './errors'

type Reply = Record<string, unknown> | undefined

const protocolError = (code: number, message: string, id: unknown = null) => ({
  error: { code, message },
  id,
  jsonrpc: '2.0',
})

export class RpcConnection {
  readonly session: Session
  private unsubscribe: (() => void) | undefined

  constructor(
    private readonly ws: WebSocket,
    private readonly core: Core,
    ip: string,
    private readonly frozen: () => boolean,
  ) {
    this.session = { ip, onUserChange: () => this.syncSubscription() }
    ws.on('message', (data, isBinary) => void this.onMessage(isBinary ? data.toString() : String(data)))
    ws.on('close', () => this.unsubscribe?.())
    ws.on('error', (err) => core.opts.log(`ws error: ${err.message}`))
  }

  /** Every signed-in connection receives `all` notifications; anonymous ones do not. */
  private syncSubscription(): void {
    if (this.session.user !== undefined && this.unsubscribe === undefined) {
      this.unsubscribe = this.core.store.subscribe((frame) => this.sendRaw(frame))
    } else if (this.session.user === undefined && this.unsubscribe !== undefined) {
      this.unsubscribe()
      this.unsubscribe = undefined
    }
  }

  close(): void {
    this.ws.close()
  }

  private sendRaw(frame: string): void {
    if (this.frozen() || this.ws.readyState !== this.ws.OPEN) return
    this.ws.send(frame)
  }

  private async onMessage(text: string): Promise<void> {
    if (this.frozen()) return // half-open: the request never "arrived"
    // A token session expires on the next incoming message (xo-server closes the socket).
    if (this.session.expiration !== undefined && Date.now() >= this.session.expiration) {
      this.ws.close()
      return
    }
    let msg: unknown
    try {
      msg = JSON.parse(text)
    } catch {
      this.sendRaw(JSON.stringify(protocolError(-32700, 'invalid JSON')))
      return
    }
    if (Array.isArray(msg)) {
      if (msg.length === 0) return this.sendRaw(JSON.stringify(protocolError(-32600, 'invalid JSON-RPC request')))
      const replies = (await Promise.all(msg.map((m) => this.handle(m)))).filter((r) => r !== undefined)
      if (replies.length > 0) this.sendRaw(JSON.stringify(replies))
      return
    }
    const reply = await this.handle(msg)
    if (reply !== undefined) this.sendRaw(JSON.stringify(reply))
  }

  private async handle(m: unknown): Promise<Reply> {
    if (typeof m !== 'object' || m === null) return protocolError(-32600, 'invalid JSON-RPC request')
    const req = m as Record<string, unknown>
    if ('result' in req || 'error' in req) return undefined // a response: we never send requests
    const id = req.id
    const isNotification = id === undefined
    if (typeof req.method !== 'string') return protocolError(-32600, 'invalid JSON-RPC request', id ?? null)
    const params = req.params ?? {}
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      return isNotification ? undefined : protocolError(-32602, 'invalid parameter(s)', id)
    }
    try {
      const result = await this.core.call(this.session, req.method, params as Record<string, unknown>)
      return isNotification ? undefined : { id, jsonrpc: '2.0', result }
    } catch (err) {
      if (isNotification) return undefined
      return { error: toJsonRpcError(err, this.session.user?.permission === 'admin'), id, jsonrpc: '2.0' }
    }
  }
}
