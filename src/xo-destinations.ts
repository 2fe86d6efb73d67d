import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red'
import { gitlabTrigger, githubDispatch } from './destinations/ci'
import { cloudEvent, structuredRequest } from './destinations/cloudevents'
import { isNotSent, notAVm, notSent, type NotSent } from './destinations/not-sent'
import type { Destination } from './destinations/outcome'
import { summarizeMessage, XoEventSummary } from './destinations/event'
import { pagerDutyEvent, pagerDutyRequest } from './destinations/pagerduty'
import { haproxyServerState } from './destinations/haproxy'
import { HttpRequestMessage, jsonRequest } from './destinations/request'
import { slackMessage } from './destinations/slack'
import { teamsMessage } from './destinations/teams'
import { DestinationConfig, secretOf } from './node-red/destination-settings'
import { registerKeaNode } from './node-red/kea-node'
import { NotSentTally } from './node-red/not-sent-tally'
import { registerOutcomeNode } from './node-red/outcome-node'

type Msg = NodeMessage & Record<string, unknown>
type Send = (msg: Msg | Array<Msg | Msg[] | null>) => void
type Done = (error?: Error) => void

/**
 * What a destination node makes of one summarised XO event: requests for the core http request node, or why it
 * sends nothing (counted in its status and logged).
 */
type Build = (summary: XoEventSummary, node: DestinationNode, msg: Msg) => HttpRequestMessage[] | NotSent

/** Which service the requests go to, as the xo outcome node reads its answers (one node type may serve several). */
type DestinationOf = (config: NodeDef & DestinationConfig) => Destination

interface DestinationNode extends Node<Record<string, string>> {
  config: NodeDef & DestinationConfig
  secret(name: string): string | undefined
}

