// The XO object collection plus the `all` notification batching.
// Like xo-collection, every change made during one tick is coalesced and flushed on the next tick
// as at most one "enter" message (added or updated, whole objects) and one "exit" message (removed).
// Operations therefore model an XAPI event batch as "mutate synchronously, then sleep".
// Each message reaches the connections a few ms later (`lag`, in order): XO's web-hook deliveries travel apart
// from the notifications, and the post of a call and the object update of its last step arrive within the same
// few ms, either first.
import { reorder, type XoObject } from './shapes'

export type NotificationListener = (frame: string) => void

export class ObjectStore {
  readonly objects = new Map<string, XoObject>()
  private readonly listeners = new Set<NotificationListener>()
  private entered = new Set<string>()
  private exited = new Set<string>()
  private scheduled = false
  private outbox: Array<{ frames: string[]; due: number }> = []
  private lastDue = 0
  private timer: NodeJS.Timeout | undefined

  /** `lag()`: real ms between a batch and its messages reaching the connections */
  constructor(private readonly lag: () => number = () => 0) {}

  get(id: string): XoObject | undefined {
    return this.objects.get(id)
  }

  /** Bulk load without notifications (initial inventory: nobody is connected yet). */
  load(obj: XoObject): void {
    this.objects.set(obj.id, obj)
  }

  add(obj: XoObject): XoObject {
    this.objects.set(obj.id, obj)
    this.markEnter(obj.id)
    return obj
  }

  /** Replace fields (undefined deletes) and notify; returns the new snapshot. */
  update(id: string, patch: Record<string, unknown>): XoObject {
    const cur = this.objects.get(id)
    if (cur === undefined) throw new Error(`store: unknown object ${id}`)
    const next = reorder(cur, patch)
    this.objects.set(id, next)
    this.markEnter(id)
    return next
  }

  /** XAPI often re-sends an object whose XO projection did not change: XO still emits it. */
  touch(id: string): void {
    if (this.objects.has(id)) this.markEnter(id)
  }

  remove(id: string): void {
    if (!this.objects.delete(id)) return
    this.entered.delete(id)
    this.exited.add(id)
    this.schedule()
  }

  /** Drops messages not sent yet (the simulator stops). */
  stop(): void {
    clearTimeout(this.timer)
    this.outbox = []
  }

  subscribe(listener: NotificationListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private markEnter(id: string): void {
    this.exited.delete(id)
    this.entered.add(id)
    this.schedule()
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    process.nextTick(() => this.flush())
  }

  private flush(): void {
    this.scheduled = false
    const entered = this.entered
    const exited = this.exited
    this.entered = new Set()
    this.exited = new Set()
    if (this.listeners.size === 0) return
    const frames: string[] = []
    if (entered.size > 0) {
      const items: Record<string, XoObject> = {}
      for (const id of entered) {
        const obj = this.objects.get(id)
        if (obj !== undefined) items[id] = obj
      }
      frames.push(JSON.stringify({ jsonrpc: '2.0', method: 'all', params: { type: 'enter', items } }))
    }
    if (exited.size > 0) {
      const items: Record<string, 0> = {}
      for (const id of exited) items[id] = 0
      frames.push(JSON.stringify({ jsonrpc: '2.0', method: 'all', params: { type: 'exit', items } }))
    }
    if (frames.length === 0) return
    // A lag under a millisecond is no lag: sent at once.
    const lag = this.lag()
    const due = Math.max(this.lastDue, Date.now() + (lag < 1 ? 0 : lag))
    this.lastDue = due
    this.outbox.push({ frames, due })
    if (this.outbox.length === 1) this.drain()
  }

  /** Sends the batches that are due, in order; waits for the next one. */
  private drain(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    while (this.outbox.length > 0 && this.outbox[0].due <= Date.now()) {
      const { frames } = this.outbox.shift()!
      for (const frame of frames) for (const l of this.listeners) l(frame)
    }
    if (this.outbox.length > 0) this.timer = setTimeout(() => this.drain(), this.outbox[0].due - Date.now())
  }
}
