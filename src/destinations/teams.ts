import type { XoEventSummary } from './summary'
import { xoLink } from './links'
import { factSet, titleBlock } from './teams-blocks'
import { DIGEST_BUDGETS, digestCard } from './teams-digest'
import { byteLength, truncate } from './text'

// Teams refuses cards over about 28 KB ("Request Entity too large"); stay under with room for the envelope.
const CARD_MAX_BYTES = 27 * 1024

// Tried in order until the card fits: long names or a hundred facts must shrink the card, not lose it.
const BUDGETS = [
  { title: 1000, value: 500, facts: 30, error: 2000 },
  { title: 300, value: 150, facts: 15, error: 500 },
  { title: 150, value: 40, facts: 8, error: 150 },
]

/**
 * The body for a Teams Workflows webhook ("When a Teams webhook request is received" → post each attachment):
 * one Adaptive Card 1.4, the version every Teams client renders. MessageCard (Office 365 connectors) is retired.
 * A digest's card shows its group whole (teams-digest.ts).
 */
export function teamsMessage(s: XoEventSummary, opts: { xoUrl?: string } = {}): Record<string, unknown> {
  const { digest } = s
  if (digest) return fitted(DIGEST_BUDGETS, (budget) => digestCard(s, digest, opts.xoUrl, budget))
  return fitted(BUDGETS, (budget) => card(s, opts.xoUrl, budget))
}

function fitted<B>(budgets: readonly B[], cardOf: (budget: B) => Record<string, unknown>): Record<string, unknown> {
  let message: Record<string, unknown> = {}
  for (const budget of budgets) {
    message = envelope(cardOf(budget))
    if (byteLength(message) <= CARD_MAX_BYTES) break
  }
  return message
}

const envelope = (content: Record<string, unknown>) => ({
  type: 'message',
  attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }],
})

function card(s: XoEventSummary, xoUrl: string | undefined, budget: (typeof BUDGETS)[number]): Record<string, unknown> {
  const body: Array<Record<string, unknown>> = [titleBlock(s.title, budget.title, s.ok ? '' : 'Attention')]
  if (s.error)
    body.push({ type: 'TextBlock', text: truncate(s.error.message, budget.error), color: 'Attention', wrap: true })
  const facts = s.facts.filter((f) => !(s.error && f.label === 'Error'))
  if (facts.length) body.push(factSet(facts, budget.facts, budget.value))
  body.push({
    type: 'TextBlock',
    text: `${s.time} · ${truncate(s.kind, 100)}${s.phase ? ` (${s.phase})` : ''}`,
    isSubtle: true,
    size: 'Small',
    wrap: true,
  })
  const content: Record<string, unknown> = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    msteams: { width: 'Full' },
  }
  const link = xoLink(xoUrl, s)
  // Action.OpenUrl works from webhooks; Action.Submit does not.
  if (link) content.actions = [{ type: 'Action.OpenUrl', title: 'Open in XO', url: link }]
  return content
}
