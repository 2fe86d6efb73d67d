import type { XoDigest } from './digest-message'
import type { XoEventSummary } from './summary'
import { fitMrkdwn, mrkdwn, noMentions } from './chat-text'
import { countsByKind, digestPlace, digestState, isFiringProblem, itemLine, labelLine, moreLine } from './from-digest'
import { xoLink } from './links'
import { truncate } from './text'

// Block Kit's limits (see slack.ts): header 150, section text 3000, ≤50 blocks, and ~12k characters in all, which
// Mattermost's 16 383 also stays under. The list shrinks, line by line then item by item, until the message fits.
const HEADER_MAX = 150
const TEXT_MAX = 3000
const BLOCKS_MAX = 50
const MESSAGE_MAX = 12_000
// "_and 1000000 more_" and its newline
const MORE_ROOM = 40
const BUDGETS = [
  { title: 1000, items: 50, line: 300 },
  { title: 300, items: 25, line: 150 },
  { title: HEADER_MAX, items: 10, line: 100 },
  { title: HEADER_MAX, items: 0, line: 0 },
]
type Budget = (typeof BUDGETS)[number]

const COLORS = { firing: '#d40e0d', resolved: '#2eb886', info: '#439fe0' }

/** A digest as one Slack post (Block Kit) or one Mattermost / Rocket.Chat attachment. */
export function slackDigestMessage(
  s: XoEventSummary,
  d: XoDigest,
  opts: { style?: 'blocks' | 'attachments'; xoUrl?: string },
): Record<string, unknown> {
  const link = xoLink(opts.xoUrl, { ...s, subject: digestPlace(d) })
  const build = opts.style === 'attachments' ? attachmentsMessage : blocksMessage
  let message: Record<string, unknown> = {}
  for (const budget of BUDGETS) {
    message = build(s, d, link, budget)
    if (JSON.stringify(message).length <= MESSAGE_MAX) break
  }
  return message
}

const emojiOf = (d: XoDigest) =>
  isFiringProblem(d) ? ':x: ' : d.status === 'resolved' && d.severity === 'problem' ? ':white_check_mark: ' : ''

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } })

function blocksMessage(s: XoEventSummary, d: XoDigest, link: string | undefined, budget: Budget) {
  const header = `${emojiOf(d)}${s.title}`
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: truncate(header, HEADER_MAX), emoji: true } },
  ]
  if (header.length > HEADER_MAX) blocks.push(section(fitMrkdwn(s.title, budget.title)))
  blocks.push(section(countsText(d)))
  // What is left of the 50 blocks, the context last, goes to the list.
  const room = BLOCKS_MAX - blocks.length - 1
  for (const text of listSections(d, budget, room)) blocks.push(section(text))
  const context: Array<Record<string, unknown>> = [
    { type: 'mrkdwn', text: mrkdwn(`${d.firstAt} → ${d.lastAt}`, 300) },
    { type: 'mrkdwn', text: mrkdwn(digestState(d), 300) },
  ]
  const labels = labelLine(d)
  if (labels) context.splice(1, 0, { type: 'mrkdwn', text: fitMrkdwn(labels, 1000) })
  if (link) context.push({ type: 'mrkdwn', text: `<${link.replace(/\|/g, '%7C').replace(/>/g, '%3E')}|Open in XO>` })
  blocks.push({ type: 'context', elements: context })
  return { text: mrkdwn(s.title, budget.title), blocks }
}

/**
 * `*50* VM.migrated · *2* vm.start` and the totals: how many, how many new, how many still open. Only the kinds are
 * cut when there are too many: the totals stay.
 */
function countsText(d: XoDigest): string {
  const counts = fitMrkdwn(
    countsByKind(d)
      .map(([kind, count]) => `*${count}* ${kind}`)
      .join(' · '),
    TEXT_MAX - 100,
  )
  const totals = [`*${d.count}* in all`]
  if (d.newCount !== d.count) totals.push(`${d.newCount} new`)
  if (d.severity === 'problem') totals.push(`*${d.open}* open`)
  return `${counts}\n${totals.join(', ')}`
}

/**
 * The list as section texts of at most 3000 characters each, in at most `room` sections: the budget's first items,
 * line by line, then "and N more" for every item not shown. Each section keeps room for that last line.
 */
function listSections(d: XoDigest, budget: Budget, room: number): string[] {
  const sections: string[] = []
  let current = ''
  let shown = 0
  for (const item of d.items.slice(0, budget.items)) {
    const line = fitMrkdwn(`• ${itemLine(item, ':x: ')}`, budget.line)
    if (current && current.length + 1 + line.length > TEXT_MAX - MORE_ROOM) {
      if (sections.length + 2 > room) break
      sections.push(current)
      current = ''
    }
    current = current ? `${current}\n${line}` : line
    shown++
  }
  const more = moreLine(d, shown)
  if (more) current = current ? `${current}\n_${more}_` : `_${more}_`
  if (current) sections.push(current)
  return sections
}

function attachmentsMessage(s: XoEventSummary, d: XoDigest, link: string | undefined, budget: Budget) {
  const clean = (text: string, max: number) => noMentions(truncate(text, max))
  const items = d.items.slice(0, budget.items)
  const lines = items.map((item) => clean(`• ${itemLine(item, ':x: ')}`, budget.line))
  const more = moreLine(d, items.length)
  if (more) lines.push(`_${more}_`)
  const fields = countsByKind(d).map(([kind, count]) => ({ title: clean(kind, 60), value: String(count), short: true }))
  if (d.severity === 'problem') fields.push({ title: 'Open problems', value: String(d.open), short: true })
  const attachment: Record<string, unknown> = {
    fallback: clean(s.title, budget.title),
    color: isFiringProblem(d) ? COLORS.firing : d.status === 'resolved' ? COLORS.resolved : COLORS.info,
    title: clean(s.title, Math.min(budget.title, HEADER_MAX * 2)),
    fields: fields.slice(0, 20),
    footer: clean([`${d.firstAt} → ${d.lastAt}`, labelLine(d), digestState(d)].filter(Boolean).join(' · '), 1000),
  }
  if (lines.length) attachment.text = lines.join('\n')
  if (link) attachment.title_link = link
  return { text: clean(`${emojiOf(d)}${s.title}`, budget.title), attachments: [attachment] }
}
