/**
 * Stand-ins for the destinations of the example flows, served by `npm start` under `/stand-ins/`: each answers
 * as the real service does (Slack's "ok", PagerDuty's 202, Kea's result codes, GitLab's 201…), and a page lists
 * what each one received, newest first, in words a person reads (a Slack message's text, a PagerDuty event's
 * action and dedup key, a Kea command…). The demo points the examples' environment variables at them.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type http from 'node:http'
import path from 'node:path'
import { verifyStandardWebhook } from '../destinations/signing'

export const STAND_INS_PATH = '/stand-ins'

export interface Received {
  at: number
  /** which stand-in: slack, teams, pagerduty, kea, billing, gitlab, db-switch, haproxy, ups, firewall, security-slack, receiver */
  name: string
  method: string
  path: string
  status: number
  /** a person's reading of the request */
  title: string
  lines: string[]
  body: unknown
}

type Kind = 'slack' | 'teams' | 'pagerduty' | 'kea' | 'cloudevent' | 'gitlab' | 'haproxy' | 'db-switch' | 'retrying'

interface StandIn {
  name: string
  kind: Kind
  label: string
  /** the examples' environment variables for it: the URL variable, and secrets the stand-in knows */
  env: (base: string, secrets: Secrets) => Record<string, string>
}

interface Secrets {
  signing: string
}

/** How a stand-in answers, and how it reads what it received. */
interface Answer {
  status: number
  json?: unknown
  text?: string
  headers?: Record<string, string>
  delayMs?: number
  reading: { title: string; lines: string[] }
}

/**
 * How a stand-in may be told to fail, from its page, so that a newcomer sees retries and dead letters: a
 * destination down (503), rate limiting (429 with Retry-After), no answer for a long while, or refusing for good.
 */
export const MODES = {
  normal: 'answers as the real one',
  unavailable: 'answers 503',
  'rate-limited': 'answers 429, Retry-After 5 s',
  slow: 'answers after 60 s',
  refusing: 'answers 404 (failed for good)',
} as const
export type StandInMode = keyof typeof MODES

/** Where a stand-in's mode is set (a form on the page posts there): not a path any stand-in answers under. */
const MODES_PATH = '_modes'

const STAND_INS: StandIn[] = [
  {
    name: 'slack',
    kind: 'slack',
    label: 'Slack (example 01)',
    env: (b) => ({ SLACK_WEBHOOK_URL: `${b}/slack/T0DEMO/B0DEMO/stand-in` }),
  },
  {
    name: 'teams',
    kind: 'teams',
    label: 'Microsoft Teams (example 02)',
    env: (b) => ({ TEAMS_WEBHOOK_URL: `${b}/teams` }),
  },
  {
    name: 'pagerduty',
    kind: 'pagerduty',
    label: 'PagerDuty (example 03)',
    env: (b) => ({ PAGERDUTY_EVENTS_URL: `${b}/pagerduty`, PAGERDUTY_ROUTING_KEY: 'd0e1f2a3b4c5d6e7f8091a2b3c4d5e6f' }),
  },
  {
    name: 'kea',
    kind: 'kea',
    label: 'Kea DHCP (example 04)',
    env: (b) => ({ KEA_URL: `${b}/kea`, KEA_PASSWORD: 'stand-in' }),
  },
  {
    name: 'billing',
    kind: 'cloudevent',
    label: 'Billing (example 05)',
    env: (b, s) => ({ BILLING_URL: `${b}/billing`, BILLING_SIGNING_SECRET: s.signing }),
  },
  {
    name: 'gitlab',
    kind: 'gitlab',
    label: 'GitLab (example 06)',
    env: (b) => ({ GITLAB_URL: `${b}/gitlab`, CI_TRIGGER_TOKEN: 'glptt-0123456789abcdef0123456789abcdef01234567' }),
  },
  {
    name: 'db-switch',
    kind: 'db-switch',
    label: 'Database switch (example 07)',
    env: (b) => ({ DB_SWITCH_URL: `${b}/db-switch` }),
  },
  {
    name: 'haproxy',
    kind: 'haproxy',
    label: 'HAProxy Data Plane API (example 08)',
    env: (b) => ({ HAPROXY_URL: `${b}/haproxy`, HAPROXY_PASSWORD: 'stand-in' }),
  },
  { name: 'ups', kind: 'cloudevent', label: 'UPS / facility (example 09)', env: (b) => ({ UPS_URL: `${b}/ups` }) },
  {
    name: 'firewall',
    kind: 'cloudevent',
    label: 'Firewall (example 10)',
    env: (b, s) => ({ FIREWALL_URL: `${b}/firewall`, FIREWALL_SIGNING_SECRET: s.signing }),
  },
  {
    name: 'security-slack',
    kind: 'slack',
    label: 'Security channel (example 11)',
    env: (b) => ({ SECURITY_SLACK_WEBHOOK_URL: `${b}/security-slack/T0DEMO/B0SEC/stand-in` }),
  },
  {
    name: 'receiver',
    kind: 'retrying',
    label: 'A receiver that fails once (example 13)',
    env: (b) => ({ RECEIVER_URL: `${b}/receiver` }),
  },
]

