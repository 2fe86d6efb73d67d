import type { DestinationConfig } from './settings'
import { gitlabTrigger, githubDispatch } from './ci'
import { cloudEvent, resigned, structuredRequest } from './cloudevents'
import { onlyVms } from './cloudevents-digest'
import type { XoEventSummary } from './event'
import { haproxyServerState } from './haproxy'
import { isNotSent, notAVm, notSent, type NotSent } from './not-sent'
import type { Destination } from './outcome'
import { pagerDutyEvent, pagerDutyRequest } from './pagerduty'
import { type HttpRequestMessage, jsonRequest } from './request'
import { slackMessage } from './slack'
import { teamsMessage } from './teams'
import type { Translate } from '../common/status'

/** A text of the destinations' catalogue, with its substitutions. */

/** What a destination's build reads of its node: properties, secrets, the node's context, texts. */
export interface DestinationNodeView {
  config: DestinationConfig
  /** a credential, or else the environment variable the node names for it */
  secret(name: string): string | undefined
  /** the node's own context, kept across messages (PagerDuty's open alerts) */
  context: { get(key: string): unknown; set(key: string, value: unknown): void }
  t: Translate
}

/** One destination node type: XO event in, ready request(s) out for the core http request node. */
export interface DestinationType {
  type: string
  /** which service the requests go to, as the xo outcome node reads its answers (one type may serve several) */
  destinationOf(config: DestinationConfig): Destination
  /** the node's secrets: password credentials, each of which may be read from a variable instead */
  credentials: string[]
  /** the secret without which the node cannot work (said in its status as soon as it is deployed) */
  needs?: string
  /** the requests for one summarised XO event, or why none is sent (counted in the status and logged) */
  build(summary: XoEventSummary, node: DestinationNodeView): HttpRequestMessage[] | NotSent
  /**
   * A request of this node made ready to be sent again later (by xo outbox): what is only good for a while when it
   * was built (a signature's timestamp) made anew, the rest as it was. Absent: sent again as built.
   */
  refresh?(request: HttpRequestMessage, node: DestinationNodeView): HttpRequestMessage
}

/** A secret the request cannot be made without: its absence fails the message, naming where it was looked for. */
export function required(node: DestinationNodeView, name: string): string {
  const value = node.secret(name)
  if (!value) throw new Error(node.t('errors.missingSecret', { name, env: String(node.config[`${name}Env`] ?? '') }))
  return value
}

/** A text property of the node, trimmed; undefined when empty. */
export function property(node: DestinationNodeView, name: string): string | undefined {
  const value = node.config[name]
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}

const slack: DestinationType = {
  type: 'xo-slack',
  // Text + attachments is what Mattermost and Rocket.Chat take; they answer as they do, not as Slack.
  destinationOf: (config) => (config.style === 'attachments' ? 'mattermost' : 'slack'),
  credentials: ['url'],
  needs: 'url',
  build: (s, node) => [
    jsonRequest(
      required(node, 'url'),
      slackMessage(s, {
        style: node.config.style === 'attachments' ? 'attachments' : 'blocks',
        xoUrl: property(node, 'xoUrl'),
      }),
    ),
  ],
}

const teams: DestinationType = {
  type: 'xo-teams',
  destinationOf: () => 'teams',
  credentials: ['url'],
  needs: 'url',
  build: (s, node) => [jsonRequest(required(node, 'url'), teamsMessage(s, { xoUrl: property(node, 'xoUrl') }))],
}

const pagerduty: DestinationType = {
  type: 'xo-pagerduty',
  destinationOf: () => 'pagerduty',
  credentials: ['routingKey'],
  needs: 'routingKey',
  build: (s, node) => {
    // Which alerts are open is only known here: kept in the node's context so that a success can resolve one.
    const open = new Set<string>((node.context.get('openAlerts') as string[] | undefined) ?? [])
    const mode = (property(node, 'mode') ?? 'auto') as 'auto' | 'alert' | 'change'
    const event = pagerDutyEvent(s, {
      routingKey: required(node, 'routingKey'),
      source: property(node, 'source'),
      mode,
      xoUrl: property(node, 'xoUrl'),
      open,
    })
    if (isNotSent(event)) return event
    const action = event.body.event_action
    const key = event.body.dedup_key
    if (typeof key === 'string' && (action === 'trigger' || action === 'resolve')) {
      if (action === 'trigger') open.add(key)
      else open.delete(key)
      node.context.set('openAlerts', [...open])
    }
    const request = pagerDutyRequest(event)
    const base = property(node, 'eventsUrl')
    if (base) request.url = request.url.replace(/^https:\/\/events\.pagerduty\.com/, base.replace(/\/+$/, ''))
    return [request]
  },
}

