// The HTTP and server-sent-event clients the integration, security and API tests share: a request
// sent byte for byte, a live event-stream reader, and submitting a job and waiting for its record.
// Test files import these instead of writing their own.
import { createHash } from 'node:crypto'
import http from 'node:http'
import { expect } from 'vitest'
import { request } from './helpers'

type Body = Record<string, unknown>

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex')
}

export interface RawResponse {
  status: number
  headers: http.IncomingHttpHeaders
  /** The body as UTF-8 text. */
  body: string
  bytes: Buffer
}

/**
 * A request sent exactly as given: the path is not normalised (fetch would resolve `..` and
 * `%2e%2e`), and headers such as Host and Origin go out as written.
 */
export function rawRequest(
  base: string,
  method: string,
  rawPath: string,
  headers: Record<string, string> = {},
  body?: string,
  timeoutMs = 30_000,
): Promise<RawResponse> {
  const u = new URL(base)
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, method, path: rawPath, headers, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const bytes = Buffer.concat(chunks)
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: bytes.toString('utf8'),
            bytes,
          })
        })
      },
    )
    req.on('timeout', () => req.destroy(new Error(`${method} ${rawPath} timed out`)))
    req.on('error', reject)
    req.end(body)
  })
}

// ---- server-sent events ---------------------------------------------------------------------------

export interface SseEvent<T = Body> {
  id: number | null
  event: string
  data: T
}

/** One `\n\n`-separated block of an event stream; null for a comment or heartbeat. */
export function parseSseBlock<T = Body>(block: string): SseEvent<T> | null {
  let id: number | null = null
  let event = 'message'
  const data: string[] = []
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'id') id = Number(value)
    else if (field === 'event') event = value
    else if (field === 'data') data.push(value)
  }
  if (data.length === 0) return null
  return { id, event, data: JSON.parse(data.join('\n')) as T }
}

/** Reads an event stream incrementally with fetch and a stream reader. */
export class SseReader<T = Body> {
  private buffer = ''
  private readonly decoder = new TextDecoder()
  ended = false

  private constructor(
    readonly response: Response,
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
  ) {}

  /** Opens `url`; asserts a 200 `text/event-stream` answer. */
  static async open<T = Body>(url: string, timeoutMs = 90_000): Promise<SseReader<T>> {
    const res = await fetch(url, {
      headers: { accept: 'text/event-stream' },
      signal: AbortSignal.timeout(timeoutMs),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    expect(res.body).not.toBeNull()
    return new SseReader<T>(res, res.body!.getReader())
  }

  /** The next event, or null once the server has closed the stream. */
  async next(): Promise<SseEvent<T> | null> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n')
      if (end >= 0) {
        const block = this.buffer.slice(0, end)
        this.buffer = this.buffer.slice(end + 2)
        const event = parseSseBlock<T>(block)
        if (event) return event
        continue
      }
      const { value, done } = await this.reader.read()
      if (done) {
        this.ended = true
        return null
      }
      this.buffer += this.decoder.decode(value, { stream: true })
    }
  }

  /** Events up to and including the first for which `stop` is true (or to the end). */
  async until(stop: (e: SseEvent<T>, so: SseEvent<T>[]) => boolean): Promise<SseEvent<T>[]> {
    const got: SseEvent<T>[] = []
    for (;;) {
      const e = await this.next()
      if (!e) return got
      got.push(e)
      if (stop(e, got)) return got
    }
  }

  /** Every event until the server closes the stream. */
  rest(): Promise<SseEvent<T>[]> {
    return this.until(() => false)
  }

  /** Stops reading (the connection closes). */
  async close(): Promise<void> {
    await this.reader.cancel().catch(() => undefined)
  }
}

/** A stream that ends by itself (a finished job's events, a build's), read whole. */
export async function readSse<T = Body>(url: string): Promise<SseEvent<T>[]> {
  const reader = await SseReader.open<T>(url)
  return reader.rest()
}

/** The text of one output stream (`stdout` or `stderr`) in a list of job events. */
export function sseText(events: SseEvent[], stream: 'stdout' | 'stderr'): string {
  return events
    .filter((e) => e.event === stream)
    .map((e) => e.data.text as string)
    .join('')
}

/** The statuses a job's event stream reported, in order. */
export function sseStatuses(events: SseEvent[]): string[] {
  return events.filter((e) => e.event === 'status').map((e) => e.data.status as string)
}

// ---- jobs -----------------------------------------------------------------------------------------

/** `POST /execute/async`; asserts 200 and returns the job id. */
export async function submitJob(base: string, body: Body): Promise<string> {
  const res = await request<{ job_id: string }>(`${base}/execute/async`, {
    method: 'POST',
    json: body,
  })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.job_id
}

/** `GET /jobs/{id}/result?wait=true`: the job's record once it has ended (asserts 200). */
export async function waitForJob(
  base: string,
  id: string,
  options: { full?: boolean; timeoutS?: number } = {},
): Promise<Body> {
  const view = options.full ? '&view=full' : ''
  const res = await request(
    `${base}/jobs/${id}/result?wait=true&timeout=${options.timeoutS ?? 120}${view}`,
  )
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body
}
