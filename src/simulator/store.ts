// The XO object collection plus the `all` notification batching.
// Like xo-collection, every change made during one tick is coalesced and flushed on the next tick
// as at most one "enter" message (added or updated, whole objects) and one "exit" message (removed).
// Operations therefore model an XAPI event batch as "mutate synchronously, then sleep".
import { reorder, XoObject } from './shapes'

export type NotificationListener = (frame: string) => void

export class ObjectStore {
  readonly objects = new Map<string, XoObject>()
  private readonly listeners = new Set<NotificationListener>()
  private entered = new Set<string>()
  private exited = new Set<string>()
  private scheduled = false

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
    for (const frame of frames) for (const l of this.listeners) l(frame)
  }
}
