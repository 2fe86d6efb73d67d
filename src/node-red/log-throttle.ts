/**
 * Lets through one line per `intervalMs`, so that a server sending garbage many times a second cannot flood
 * Node-RED's log; the next line that gets through says how many were held back.
 */
export function throttledLog(
  write: (line: string, held: number) => void,
  intervalMs = 10_000,
  now: () => number = Date.now,
): (line: string) => void {
  let last = -Infinity
  let held = 0
  return (line) => {
    const t = now()
    if (t - last < intervalMs) {
      held++
      return
    }
    last = t
    write(line, held)
    held = 0
  }
}
