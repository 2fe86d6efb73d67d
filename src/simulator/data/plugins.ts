// Plugin descriptors as listed by plugin.get on xo-server 5.207.2 (audit 0.15.1, web-hooks 0.4.0).
// Key order matters: plugin.get lists them exactly in this order (configuration/loaded are inserted
// by the simulator where the real server puts them).
import { WEB_HOOKS_METHOD_ENUM } from './method-catalogue'

export interface PluginDescriptor {
  id: string
  name: string
  autoload: boolean
  description: string
  keywords: string[]
  unloadable: boolean
  version: string
  configurationSchema: Record<string, unknown>
  testable: boolean
  testSchema?: Record<string, unknown>
}

export const AUDIT_PLUGIN: PluginDescriptor = {
  id: 'audit',
  name: 'audit',
  autoload: true,
  description: 'Audit plugin for XO-Server',
  keywords: ['audit', 'log', 'logs', 'orchestra', 'plugin', 'xen-orchestra', 'xen', 'xo-server'],
  unloadable: true,
  version: '0.15.1',
  configurationSchema: {
    type: 'object',
    properties: {
      active: {
        description:
          'Whether to save user actions in the audit log (do not enable if you are planning to perform an audit log import)',
        type: 'boolean',
      },
    },
  },
  testable: false,
}

export const WEB_HOOKS_PLUGIN: PluginDescriptor = {
  id: 'web-hooks',
  name: 'web-hooks',
  autoload: true,
  description: 'Sends HTTP requests on XO-Server API calls',
  keywords: ['hooks', 'orchestra', 'plugin', 'web', 'xen', 'xen-orchestra', 'xo-server'],
  unloadable: true,
  version: '0.4.0',
  configurationSchema: {
    description: 'Bind XO API calls to HTTP requests.',
    type: 'object',
    properties: {
      hooks: {
        type: 'array',
        title: 'Hooks',
        items: {
          type: 'object',
          title: 'Hook',
          properties: {
            method: {
              description: 'The method to be bound to',
              enum: WEB_HOOKS_METHOD_ENUM,
              title: 'Method',
              type: 'string',
            },
            type: {
              description: 'Right before the API call *or* right after the action has been completed',
              enum: ['pre', 'post', 'pre/post'],
              title: 'Type',
              type: 'string',
            },
            url: {
              description: 'The full URL you wish the request to be sent to',
              title: 'URL',
              type: 'string',
            },
            format: {
              default: 'json',
              description: 'The format of the payload sent to the URL',
              enum: ['json', 'office365'],
              enumNames: ['JSON', 'Office 365 connector'],
              title: 'Payload format',
            },
            waitForResponse: {
              description: 'Waiting for the server response before executing the call. Only available on "PRE" type',
              title: 'Wait for response',
              type: 'boolean',
            },
          },
          required: ['method', 'type', 'url', 'format'],
        },
      },
    },
    required: ['hooks'],
  },
  testable: true,
}

// What plugin.test sends to every hook (the real plugin's fixed fake call).
export const WEB_HOOKS_TEST_PAYLOAD = {
  callId: '0',
  userId: 'b4tm4n',
  userName: 'bruce.wayne@waynecorp.com',
  params: { id: '67aac198-0174-11ea-8d71-362b9e155667' },
  timestamp: 0,
}
