import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'

export const MAX_BODY_BYTES = 2_097_152

/** An error that maps to an HTTP status with Tako VM's `{"detail": ...}` body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof detail === 'string' ? detail : `HTTP ${status}`)
    this.name = 'HttpError'
  }
}

/** A value already serialized as JSON, spliced verbatim into a response (keeps `30.0` as written). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON.stringify that writes RawJson values verbatim. */
export function stringifyWithRaw(body: unknown): string {
  const raws: string[] = []
  // A per-call random marker: no other string in the body can collide with it.
  const marker = `@@raw-${randomBytes(12).toString('hex')}-`
  const text = JSON.stringify(body, (_key, value: unknown) => {
    if (value instanceof RawJson) {
      raws.push(value.text)
      return `${marker}${raws.length - 1}`
    }
    return value
  })
  if (raws.length === 0) return text
  return text.replace(new RegExp(`"${marker}(\\d+)"`, 'g'), (_m, i: string) =>
    (raws[Number(i)] ?? 'null').trim(),
  )
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end()
    return
  }
  const text = stringifyWithRaw(body)
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  })
  res.end(text)
}

/**
 * Reads the request body up to `limit` bytes. Over the limit → 413 (by Content-Length before reading,
 * or by counting a chunked body); the rest of an oversized body is not buffered.
 */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  // The unread rest of the body is never consumed (and leaving a `for await` destroys the request),
  // so the connection cannot carry another request: close it rather than let the next one hang.
  const tooLarge = (): HttpError =>
    new HttpError(413, `Payload too large. Maximum allowed size is ${limit} bytes.`, {
      Connection: 'close',
    })
  const declared = req.headers['content-length']
  if (declared !== undefined && Number(declared) > limit) {
    req.resume()
    throw tooLarge()
  }
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > limit) {
        req.resume()
        throw tooLarge()
      }
      chunks.push(chunk)
    }
  } catch (err) {
    if (err instanceof HttpError) throw err
    // The client left, or the connection was closed for a stalled body (already answered 408).
    throw new HttpError(400, 'Request body incomplete: the connection closed')
  }
  return Buffer.concat(chunks)
}

/** True once the client of `res` has gone: nothing written to it will be read. */
export function clientGone(res: ServerResponse): boolean {
  return res.destroyed || !res.socket || res.socket.destroyed
}

/**
 * Waits for `promise` while the client is still there: 'gone' as soon as its connection closes,
 * 'timeout' after `ms`. Nothing is left waiting for a client that left (no timer, no listener),
 * and the caller builds no answer for it.
 */
export async function whileConnected<T>(
  res: ServerResponse,
  promise: Promise<T>,
  ms: number,
): Promise<{ value: T } | 'gone' | 'timeout'> {
  if (clientGone(res)) {
    // Nobody waits for `promise` now: its later failure must not be an unhandled rejection.
    promise.catch(() => undefined)
    return 'gone'
  }
  let timer: NodeJS.Timeout | undefined
  let onClose: (() => void) | undefined
  try {
    return await Promise.race([
      promise.then((value) => ({ value })),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), ms)
      }),
      new Promise<'gone'>((resolve) => {
        onClose = () => resolve('gone')
        res.once('close', onClose)
      }),
    ])
  } finally {
    clearTimeout(timer)
    if (onClose) res.off('close', onClose)
  }
}

/** Parses a JSON body; a syntax error becomes FastAPI's 422 `json_invalid` entry. */
export function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8')
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    throw new HttpError(422, [
      {
        type: 'json_invalid',
        loc: ['body', 0],
        msg: 'JSON decode error',
        input: {},
        ctx: { error: (err as Error).message },
      },
    ])
  }
}

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)(?::\d{1,5})?$/i

/** True when a Host header names this machine's loopback (DNS-rebinding defence). */
export function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && LOOPBACK_HOST.test(host.trim())
}

export function isLoopbackAddress(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127(?:\.\d{1,3}){3}$/.test(address)
}

