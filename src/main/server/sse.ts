import type { ServerResponse } from 'node:http'

/**
 * The most a reader may leave unread (bytes queued in the response and its socket) before it is
 * dropped. Events come from runs that cannot be paused for one slow reader, so a reader that does
 * not keep up is closed instead of buffered without end. See docs/security.md, "The local API".
 * It must hold a burst written in one go: a run's stored stdout and stderr (1 MiB each) replayed
 * to a new reader, or a live run's replay log (2 Mi characters), where JSON may write a control
 * character as six bytes (`\u0001`): at most 12 MiB.
 */
export const SSE_MAX_BUFFERED_BYTES = 16 * 1024 * 1024
export const SSE_HEARTBEAT_MS = 15_000

export interface EventStreamOptions {
  /** A comment line sent first (a reader sees the stream is open). */
  hello?: string
  /** Extra response headers. */
  headers?: Record<string, string>
  heartbeatMs?: number
  maxBufferedBytes?: number
  /** Called once when the stream ends for any reason: ended by us, the reader left, or dropped. */
  onClose?: () => void
}

export interface EventStream {
  /** Sends one event; false (and nothing sent) once the stream is closed. */
  send(event: { id?: number; event?: string; data: unknown }): boolean
  /** Ends the stream normally once what was sent is written. */
  end(): void
  readonly closed: boolean
  /** True when the reader was closed for falling more than `maxBufferedBytes` behind. */
  readonly dropped: boolean
}

/** One server-sent event frame: `data` is JSON on one line, so it can never end the frame early. */
export function sseFrame(event: { id?: number; event?: string; data: unknown }): string {
  let frame = ''
  if (event.id !== undefined) frame += `id: ${event.id}\n`
  if (event.event !== undefined) frame += `event: ${event.event}\n`
  return `${frame}data: ${JSON.stringify(event.data)}\n\n`
}

/**
 * Opens a `text/event-stream` response with a heartbeat. `res.write()`'s return value is honoured:
 * while the reader is behind (write returned false, no 'drain' yet) heartbeats are skipped, and when
 * what is queued for it passes `maxBufferedBytes` it is disconnected rather than buffered further.
 * One event is never split or refused for its own size (a finished run's stored output is one
 * event): the bound is checked before each write, so memory per reader stays below the bound plus
 * one event.
 */
export function openEventStream(
  res: ServerResponse,
  options: EventStreamOptions = {},
): EventStream {
  const maxBuffered = options.maxBufferedBytes ?? SSE_MAX_BUFFERED_BYTES
  let closed = false
  let dropped = false
  let congested = false
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
    ...options.headers,
  })
  // The reader sees the stream open at once, before the first event.
  res.flushHeaders()
  const heartbeat = setInterval(() => {
    if (!congested) write(': keep-alive\n\n')
  }, options.heartbeatMs ?? SSE_HEARTBEAT_MS)
  heartbeat.unref()
  const close = (): void => {
    if (closed) return
    closed = true
    clearInterval(heartbeat)
    options.onClose?.()
  }
  res.on('close', close)
  res.on('drain', () => {
    congested = false
  })

  function write(text: string): boolean {
    if (closed || res.destroyed) return false
    if (res.writableLength > maxBuffered) {
      dropped = true
      close()
      res.destroy()
      return false
    }
    if (!res.write(text)) congested = true
    return true
  }

  if (options.hello !== undefined) write(`: ${options.hello}\n\n`)
  return {
    send: (event) => write(sseFrame(event)),
    end() {
      if (closed) return
      close()
      res.end()
    },
    get closed() {
      return closed
    },
    get dropped() {
      return dropped
    },
  }
}