const KEEP = 300
const BODY_MAX = 1024 * 1024

export class StandIns {
  readonly received: Received[] = []
  readonly secrets: Secrets = { signing: `whsec_${randomBytes(24).toString('base64')}` }
  #reservations = new Set<string>()
  #attempts = new Map<string, number>()
  /** stand-ins told to fail, by name */
  readonly modes = new Map<string, StandInMode>()

  /**
   * @param files the files the examples write (the inventory), shown on the page
   */
  constructor(readonly files: Record<string, string>) {}

  /** The examples' environment variables, for stand-ins at `origin`. */
  env(origin: string): Record<string, string> {
    const base = `${origin}${STAND_INS_PATH}`
    return Object.assign({}, ...STAND_INS.map((s) => s.env(base, this.secrets)), this.files)
  }

  /** Serves a request under /stand-ins/; false for any other. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://stand-in')
    if (url.pathname !== STAND_INS_PATH && !url.pathname.startsWith(`${STAND_INS_PATH}/`)) return false
    const rest = url.pathname.slice(STAND_INS_PATH.length).replace(/^\/+/, '')
    if (req.method === 'GET' && (rest === '' || rest === 'index.html')) {
      this.#page(res)
      return true
    }
    if (req.method === 'GET' && rest === 'received.json') {
      json(res, 200, this.received)
      return true
    }
    if (rest.startsWith(`${MODES_PATH}/`)) {
      this.#setMode(rest.slice(MODES_PATH.length + 1), req, res)
      return true
    }
    const standIn = STAND_INS.find((s) => rest === s.name || rest.startsWith(`${s.name}/`))
    if (!standIn) {
      json(res, 404, { error: 'no such stand-in' })
      return true
    }
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= BODY_MAX) chunks.push(chunk)
    })
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      let body: unknown = text
      try {
        body = text ? JSON.parse(text) : undefined
      } catch {
        // not JSON: shown as text
      }
      const answer = this.#failing(standIn) ?? this.#answer(standIn, req, `/${rest}`, body, text)
      this.received.unshift({
        at: Date.now(),
        name: standIn.name,
        method: req.method ?? '',
        path: `/${rest}`,
        status: answer.status,
        ...answer.reading,
        body,
      })
      this.received.length = Math.min(this.received.length, KEEP)
      const send = () =>
        answer.json === undefined
          ? res.writeHead(answer.status, answer.headers).end(answer.text ?? '')
          : json(res, answer.status, answer.json, answer.headers)
      if (answer.delayMs) setTimeout(send, answer.delayMs)
      else send()
    })
    return true
  }

  /** The answer of a stand-in told to fail, undefined when it answers as the real one. */
  #failing(standIn: StandIn): Answer | undefined {
    const mode = this.modes.get(standIn.name) ?? 'normal'
    const reading = { title: `${standIn.label}: ${MODES[mode]}`, lines: ['told to fail from the stand-ins page'] }
    switch (mode) {
      case 'normal':
        return undefined
      case 'unavailable':
        return { status: 503, text: 'stand-in told to be down', reading }
      case 'rate-limited':
        return { status: 429, text: 'slow down', headers: { 'retry-after': '5' }, reading }
      case 'slow':
        return { status: 200, text: 'ok, late', delayMs: 60_000, reading }
      case 'refusing':
        return { status: 404, text: 'no such hook', reading }
    }
  }

  /** `POST _modes/<stand-in>` with `mode=<mode>` (the page's form, or JSON): how that stand-in answers from now on. */
  #setMode(name: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    const standIn = STAND_INS.find((s) => s.name === name)
    if (req.method !== 'POST' || !standIn)
      return void json(res, standIn ? 405 : 404, { error: 'POST a mode to a stand-in' })
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.length < 4 && chunks.push(chunk))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      let mode: unknown
      try {
        mode = (JSON.parse(text) as { mode?: unknown }).mode
      } catch {
        mode = new URLSearchParams(text).get('mode')
      }
      if (typeof mode !== 'string' || !(mode in MODES))
        return void json(res, 400, { error: `modes: ${Object.keys(MODES).join(', ')}` })
      if (mode === 'normal') this.modes.delete(standIn.name)
      else this.modes.set(standIn.name, mode as StandInMode)
      // A form posted from the page goes back to it.
      if (String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
        return void res.writeHead(303, { location: `${STAND_INS_PATH}/` }).end()
      }
      json(res, 200, { name: standIn.name, mode })
    })
  }

  #answer(standIn: StandIn, req: http.IncomingMessage, path: string, body: unknown, text: string): Answer {
    const b = (body ?? {}) as Record<string, any>
    const ok = (reading: Answer['reading'], extra: Partial<Omit<Answer, 'reading'>> = {}): Answer => ({
      status: 200,
      ...extra,
      reading,
    })
    switch (standIn.kind) {
      case 'slack':
        return ok(
          { title: `${standIn.label}: ${oneLine(String(b.text ?? '(no text)'))}`, lines: slackLines(b) },
          { text: 'ok', headers: { 'content-type': 'text/plain' } },
        )
      case 'teams':
        return ok({ title: `${standIn.label}: ${teamsTitle(b)}`, lines: teamsLines(b) }, { status: 202, text: '' })
      case 'pagerduty': {
        const action = String(b.event_action ?? 'change')
        const key = b.dedup_key ? ` (dedup key ${b.dedup_key})` : ''
        const summary = oneLine(String(b.payload?.summary ?? ''))
        return ok(
          {
            title: `${standIn.label}: ${action}${key}: ${summary}`,
            lines: [
              b.payload?.severity ? `severity ${b.payload.severity}` : '',
              b.payload?.source ? `source ${b.payload.source}` : '',
            ].filter(Boolean),
          },
          {
            status: 202,
            json: { status: 'success', message: 'Event processed', ...(b.dedup_key ? { dedup_key: b.dedup_key } : {}) },
          },
        )
      }
      case 'kea':
        return this.#kea(standIn, b)
      case 'cloudevent': {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]))
        const signed = headers['webhook-signature']
          ? verifyStandardWebhook(headers, text, this.secrets.signing)
            ? 'signature valid'
            : 'signature INVALID'
          : 'not signed'
        return ok(
          {
            title: `${standIn.label}: ${oneLine(String(b.data?.title ?? b.type ?? 'an event'))}`,
            lines: [`${b.type ?? '?'}, subject ${b.subject ?? '?'}, id ${b.id ?? '?'}`, signed],
          },
          { status: 202, text: '' },
        )
      }
      case 'gitlab': {
        const variables = Object.entries((b.variables ?? {}) as Record<string, unknown>).map(([k, v]) => `${k}=${v}`)
        return ok(
          {
            title: `${standIn.label}: pipeline on ${b.ref ?? '?'} for ${decodeURIComponent(path.split('/projects/')[1]?.split('/')[0] ?? '?')}`,
            lines: variables,
          },
          { status: 201, json: { id: this.received.length + 1, status: 'created' } },
        )
      }
      case 'haproxy': {
        const server = path.split('/servers/')[1] ?? '?'
        const backend = path.split('/backends/')[1]?.split('/')[0] ?? '?'
        return ok(
          { title: `${standIn.label}: ${b.admin_state ?? req.method} ${backend}/${server}`, lines: [] },
          { json: { admin_state: b.admin_state, operational_state: 'up' } },
        )
      }
      case 'db-switch':
        // The flow waits for this answer, and XO for the flow: a moment, as a real switch-over takes.
        return ok(
          { title: `${standIn.label}: ${JSON.stringify(body ?? null).slice(0, 200)}`, lines: [] },
          { json: { switched: true }, delayMs: 300 },
        )
      case 'retrying': {
        // The first try of each message fails, as a busy receiver does: the flow retries after the Retry-After.
        const key = String(b.id ?? text)
        const attempt = (this.#attempts.get(key) ?? 0) + 1
        this.#attempts.set(key, attempt)
        if (this.#attempts.size > KEEP) this.#attempts.delete(this.#attempts.keys().next().value as string)
        const what = oneLine(String(b.data?.title ?? b.type ?? 'a message'))
        const reading = {
          title: `${standIn.label}: attempt ${attempt}: ${what}`,
          lines: [attempt === 1 ? 'answered 503, Retry-After 1 s: the flow tries again' : 'answered 200'],
        }
        return attempt === 1
          ? ok(reading, { status: 503, headers: { 'retry-after': '1' }, text: 'busy' })
          : ok(reading, { text: 'ok' })
      }
    }
  }

  /** Kea's control agent: one answer per command, result 0 done, 3 nothing to delete. */
  #kea(standIn: StandIn, b: Record<string, any>): Answer {
    const command = String(b.command ?? '?')
    const reservation = b.arguments?.reservation ?? b.arguments ?? {}
    const mac = String(reservation['hw-address'] ?? reservation.identifier ?? '?')
    const subnet = reservation['subnet-id'] ?? b.arguments?.['subnet-id']
    const key = `${subnet}/${mac}`
    let answer: { result: number; text: string }
    if (command === 'reservation-del') {
      answer = this.#reservations.delete(key)
        ? { result: 0, text: 'Host deleted.' }
        : { result: 3, text: 'Host not deleted (not found).' }
    } else {
      this.#reservations.add(key)
      answer = { result: 0, text: 'Host added.' }
    }
    const host = reservation.hostname ? ` ${reservation.hostname}` : ''
    return {
      status: 200,
      json: [answer],
      reading: { title: `${standIn.label}: ${command} ${mac}${host} in subnet ${subnet ?? '?'}`, lines: [answer.text] },
    }
  }

  #page(res: http.ServerResponse): void {
    const rows = this.received
      .map(
        (r) =>
          `<li><span class="t">${new Date(r.at).toISOString().slice(11, 19)}</span> <b>${esc(r.title)}</b> <span class="s">${esc(r.method)} ${esc(r.path)} → ${r.status}</span>` +
          (r.lines.length ? `<ul>${r.lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>` : '') +
          '</li>',
      )
      .join('\n')
    const files = Object.entries(this.files)
      .map(([name, file]) => `<h2>${esc(name)}: ${esc(path.basename(file))}</h2><pre>${esc(tail(file))}</pre>`)
      .join('\n')
    const options = (current: StandInMode) =>
      Object.entries(MODES)
        .map(([mode, words]) => `<option value="${mode}"${mode === current ? ' selected' : ''}>${esc(words)}</option>`)
        .join('')
    const list = STAND_INS.map(
      (s) =>
        `<li>${esc(s.label)} <form method="post" action="${STAND_INS_PATH}/${MODES_PATH}/${s.name}" style="display:inline">` +
        `<select name="mode" onchange="this.form.submit()">${options(this.modes.get(s.name) ?? 'normal')}</select></form></li>`,
    ).join('')
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(`<!doctype html>
<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="3"><title>What the destinations received</title>
<style>body{font:14px sans-serif;margin:2em;max-width:70em}li{margin:.3em 0}.t,.s{color:#777;font-size:12px}pre{background:#f4f4f4;padding:.5em;white-space:pre-wrap}</style></head>
<body><h1>What the example flows' destinations received</h1>
<p>Stand-ins served by <code>npm start</code> for the destinations of the examples (Import &gt; Examples), newest first. The page refreshes every 3 s.</p>
<ol id="received">${rows || '<li>Nothing yet: import an example, deploy, and wait for the simulated XO to act.</li>'}</ol>
${files}
<h2>Stand-ins</h2><p>Tell one to fail, to see the flows retry, keep a dead letter, and deliver once it is back.</p><ul>${list}</ul>
</body></html>`)
  }
}

