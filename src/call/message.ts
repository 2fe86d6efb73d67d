/** `msg.xo` of an xo-call message: what was called, how long it took, and XO's error when it failed. */
export interface XoCallInfo {
  method: string
  /** the parameters sent, secrets obfuscated */
  params: Record<string, unknown>
  durationMs: number
  error?: { name: string; message: string; code?: number; data?: unknown }
}

/** A message out of xo-call (its first output, or its error output with `xo.error`). */
export interface XoCallMessage {
  topic?: string
  /** XO's answer as it came (the node's output property, `payload` by default); for a transfer, with its `url` */
  payload?: unknown
  xo: XoCallInfo
  /** one line for people: what was called on what, and how it went */
  summary?: string
  /** set when XO answered with a transfer: where and how an http request node downloads or uploads it */
  url?: string
  method?: 'GET' | 'POST'
}
