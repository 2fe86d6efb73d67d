/**
 * The editor's comms socket of a Node-RED (`/comms`), as the editor itself reads it: node statuses (retained, so
 * a late subscriber gets the last of each node), runtime-state notifications (a start after each deploy) and what
 * debug nodes send to the debug sidebar.
 */
import WebSocket from 'ws'
import { waitFor, waitForEvent } from './node-red'

export interface NodeStatus {
  fill?: string
  shape?: string
  text?: string
}

export class CommsSocket {
  readonly statuses = new Map<string, NodeStatus>()
  /** runtime-state "start" notifications seen */
  flowStarts = 0
  /** what debug nodes sent to the sidebar, oldest first: the node's id and the message (as the sidebar gets it) */
  readonly debugs: Array<{ id: string; msg: unknown }> = []
  /**
   * runtime-state notifications with a state (start, stop, safe) seen: the flows started or will not; the retained
   * one comes right after subscribing (an empty one, sent as the flows load, says neither)
   */
  runtimeStates = 0
  readonly #socket: WebSocket

  private constructor(socket: WebSocket) {
    this.#socket = socket
    socket.on('error', () => {}) // Node-RED may be stopped under it
    socket.on('message', (raw) => {
      let messages: unknown
      try {
        messages = JSON.parse(String(raw))
      } catch {
        return
      }
      for (const message of Array.isArray(messages) ? messages : [messages]) {
        const { topic, data } = (message ?? {}) as {
          topic?: string
          data?: NodeStatus & { state?: string; id?: string; msg?: unknown }
        }
        if (typeof topic !== 'string') continue
        if (topic === 'debug' && data) this.debugs.push({ id: String(data.id), msg: data.msg })
        if (topic.startsWith('status/')) this.statuses.set(topic.slice('status/'.length), data ?? {})
        if (topic === 'notification/runtime-state' && data?.state) this.runtimeStates++
        if (topic === 'notification/runtime-state' && data?.state === 'start') this.flowStarts++
      }
    })
  }

  /** Opens the socket of the Node-RED whose editor is at `editorUrl` and subscribes to statuses and notifications. */
  static async open(editorUrl: string): Promise<CommsSocket> {
    const comms = new CommsSocket(new WebSocket(`${editorUrl.replace(/^http/, 'ws').replace(/\/+$/, '')}/comms`))
    await waitForEvent(comms.#socket, 'open', 20_000)
    comms.#socket.send(JSON.stringify({ subscribe: 'status/#' }))
    comms.#socket.send(JSON.stringify({ subscribe: 'notification/#' }))
    comms.#socket.send(JSON.stringify({ subscribe: 'debug' }))
    return comms
  }

  /** Resolves with the node's status once `accept` takes it. */
  waitForStatus(id: string, accept: (status: NodeStatus) => boolean, timeoutMs = 15_000): Promise<NodeStatus> {
    return waitFor(
      () => {
        const status = this.statuses.get(id)
        return status && accept(status) ? status : undefined
      },
      { timeoutMs, what: `a status of node ${id} (last: ${JSON.stringify(this.statuses.get(id))})` },
    )
  }

  close(): void {
    this.#socket.terminate()
  }
}