export = function register(RED: NodeAPI) {
  const t = (key: string, substitutions?: Record<string, string | number>) => RED._(`xo-destinations.${key}`, substitutions)

  /**
   * One destination node: XO event in, ready request(s) out (`msg.url`, `msg.method`, `msg.headers`,
   * `msg.payload`, and `msg.xoDestination` for the xo outcome node). Secrets come from the node's credentials, or
   * from the environment variable the node names.
   */
  /** `needs`: the secret without which the node cannot work (said in its status as soon as it is deployed) */
  function destination(type: string, destinationOf: DestinationOf, credentials: string[], build: Build, needs?: string) {
    function DestinationNodeCtor(this: DestinationNode, config: NodeDef & DestinationConfig) {
      RED.nodes.createNode(this, config)
      const node = this
      node.config = config
      node.secret = (name) => secretOf(node.credentials?.[name], config[`${name}Env`])
      const destinationName = destinationOf(config)
      if (needs && !node.secret(needs)) {
        const env = String(config[`${needs}Env`] ?? '').trim()
        node.status({ fill: 'red', shape: 'ring', text: env ? t('status.missingEnv', { name: needs, env }) : t('status.missing', { name: needs }) })
      }
      let sent = 0
      const notSentTally = new NotSentTally((reason, count) => t(`notSent.${reason}`, { count }), (line) => node.log(line))
      const show = () =>
        node.status({ fill: sent > 0 ? 'green' : 'grey', shape: 'dot', text: t('status.sent', { count: sent }) + notSentTally.suffix() })
      node.on('input', (msg: Msg, send: Send, done: Done) => {
        const summary = summarizeMessage(msg)
        if (!('kind' in summary)) return done(new Error(t('errors.notAnEvent', { reason: summary.error })))
        let requests: HttpRequestMessage[] | NotSent
        try {
          requests = build(summary, node, msg)
        } catch (error) {
          return done(error as Error)
        }
        if (isNotSent(requests)) {
          notSentTally.add(requests.notSent, summary.title)
          show()
          return done()
        }
        const out = requests.map((request, i) => ({
          ...(i === 0 ? msg : RED.util.cloneMessage(msg)),
          ...request,
          // http request replaces payload and headers with the answer's: a retry re-sends this copy.
          xoRequest: request,
          xoDestination: destinationName,
          xoSummary: { id: summary.id, kind: summary.kind, title: summary.title, ok: summary.ok },
        }))
        sent += out.length
        show()
        send([out])
        done()
      })
    }
    RED.nodes.registerType(type, DestinationNodeCtor as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
      credentials: Object.fromEntries(credentials.map((name) => [name, { type: 'password' }])),
    })
  }

  const required = (node: DestinationNode, name: string): string => {
    const value = node.secret(name)
    if (!value) throw new Error(t('errors.missingSecret', { name, env: String(node.config[`${name}Env`] ?? '') }))
    return value
  }
  const property = (node: DestinationNode, name: string): string | undefined => {
    const value = node.config[name]
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
  }

  // Text + attachments is what Mattermost and Rocket.Chat take; they answer as they do, not as Slack.
  destination('xo-slack', (config) => (config.style === 'attachments' ? 'mattermost' : 'slack'), ['url'], (s, node) => [
    jsonRequest(required(node, 'url'), slackMessage(s, { style: node.config.style === 'attachments' ? 'attachments' : 'blocks', xoUrl: property(node, 'xoUrl') })),
  ], 'url')

  destination('xo-teams', () => 'teams', ['url'], (s, node) => [jsonRequest(required(node, 'url'), teamsMessage(s, { xoUrl: property(node, 'xoUrl') }))], 'url')

  destination('xo-pagerduty', () => 'pagerduty', ['routingKey'], (s, node) => {
    // Which alerts are open is only known here: kept in the node's context so that a success can resolve one.
    const context = node.context()
    const open = new Set<string>((context.get('openAlerts') as string[] | undefined) ?? [])
    const mode = (property(node, 'mode') ?? 'auto') as 'auto' | 'alert' | 'change'
    const event = pagerDutyEvent(s, { routingKey: required(node, 'routingKey'), source: property(node, 'source'), mode, xoUrl: property(node, 'xoUrl'), open })
    if (isNotSent(event)) return event
    const action = event.body.event_action
    const key = event.body.dedup_key
    if (typeof key === 'string' && (action === 'trigger' || action === 'resolve')) {
      if (action === 'trigger') open.add(key)
      else open.delete(key)
      context.set('openAlerts', [...open])
    }
    const request = pagerDutyRequest(event)
    const base = property(node, 'eventsUrl')
    if (base) request.url = request.url.replace(/^https:\/\/events\.pagerduty\.com/, base.replace(/\/+$/, ''))
    return [request]
  }, 'routingKey')

  destination('xo-cloudevent', () => 'cloudevents', ['secret'], (s, node) => {
    const url = property(node, 'url')
    if (!url) throw new Error(t('errors.missingUrl'))
    // "VMs only" (billing, inventories): a snapshot or template deleted by vm.delete is no VM gone.
    if (node.config.objects === 'vm') {
      const refused = notAVm(s.created ?? s.subject, true)
      if (refused) return refused
    }
    const event = cloudEvent(s, {
      source: property(node, 'source') ?? 'urn:xen-orchestra',
      typePrefix: property(node, 'typePrefix'),
      subject: (property(node, 'subject') as 'user' | 'pool' | 'object' | undefined) ?? 'user',
    })
    const secret = node.secret('secret')
    return [structuredRequest(event, url, secret ? { secret } : undefined)]
  })

  destination('xo-ci', (config) => (config.kind === 'github' ? 'github' : 'gitlab'), ['token'], (s, node) => {
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
    return [gitlabTrigger(s, { baseUrl: property(node, 'baseUrl') ?? '', project: property(node, 'project') ?? '', token, ref: property(node, 'ref') ?? 'main' })]
  }, 'token')

  // Runtime admin state of the VM's server in a backend: drain before XO moves or stops the VM, ready after.
  destination('xo-haproxy', () => 'haproxy', ['password'], (s, node) => {
    const baseUrl = property(node, 'url')
    if (!baseUrl) throw new Error(t('errors.missingUrl'))
    const refused = notAVm(s.subject)
    if (refused) return refused
    const server = node.config.serverFrom === 'id' ? s.subject?.id : s.subject?.name
    if (!server) return notSent('noServer')
    // After the call, ready again whether it worked or not: a VM whose migration failed still serves where it was.
    const state = s.phase === 'pre' ? 'drain' : 'ready'
    return [
      haproxyServerState({ baseUrl, backend: property(node, 'backend') ?? '', server, state, user: property(node, 'user') ?? '', password: required(node, 'password') }),
    ]
  }, 'password')

  registerKeaNode(RED, t)

  registerOutcomeNode(RED)
}
