import type { XoDigest } from './digest-message'
import type { XoEventSummary } from './summary'
import { digestFacts, digestPlace, digestState, isFiringProblem, itemLine, moreLine } from './from-digest'
import { xoLink } from './links'
import { factSet, titleBlock } from './teams-blocks'
import { truncate } from './text'

/** Tried in order until the card fits Teams' size: the list shrinks first, then the facts. */
export const DIGEST_BUDGETS = [
  { title: 1000, items: 50, line: 300, facts: 30, value: 300 },
  { title: 300, items: 20, line: 150, facts: 15, value: 150 },
  { title: 150, items: 5, line: 80, facts: 8, value: 40 },
  { title: 150, items: 0, line: 0, facts: 8, value: 40 },
]

/**
 * A digest as one Adaptive Card 1.4: its title coloured by its state, a FactSet of its counts, times, labels and
 * state, then its list, one line per message, and "and N more".
 */
export function digestCard(
  s: XoEventSummary,
  d: XoDigest,
  xoUrl: string | undefined,
  budget: (typeof DIGEST_BUDGETS)[number],
): Record<string, unknown> {
  const color = isFiringProblem(d) ? 'Attention' : d.status === 'resolved' && d.severity === 'problem' ? 'Good' : ''
  const body: Array<Record<string, unknown>> = [
    titleBlock(s.title, budget.title, color),
    factSet([...digestFacts(d), { label: 'State', value: digestState(d) }], budget.facts, budget.value),
  ]
  const items = d.items.slice(0, budget.items)
  const list: Array<Record<string, unknown>> = items.map((item) => ({
    type: 'TextBlock',
    text: truncate(itemLine(item, ''), budget.line),
    wrap: true,
    spacing: 'None',
    ...(item.ok ? {} : { color: 'Attention' }),
  }))
  const more = moreLine(d, items.length)
  if (more) list.push({ type: 'TextBlock', text: more, isSubtle: true, wrap: true, spacing: 'Small' })
  body.push({ type: 'Container', items: list, separator: true })
  const content: Record<string, unknown> = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    msteams: { width: 'Full' },
  }
  const link = xoLink(xoUrl, { ...s, subject: digestPlace(d) })
  if (link) content.actions = [{ type: 'Action.OpenUrl', title: 'Open in XO', url: link }]
  return content
}
