import type { XoEventSummary } from './summary'
import { mrkdwn, noMentions } from './chat-text'
import { xoLink } from './links'
import { slackDigestMessage } from './slack-digest'
import { truncate } from './text'

export { escapeMrkdwn, noMentions } from './chat-text'

// Block Kit limits (Slack's SDK and docs): header 150, section text 3000, ≤10 fields of ≤2000, ≤50 blocks.
// Slack has also refused messages of ~13k characters in total (msg_blocks_too_long), and Mattermost posts
// stop at 16 383: budgets are tried in order until the message is under MESSAGE_MAX. A chat message is read
// at a glance anyway.
const HEADER_MAX = 150
const FIELDS_PER_SECTION = 10
const LABEL_MAX = 60
const MESSAGE_MAX = 12_000
const BUDGETS = [
  { title: 1000, value: 300, facts: 20, error: 1500 },
  { title: 300, value: 100, facts: 10, error: 500 },
  { title: HEADER_MAX, value: 40, facts: 6, error: 150 },
]
type Budget = (typeof BUDGETS)[number]

const COLORS = { failed: '#d40e0d', pre: '#439fe0', ok: '#2eb886' }

/**
 * A Slack incoming-webhook body: Block Kit with `text` as the notification fallback (style 'blocks'), or the
 * Slack-compatible `attachments` that Mattermost and Rocket.Chat render (style 'attachments'). A digest shows its
 * whole group: counts, a bounded list, its state.
 */
export function slackMessage(
  s: XoEventSummary,
  opts: { style?: 'blocks' | 'attachments'; xoUrl?: string } = {},
): Record<string, unknown> {
  if (s.digest) return slackDigestMessage(s, s.digest, opts)
  const build = opts.style === 'attachments' ? attachmentsMessage : blocksMessage
  let message: Record<string, unknown> = {}
  for (const budget of BUDGETS) {
    message = build(s, opts.xoUrl, budget)
    if (JSON.stringify(message).length <= MESSAGE_MAX) break
  }
  return message
}

function blocksMessage(s: XoEventSummary, xoUrl: string | undefined, budget: Budget): Record<string, unknown> {
  const emoji = !s.ok ? ':x: ' : s.phase === 'pre' ? ':hourglass_flowing_sand: ' : ''
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${emoji}${s.title}`, HEADER_MAX), emoji: true } },
  ]
  if (emoji.length + s.title.length > HEADER_MAX) blocks.push(section(mrkdwn(s.title, budget.title)))
  if (s.error) blocks.push(section(`*Error:* ${mrkdwn(s.error.message, budget.error)}`))
  const facts = shownFacts(s, budget.facts)
  for (let i = 0; i < facts.length; i += FIELDS_PER_SECTION) {
    const fields = facts
      .slice(i, i + FIELDS_PER_SECTION)
      .map((f) => ({ type: 'mrkdwn', text: `*${mrkdwn(f.label, LABEL_MAX)}*\n${mrkdwn(f.value, budget.value)}` }))
    blocks.push({ type: 'section', fields })
  }
  const context: Array<Record<string, unknown>> = [
    { type: 'mrkdwn', text: mrkdwn(`${s.time} · ${s.kind}${s.phase ? ` (${s.phase})` : ''}`, 300) },
  ]
  const link = xoLink(xoUrl, s)
  if (link) context.push({ type: 'mrkdwn', text: `<${link.replace(/\|/g, '%7C').replace(/>/g, '%3E')}|Open in XO>` })
  blocks.push({ type: 'context', elements: context })
  return { text: mrkdwn(s.title, budget.title), blocks }
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } })

// The error has its own block; more facts than fit are counted in a last one.
function shownFacts(s: XoEventSummary, max: number): XoEventSummary['facts'] {
  const facts = s.facts.filter((f) => !(s.error && f.label === 'Error'))
  if (facts.length <= max) return facts
  return [...facts.slice(0, max - 1), { label: 'More', value: `${facts.length - max + 1} more facts` }]
}

function attachmentsMessage(s: XoEventSummary, xoUrl: string | undefined, budget: Budget): Record<string, unknown> {
  const clean = (text: string, max: number) => noMentions(truncate(text, max))
  const attachment: Record<string, unknown> = {
    fallback: clean(s.title, budget.title),
    color: !s.ok ? COLORS.failed : s.phase === 'pre' ? COLORS.pre : COLORS.ok,
    title: clean(s.title, Math.min(budget.title, HEADER_MAX * 2)),
    fields: shownFacts(s, budget.facts).map((f) => ({
      title: clean(f.label, LABEL_MAX),
      value: clean(f.value, budget.value),
      short: f.value.length <= 40,
    })),
    footer: clean(`${s.kind}${s.phase ? ` (${s.phase})` : ''} · ${s.time}`, 300),
  }
  if (s.error) attachment.text = clean(s.error.message, budget.error)
  const link = xoLink(xoUrl, s)
  if (link) attachment.title_link = link
  return { text: clean(`${s.ok ? '' : ':x: '}${s.title}`, budget.title), attachments: [attachment] }
}
