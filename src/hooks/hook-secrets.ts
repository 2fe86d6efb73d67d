import { type AddressMatcher, type ReceiverOptions, secretDigest } from './receiver'

// How long the URL of a redeployed node's predecessor stays valid: enough for XO's entries to be rewritten.
export const FORMER_SECRET_GRACE_MS = 10_000

/** A secret still accepted until `until` (ms since the epoch). */
export interface FormerSecret {
  secret: Buffer
  until: number
}

/** The secrets of redeployed xo-hook nodes, still accepted for a while: XO's entries change after the new node starts. */
export class RetiredSecrets {
  readonly #retired = new Map<string, FormerSecret>()

  constructor(
    readonly graceMs = FORMER_SECRET_GRACE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The secret of the node `nodeId` replaced, if it was another one. */
  former(nodeId: string, digest: Buffer): FormerSecret | undefined {
    const former = this.#retired.get(nodeId)
    return former && !former.secret.equals(digest) ? former : undefined
  }

  /** The node closed: redeployed, its secret stays valid a while; deleted or disabled, it goes at once. */
  closed(nodeId: string, digest: Buffer, removed: boolean): void {
    if (removed) this.#retired.delete(nodeId)
    else this.#retired.set(nodeId, { secret: digest, until: this.now() + this.graceMs })
  }
}

/** What an xo-hook node accepts. On a listener, its own allow-list applies too: both must allow the source. */
export function receivingOptions(
  secret: string,
  options: {
    maxBytes: number
    allowFrom: AddressMatcher | undefined
    listenerAllows: AddressMatcher | undefined
    retired: RetiredSecrets
    nodeId: string
  },
): ReceiverOptions {
  const { allowFrom: nodeAllows, listenerAllows } = options
  const allowFrom =
    nodeAllows && listenerAllows
      ? (address: string) => nodeAllows(address) && listenerAllows(address)
      : (nodeAllows ?? listenerAllows)
  const receiving: ReceiverOptions = { secret: secretDigest(secret), maxBytes: options.maxBytes, allowFrom }
  const former = options.retired.former(options.nodeId, receiving.secret)
  if (former) receiving.former = former
  return receiving
}
