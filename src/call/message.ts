/** `msg.xo` of an xo-call message: what was called, how long it took, and XO's error when it failed. */
export interface XoCallInfo {
  method: string
  /** the parameters sent, secrets obfuscated */
  params: Record<string, unknown>
  durationMs: number
  error?: { name: string; message: string; code?: number; data?: unknown }
}