function json(res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value))
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 300 ? `${flat.slice(0, 299)}…` : flat
}

function esc(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n') || '(empty)'
  } catch {
    return '(nothing written yet)'
  }
}

function slackLines(b: Record<string, any>): string[] {
  const blocks = Array.isArray(b.blocks) ? b.blocks : []
  const texts = blocks.flatMap((block: Record<string, any>) => [
    block.text?.text,
    ...(Array.isArray(block.fields) ? block.fields.map((f: { text?: string }) => f.text) : []),
    ...(Array.isArray(block.elements) ? block.elements.map((e: { text?: string }) => e.text) : []),
  ])
  const attachments = Array.isArray(b.attachments)
    ? b.attachments.map((a: Record<string, unknown>) => String(a.text ?? a.fallback ?? ''))
    : []
  // Slack's mrkdwn (*bold*, <url|text>) read as plain text
  const plain = (t: string) => t.replace(/\*([^*\n]+)\*/g, '$1').replace(/<([^|>]+)\|([^>]+)>/g, '$2')
  return [...texts, ...attachments]
    .filter((t): t is string => typeof t === 'string' && t !== '')
    .map((t) => oneLine(plain(t)))
}

function teamsCard(b: Record<string, any>): Record<string, any> {
  return b.attachments?.[0]?.content ?? {}
}

function teamsTitle(b: Record<string, any>): string {
  const first = (teamsCard(b).body ?? []).find((e: { type?: string; text?: string }) => e.type === 'TextBlock')
  return oneLine(String(first?.text ?? '(no text)'))
}

function teamsLines(b: Record<string, any>): string[] {
  const facts = (teamsCard(b).body ?? []).flatMap(
    (e: { type?: string; facts?: Array<{ title: string; value: string }> }) =>
      e.type === 'FactSet' ? (e.facts ?? []) : [],
  )
  return facts.map((f: { title: string; value: string }) => oneLine(`${f.title}: ${f.value}`))
}
