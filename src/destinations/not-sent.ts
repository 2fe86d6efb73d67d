import type { ObjectRef } from './summary'

/**
 * A destination's decision to send nothing for an event, and why. `reason` is a stable key (the node's locale
 * has its words: `notSent.<reason>`); a node counts these by reason in its status and logs each reason once, so
 * that nothing is dropped in silence.
 */
export interface NotSent {
  notSent: string
}

export const notSent = (reason: string): NotSent => ({ notSent: reason })

export const isNotSent = (value: unknown): value is NotSent =>
  typeof value === 'object' && value !== null && typeof (value as NotSent).notSent === 'string'

/**
 * Why an object is not a VM, for destinations that act on VMs only: XO names a snapshot `VM-snapshot`, a
 * template `VM-template` and a host's control domain `VM-controller`. A snapshot carries the MAC addresses of
 * its VM, a template is no machine: acting on them as on a VM would act on the wrong object. Undefined for a VM;
 * `unknownType` when nothing says what the object is: with `strict`, a type only guessed from the call's
 * parameter (`vm` of vm.delete names snapshots too) is unknown.
 */
export function notAVm(object: ObjectRef | undefined, strict = false): NotSent | undefined {
  if (strict && object?.typeGuessed) return notSent('unknownType')
  switch (object?.type) {
    case 'VM':
      return undefined
    case 'VM-snapshot':
      return notSent('snapshot')
    case 'VM-template':
      return notSent('template')
    case 'VM-controller':
      return notSent('controlDomain')
    case undefined:
      return notSent('unknownType')
    default:
      return notSent('notAVm')
  }
}
