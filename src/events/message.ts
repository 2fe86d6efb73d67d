import type { XoObject } from '../xo/object-store'
import type { Changes } from './diff'

/** `msg.payload` of an xo-events message. */
export interface ObjectEventPayload {
  event: string
  type: string
  id: string
  object: XoObject
  previous?: XoObject
  changes: Changes
  pool?: { id: string; name?: string }
  host?: { id: string; name?: string }
  /** power events: the power states before and after; `migrated`: the hosts `{id, name}` */
  from?: string | { id: string; name?: string }
  to?: string | { id: string; name?: string }
  /** `tagged` / `untagged`: the tags added or removed */
  tags?: string[]
  /**
   * true when the change happened while Node-RED was stopped (or the node redeployed), found at start by comparing
   * XO with the objects the node remembered; `previous` then holds only the remembered fields
   */
  foundAtStart?: boolean
  /**
   * With a Redis shared by two Node-REDs, set when this instance took over and found the change then: `seen`, it
   * saw it as XO made it while it followed (each change once, in XO's order); `compared`, it could only compare XO's
   * object as it is now with what the last leader sent (no history across the gap: several changes show as one)
   */
  foundAtTakeover?: 'seen' | 'compared'
}

/** A message of xo-events: `topic` is `<type>.<event>` (`VM.started`). */
export interface XoEventMessage {
  topic: string
  payload: ObjectEventPayload
  /** what happened, in one line a person reads at once */
  summary?: string
  /** what the flow adds on its way */
  [property: string]: unknown
}
