import { readFileSync } from 'node:fs'
import path from 'node:path'

/** The recorded traffic of a real xo-server 5.207.2, kept in the repository (test/fixtures/xo/README.md). */
export const CAPTURES = path.resolve(__dirname, '../fixtures/xo')

export function capture<T = unknown>(file: string): T {
  return JSON.parse(readFileSync(path.join(CAPTURES, file), 'utf8')) as T
}

export interface CapturedRequest {
  seq: number
  method: string
  url: string
  headers: Record<string, string>
  body: string
  json: Record<string, unknown>
}

/** Every web-hook request the capture's receiver got, in arrival order. */
export function capturedDeliveries(): CapturedRequest[] {
  return readFileSync(path.join(CAPTURES, 'webhook-requests.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((entry) => typeof entry.body === 'string')
}
