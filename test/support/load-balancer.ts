import net from 'node:net'

/**
 * A small TCP load balancer in front of Node-REDs, as HAProxy in TCP mode would be: each connection goes to the
 * next backend in turn; a backend that refuses the connection is skipped for a second and the connection tried on
 * the next one (HAProxy's redispatch). A backend that accepts but never answers (a paused process) is not detected.
 */
export class LoadBalancer {
  #server = net.createServer((client) => this.#forward(client))
  #sockets = new Set<net.Socket>()
  #next = 0
  #down = new Map<number, number>()
  url = ''

  constructor(private readonly backends: () => number[]) {}

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.#server.address() as net.AddressInfo).port}`
    return this
  }

  #forward(client: net.Socket, tried = 0): void {
    this.#track(client)
    const ports = this.backends()
    const now = Date.now()
    const up = ports.filter((port) => (this.#down.get(port) ?? 0) < now)
    const candidates = up.length ? up : ports
    if (tried >= ports.length || candidates.length === 0) return void client.destroy()
    const port = candidates[this.#next++ % candidates.length]
    const upstream = net.connect(port, '127.0.0.1')
    let connected = false
    client.pause()
    // Tracked from the start: a stop while it connects destroys it too.
    this.#track(upstream)
    upstream.once('connect', () => {
      connected = true
      if (client.destroyed) return void upstream.destroy()
      client.once('close', () => upstream.destroy())
      upstream.once('close', () => client.destroy())
      client.pipe(upstream).pipe(client)
      client.resume()
    })
    upstream.once('error', () => {
      if (connected || client.destroyed) return client.destroy()
      this.#down.set(port, Date.now() + 1000)
      this.#forward(client, tried + 1)
    })
  }

  #track(socket: net.Socket): void {
    if (this.#sockets.has(socket)) return
    this.#sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => this.#sockets.delete(socket))
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}
