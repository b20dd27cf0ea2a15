import type http from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/** What a client may hold of the server; see docs/security.md, "The local API". */
export interface ConnectionLimits {
  /** Open connections at most; at the cap the longest-stalled one makes room for a new one. */
  maxConnections: number
  /** A request's headers must arrive within this (Node answers 408 and closes). */
  headersTimeoutMs: number
  /** A request body that sends nothing for this long gets 408 and its connection is closed. */
  bodyIdleTimeoutMs: number
  /** A request body (other than an `application/octet-stream` upload) must arrive within this. */
  bodyTimeoutMs: number
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 512,
  headersTimeoutMs: 20_000,
  bodyIdleTimeoutMs: 30_000,
  bodyTimeoutMs: 120_000,
}

interface Tracked {
  /** When the connection opened or its current request began. */
  since: number
  req: IncomingMessage | null
  res: ServerResponse | null
  /** Socket bytes read at the last check, and when that count last grew. */
  bytesRead: number
  progressAt: number
}

/**
 * Guards an http.Server against clients that hold connections without finishing requests: a body
 * that stalls (idle) or drags on (total) gets 408 and its connection closed; at `maxConnections` a
 * new connection evicts the oldest one that is not being answered (idle keep-alive, headers or body
 * still incomplete), else the oldest of all (say, an event stream), so clients holding connections
 * can never lock out a new one such as `GET /health`.
 * Header timeouts are Node's own (`headersTimeout`), set by the caller.
 */
export function guardConnections(server: http.Server, limits: ConnectionLimits): () => void {
  const sockets = new Map<Socket, Tracked>()

  /** Not in the middle of answering a request whose body has fully arrived. */
  const evictable = (t: Tracked): boolean =>
    t.req === null || !t.req.complete || t.res === null || t.res.writableFinished

  server.on('connection', (socket: Socket) => {
    if (sockets.size >= limits.maxConnections) {
      // The oldest connection not being answered; when every one is (event streams, long
      // waits), the oldest of all: a new client always gets in.
      let victim: [Socket, Tracked] | null = null
      let oldest: [Socket, Tracked] | null = null
      for (const entry of sockets) {
        if (oldest === null || entry[1].since < oldest[1].since) oldest = entry
        if (evictable(entry[1]) && (victim === null || entry[1].since < victim[1].since))
          victim = entry
      }
      victim ??= oldest
      if (victim !== null) {
        sockets.delete(victim[0])
        victim[0].destroy()
      }
    }
    const now = Date.now()
    sockets.set(socket, { since: now, req: null, res: null, bytesRead: 0, progressAt: now })
    socket.once('close', () => sockets.delete(socket))
  })

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const t = sockets.get(req.socket)
    if (!t) return
    const now = Date.now()
    Object.assign(t, { since: now, req, res, bytesRead: req.socket.bytesRead, progressAt: now })
    res.once('finish', () => {
      // Answered before its body arrived (a refusal): the rest of the body is still timed.
      if (t.res === res && req.complete)
        Object.assign(t, { since: Date.now(), req: null, res: null })
    })
  })

  /** Answers 408 (if nothing was sent yet) and closes the connection. */
  function timeOut(socket: Socket, t: Tracked, why: string): void {
    sockets.delete(socket)
    const res = t.res
    if (res && !res.headersSent) {
      const body = JSON.stringify({ detail: why })
      res.writeHead(408, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        Connection: 'close',
      })
      res.end(body, () => socket.destroy())
      // A client that does not read the answer either is not waited for.
      setTimeout(() => socket.destroy(), 1_000).unref()
    } else socket.destroy()
  }

  function check(): void {
    const now = Date.now()
    for (const [socket, t] of sockets) {
      const req = t.req
      if (req === null || req.complete) continue
      // Bytes the handler has not taken yet are ours to read, not the client's delay.
      if (socket.bytesRead !== t.bytesRead || req.readableLength > 0) {
        t.bytesRead = socket.bytesRead
        t.progressAt = now
      }
      const upload = /^application\/octet-stream/i.test(req.headers['content-type'] ?? '')
      if (now - t.progressAt >= limits.bodyIdleTimeoutMs) {
        timeOut(
          socket,
          t,
          `Request body stalled: nothing received for ${limits.bodyIdleTimeoutMs} ms`,
        )
      } else if (!upload && now - t.since >= limits.bodyTimeoutMs) {
        timeOut(socket, t, `Request body not received within ${limits.bodyTimeoutMs} ms`)
      }
    }
  }
  const tick = Math.max(50, Math.min(1_000, Math.floor(limits.bodyIdleTimeoutMs / 4)))
  const timer = setInterval(check, tick)
  timer.unref()
  return () => clearInterval(timer)
}