const cloudevent: DestinationType = {
  type: 'xo-cloudevent',
  destinationOf: () => 'cloudevents',
  credentials: ['secret'],
  build: (s, node) => {
    const url = property(node, 'url')
    if (!url) throw new Error(node.t('errors.missingUrl'))
    // "VMs only" (billing, inventories): a snapshot or template deleted by vm.delete is no VM gone. A digest
    // passes when every message it lists is about a VM.
    if (node.config.objects === 'vm') {
      const refused = s.digest
        ? onlyVms(s.digest)
          ? undefined
          : notSent('notOnlyVms')
        : notAVm(s.created ?? s.subject, true)
      if (refused) return refused
    }
    const event = cloudEvent(s, {
      source: property(node, 'source') ?? 'urn:xen-orchestra',
      typePrefix: property(node, 'typePrefix'),
      subject: (property(node, 'subject') as 'user' | 'pool' | 'object' | undefined) ?? 'user',
    })
    const secret = node.secret('secret')
    return [structuredRequest(event, url, secret ? { secret } : undefined)]
  },
  // Receivers refuse a Standard Webhooks signature older than a few minutes (replays): each attempt is signed anew,
  // under the same webhook-id.
  refresh: (request, node) => {
    const secret = node.secret('secret')
    return secret ? resigned(request, secret) : request
  },
}

const ci: DestinationType = {
  type: 'xo-ci',
  destinationOf: (config) => (config.kind === 'github' ? 'github' : 'gitlab'),
  credentials: ['token'],
  needs: 'token',
  build: (s, node) => {
    // A pipeline runs for one change it can act on; a group of them is for people to read.
    if (s.digest) return notSent('digest')
    const token = required(node, 'token')
    if (node.config.kind === 'github') {
      return [
        githubDispatch(s, {
          owner: property(node, 'owner') ?? '',
          repo: property(node, 'repo') ?? '',
          token,
          eventType: property(node, 'eventType'),
          apiUrl: property(node, 'apiUrl'),
        }),
      ]
    }
    return [
      gitlabTrigger(s, {
        baseUrl: property(node, 'baseUrl') ?? '',
        project: property(node, 'project') ?? '',
        token,
        ref: property(node, 'ref') ?? 'main',
      }),
    ]
  },
}

const haproxy: DestinationType = {
  type: 'xo-haproxy',
  destinationOf: () => 'haproxy',
  credentials: ['password'],
  needs: 'password',
  // Runtime admin state of the VM's server in a backend: drain before XO moves or stops the VM, ready after.
  build: (s, node) => {
    const baseUrl = property(node, 'url')
    if (!baseUrl) throw new Error(node.t('errors.missingUrl'))
    // Draining is for one VM's call, at its pre: a digest comes after the fact, about many.
    if (s.digest) return notSent('digest')
    const refused = notAVm(s.subject)
    if (refused) return refused
    const server = node.config.serverFrom === 'id' ? s.subject?.id : s.subject?.name
    if (!server) return notSent('noServer')
    // After the call, ready again whether it worked or not: a VM whose migration failed still serves where it was.
    const state = s.phase === 'pre' ? 'drain' : 'ready'
    return [
      haproxyServerState({
        baseUrl,
        backend: property(node, 'backend') ?? '',
        server,
        state,
        user: property(node, 'user') ?? '',
        password: required(node, 'password'),
      }),
    ]
  },
}

/** The destination node types registered from the `xo-destinations` node set. */
export const DESTINATION_TYPES: readonly DestinationType[] = [slack, teams, pagerduty, cloudevent, ci, haproxy]
