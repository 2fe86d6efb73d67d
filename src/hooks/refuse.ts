import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * How much of an unread body is read and dropped before a refusal is sent. Closing a socket that still holds
 * unread bytes makes the kernel reset it, and the sender (XO) then sees "connection reset" instead of the status
 * that says what was wrong. Past this bound the answer goes out at once and the connection is closed.
 */
const DRAIN_LIMIT = 64 * 1024 * 1024

/** Answers a request that is not taken (4xx, 404), after the rest of its body has been read and dropped. */
export function refuse(req: IncomingMessage, res: ServerResponse, status: number): void {
  const answer = () => {
    if (res.writableEnded || res.destroyed) return
    res.statusCode = status
    res.end()
  }
  if (req.complete || req.readableEnded || req.destroyed) return answer()
  let drained = 0
  const onData = (chunk: Buffer) => {
    drained += chunk.length
    if (drained <= DRAIN_LIMIT) return
    req.off('data', onData)
    req.off('end', answer)
    res.setHeader('Connection', 'close')
    answer()
  }
  req.on('data', onData)
  req.once('end', answer)
  req.resume()
}