/** Host names that reach the socket bound to `address` (the address as a URL writes it, plus `localhost`). */
function loopbackNames(address: string | undefined): string[] {
  if (address === undefined) return []
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address
  if (v4 === '127.0.0.1') return ['127.0.0.1', 'localhost']
  if (v4 === '::1') return ['[::1]', 'localhost']
  return isLoopbackAddress(v4) ? [v4] : []
}

/**
 * True when `origin` is this server's own: the scheme, host and port the client addressed (its
 * `Host`), or another loopback name of the very socket the request arrived on (a page opened at
 * `http://localhost:8000` calling `http://127.0.0.1:8000`). Another port, or another loopback address
 * such as 127.0.0.2 (which a different server may hold), is not ours. See docs/security.md,
 * "The local API".
 */
export function isOwnOrigin(origin: string, req: IncomingMessage): boolean {
  let u: URL
  try {
    u = new URL(origin)
  } catch {
    return false
  }
  if (u.protocol !== 'http:' || u.origin !== origin) return false
  if (u.host === addressedHost(req.headers.host)) return true
  const port = Number(u.port || 80)
  return (
    port === req.socket.localPort && loopbackNames(req.socket.localAddress).includes(u.hostname)
  )
}

/** The `Host` header as a URL writes it (`localhost:80` → `localhost`); null when absent or invalid. */
function addressedHost(host: string | undefined): string | null {
  if (!host) return null
  try {
    return new URL(`http://${host.trim()}`).host
  } catch {
    return null
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Why a request may not go on, given where it says it comes from; null when it may. Any request:
 * no `Origin` off this machine, no `Sec-Fetch-Site: cross-site`. A request that can change state
 * (every method but GET/HEAD/OPTIONS, with or without a body): an `Origin`, when present, must be
 * this server's own; without one, `Sec-Fetch-Site`, when present, must be `none` or `same-origin`.
 * Clients that send neither (curl, Python `requests`) are not browsers and are not refused here.
 */
export function siteRefusal(req: IncomingMessage): string | null {
  const origin = req.headers.origin
  const site = req.headers['sec-fetch-site']
  if (isPreviewSubresource(req)) return null
  if (!isLoopbackOrigin(origin) || site === 'cross-site') {
    return 'Cross-origin requests are not allowed'
  }
  if (SAFE_METHODS.has((req.method ?? 'GET').toUpperCase())) return null
  if (origin !== undefined) {
    return isOwnOrigin(origin, req)
      ? null
      : `Refused: a request that changes state must come from this server's own page, not from ${origin}`
  }
  if (site !== undefined && site !== 'none' && site !== 'same-origin') {
    return `Refused: a request that changes state must come from this server's own page (Sec-Fetch-Site: ${site})`
  }
  return null
}

/** `/jobs/<id>/preview/<key>/…`: the one shape of path a sandboxed preview frame may ask for. */
export const PREVIEW_PATH = /^\/jobs\/[^/?#]+\/preview\/[0-9a-f]{32}\//

const PREVIEW_SUBRESOURCES = new Set(['image', 'style', 'font', 'audio', 'video', 'track'])

/**
 * An image (style, font, media) a sandboxed HTML preview asks for under a run's preview folder. The
 * frame's origin is opaque, so its requests arrive cross-site with `Origin: null`; the preview
 * route then checks the folder's key (see routes-artifacts.ts and docs/security.md, 'Previews').
 */
function isPreviewSubresource(req: IncomingMessage): boolean {
  const method = (req.method ?? 'GET').toUpperCase()
  const dest = req.headers['sec-fetch-dest']
  const origin = req.headers.origin
  return (
    (method === 'GET' || method === 'HEAD') &&
    (origin === undefined || origin === 'null') &&
    dest !== undefined &&
    PREVIEW_SUBRESOURCES.has(dest) &&
    PREVIEW_PATH.test(req.url ?? '')
  )
}

/** An `Origin` a page on this machine's loopback could send (or none at all). */
export function isLoopbackOrigin(origin: string | undefined): boolean {
  if (origin === undefined) return true
  try {
    const u = new URL(origin)
    return (u.protocol === 'http:' || u.protocol === 'https:') && isLoopbackHost(u.host)
  } catch {
    return false
  }
}
