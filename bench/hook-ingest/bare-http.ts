import http from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * Target (a), the floor under any HTTP receiver in Node: read the body, parse it, answer 200. Whatever the
 * xo-hook node does beyond this is the price of Node-RED and of the node itself.
 */
export async function startBareServer(): Promise<{ port: number; path: string; stop(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      try {
        JSON.parse(Buffer.concat(chunks).toString('utf8'))
        res.writeHead(200, { 'content-length': '0' }).end()
      } catch {
        res.writeHead(400, { 'content-length': '0' }).end()
      }
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    port,
    path: '/hook',
    stop: () => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}
