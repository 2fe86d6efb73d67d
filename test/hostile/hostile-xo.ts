/**
 * A WebSocket server posing as XO, one behaviour per URL path (`ws://…/<case>/api/`): it answers like XO where
 * the case says so, and sends the case's bad frame where XO would send a good one. It counts what each client
 * sent, so that a test can tell a client that answers garbage (an endless reply loop) from one that does not.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'

type Frame = { text: string } | { binary: Buffer }

export interface HostileCase {
  /** sent when the client asks anything before it is signed in (instead of XO's answer) */
  onSignIn?: (request: { id: unknown }) => Frame
  /** sent once the client is signed in and has loaded its objects */
  afterSignIn?: () => Frame
  /** sent as soon as the socket is open */
  onOpen?: Frame
  /** every text frame the client sends is sent back */
  echo?: boolean
}

const USER = { id: 'u1', email: 'admin@admin.net', groups: [], permission: 'admin', preferences: {} }

export class HostileXo {
  url = ''
  /** text frames each case's clients sent */
  received = new Map<string, string[]>()
  /** sockets each case accepted */
  connections = new Map<string, number>()
  #http = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('Welcome!'))
  #wss = new WebSocketServer({ noServer: true })

  constructor(private readonly cases: Record<string, HostileCase>) {
    this.#http.on('upgrade', (req, socket, head) => {
      const name = /^\/([^/]+)\/api\/$/.exec(req.url ?? '')?.[1]
      const behaviour = name ? this.cases[name] : undefined
      if (!name || !behaviour) return void socket.destroy()
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#serve(name, behaviour, ws))
    })
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#http.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.#http.address() as AddressInfo).port}`
    return this
  }

  /** The URL an xo-server node is given for a case. */
  caseUrl(name: string): string {
    return `${this.url.replace(/^http/, 'ws')}/${name}/`
  }

  async stop(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate()
    this.#wss.close()
    this.#http.closeAllConnections()
    await new Promise<void>((resolve) => this.#http.close(() => resolve()))
  }

  #serve(name: string, behaviour: HostileCase, ws: WebSocket): void {
    const sent = this.received.get(name) ?? []
    this.received.set(name, sent)
    this.connections.set(name, (this.connections.get(name) ?? 0) + 1)
    const send = (frame: Frame) => ('text' in frame ? ws.send(frame.text) : ws.send(frame.binary, { binary: true }))
    const answer = (id: unknown, result: unknown) => ws.send(JSON.stringify({ jsonrpc: '2.0', id, result }))
    let signedIn = false
    if (behaviour.onOpen) send(behaviour.onOpen)
    ws.on('error', () => {})
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : String(data)
      sent.push(text)
      if (behaviour.echo) return void ws.send(text)
      let request: { id?: unknown; method?: string }
      try {
        request = JSON.parse(text)
      } catch {
        return
      }
      if (!signedIn && behaviour.onSignIn) return void send(behaviour.onSignIn({ id: request.id }))
      switch (request.method) {
        case 'session.signIn':
          signedIn = true
          return answer(request.id, USER)
        case 'system.getServerVersion':
          return answer(request.id, '5.207.2')
        case 'xo.getAllObjects':
          answer(request.id, {})
          if (behaviour.afterSignIn) setTimeout(() => send(behaviour.afterSignIn!()), 50)
          return
        default:
          ws.send(JSON.stringify({ jsonrpc: '2.0', id: request.id, error: { code: -32601, message: 'method not found' } }))
      }
    })
  }
}
