import type { Request, Response } from 'express'
import type { Node, NodeAPI } from 'node-red'
import type { Outbox, OutboxEntry } from '../outbox/outbox'
import { hostOf } from '../common/url-host'
import { translator } from './define-node'

/** An xo-outbox node as the editor reaches it (`RED.nodes.getNode`). */
export interface XoOutboxNode extends Node {
  outbox: Pick<Outbox, 'list' | 'retryNow' | 'drop'>
}

/**
 * What the operator's view shows of an entry: where it goes (the host only: a webhook URL's path is its secret),
 * how it fares, never its body or headers.
 */
export function entryView(entry: OutboxEntry) {
  const summary = entry.request.carried?.xoSummary as { title?: unknown } | undefined
  return {
    id: entry.id,
    host: hostOf(entry.request.url),
    method: entry.request.method,
    ...(typeof summary?.title === 'string' ? { title: summary.title } : {}),
    attempts: entry.attempts,
    createdAt: entry.createdAt,
    ...(entry.dead ? { dead: entry.dead } : { nextAt: entry.nextAt }),
    ...(entry.lastAnswer ? { lastAnswer: entry.lastAnswer } : {}),
  }
}

/**
 * The admin API of xo outbox nodes: what each keeps (`xo-server.read`), and sending again or dropping an entry, or
 * all of them (`xo-server.write`): the operator's view is the xo-server's, whose permissions it shares.
 */
export function outboxRoutes(RED: NodeAPI): void {
  const t = translator(RED, 'xo-outbox')
  const deployed = (req: Request, res: Response): XoOutboxNode | undefined => {
    const node = RED.nodes.getNode(String(req.params.id)) as XoOutboxNode | null
    if (node?.type === 'xo-outbox' && node.outbox) return node
    res.status(404).json({ error: t('errors.notDeployed') })
    return undefined
  }
  const entryOf = (req: Request) => {
    const entry = (req.body as { entry?: unknown } | undefined)?.entry
    return typeof entry === 'string' && entry ? entry : undefined
  }
  RED.httpAdmin.get('/xo-outbox/:id', RED.auth.needsPermission('xo-server.read'), (req: Request, res: Response) => {
    const node = deployed(req, res)
    if (!node) return
    const { pending, dead } = node.outbox.list()
    res.json({ pending: pending.map(entryView), dead: dead.map(entryView) })
  })
  RED.httpAdmin.post(
    '/xo-outbox/:id/retry',
    RED.auth.needsPermission('xo-server.write'),
    async (req: Request, res: Response) => {
      const node = deployed(req, res)
      if (node) res.json({ retried: await node.outbox.retryNow(entryOf(req)) })
    },
  )
  RED.httpAdmin.post(
    '/xo-outbox/:id/drop',
    RED.auth.needsPermission('xo-server.write'),
    async (req: Request, res: Response) => {
      const node = deployed(req, res)
      const deadOnly = (req.body as { deadOnly?: unknown } | undefined)?.deadOnly === true
      if (node) res.json({ dropped: await node.outbox.drop(entryOf(req), { deadOnly }) })
    },
  )
}
