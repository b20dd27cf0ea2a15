import { randomUUID, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Core } from '../app/core'
import { InvalidArgument, toAppError, type AppError, type AppErrorCode } from '../app/errors'
import { createContext } from './context'
import { HttpError, isLoopbackHost, sendJson, siteRefusal } from './http-util'
import type { Params, Route } from './router'
import { artifactRoutes } from './routes-artifacts'
import { compareRoutes } from './routes-compare'
import { jobRoutes } from './routes-jobs'
import { metaRoutes } from './routes-meta'
import { dlqRoutes } from './routes-dlq'
import { appRoutes } from './routes-app'
import { bundleRoutes } from './routes-bundle'
import { environmentRoutes } from './routes-environments'
import { exerciseRoutes } from './routes-exercises'
import { RequestValidationError } from './validation'

export { API_VERSION } from './routes-meta'

export interface ApiOptions {
  core: Core
  /** Required on every request when set (non-loopback binds). */
  token?: string | null
  /** Enforce a loopback `Host` header (on by default; off only behind a token). */
  checkHost?: boolean
  /** The built renderer (`out/renderer`), served at `/` for the app in a browser; null: API only. */
  rendererDir?: string | null
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'X-XSS-Protection': '1; mode=block',
  'Referrer-Policy': 'no-referrer',
}

function tokenMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The HTTP status of each app error (Tako VM's: 400 for a refused replay, 503 for a full queue). */
const STATUS: Record<AppErrorCode, number> = {
  not_found: 404,
  conflict: 409,
  invalid_argument: 400,
  failed_precondition: 400,
  queue_full: 503,
}

/** The Content-Type each kind of POST body must declare. */
const BODY_TYPES: Record<Route['body'], { name: string; pattern: RegExp }> = {
  json: { name: 'application/json', pattern: /^application\/json\s*(;|$)/i },
  binary: { name: 'application/octet-stream', pattern: /^application\/octet-stream\s*(;|$)/i },
  zip: { name: 'application/zip', pattern: /^application\/(zip|x-zip-compressed)\s*(;|$)/i },
}

/** The neutral request's field names as the HTTP body spells them. */
const WIRE_FIELD: Readonly<Record<string, string>> = {
  environment: 'job_type',
  input: 'input_data',
  timeoutS: 'timeout',
  memoryMb: 'memory_mb',
}

/**
 * An app error as a status and Tako VM's body: field problems as FastAPI's 422 list, anything
 * else as `{"detail": message}`.
 */
function appErrorResponse(err: AppError, correlation: string): { status: number; body: unknown } {
  if (err instanceof InvalidArgument && err.issues.length > 0) {
    return {
      status: 422,
      body: {
        detail: err.issues.map((i) => ({
          type: 'value_error',
          loc: ['body', WIRE_FIELD[i.field] ?? i.field],
          msg: `Value error, ${i.message}`,
          input: clip(i.input),
        })),
      },
    }
  }
  return { status: STATUS[err.code], body: { detail: err.message, correlation_id: correlation } }
}

function clip(input: unknown): unknown {
  if (typeof input === 'string' && input.length > 200) return `${input.slice(0, 200)}…`
  if (input !== null && typeof input === 'object') {
    let text: string
    try {
      text = JSON.stringify(input)
    } catch {
      // Nested too deeply for JSON.stringify: throwing here would escape the error handler.
      return '<value nested too deeply to show>'
    }
    if (text.length > 200) return `${text.slice(0, 200)}…`
  }
  return input
}

/**
 * The Tako VM-compatible HTTP API (see docs/api.md) as a node:http handler.
 * Before any route: a loopback `Host` (DNS rebinding), no cross-site `Origin`, requests that change
 * state only from this server's own origin (see `siteRefusal`), the token when one is set,
 * JSON-only POST bodies (no CSRF through simple forms). No CORS headers are ever sent.
 */
export function createApiHandler(
  options: ApiOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const ctx = createContext(options.core)
  const routes: Route[] = [
    ...appRoutes(ctx, options.rendererDir ?? null),
    ...metaRoutes(ctx),
    ...dlqRoutes(ctx),
    ...environmentRoutes(ctx),
    ...jobRoutes(ctx),
    ...artifactRoutes(ctx),
    ...compareRoutes(ctx),
    ...bundleRoutes(ctx),
    ...exerciseRoutes(ctx),
  ]
  const checkHost = options.checkHost ?? true

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase()
    // Who may ask comes before what is asked.
    if (checkHost && !isLoopbackHost(req.headers.host)) {
      throw new HttpError(400, 'Invalid Host header: this API only answers to localhost')
    }
    const refusal = siteRefusal(req)
    if (refusal !== null) throw new HttpError(403, refusal)
    let url: URL
    try {
      // The request target is always a path: `//x` must not be read as a host name.
      const target = req.url ?? '/'
      url = new URL(`http://127.0.0.1${target.startsWith('/') ? '' : '/'}${target}`)
    } catch {
      throw new HttpError(400, 'Invalid request URL')
    }
    if (options.token) {
      const auth = req.headers.authorization ?? ''
      const key = req.headers['x-api-key']
      const given = auth.startsWith('Bearer ') ? auth.slice(7) : typeof key === 'string' ? key : ''
      if (!tokenMatches(given, options.token)) {
        throw new HttpError(401, 'Missing or invalid API key.', { 'WWW-Authenticate': 'Bearer' })
      }
    }
    let path: string
    try {
      path = decodeURIComponent(url.pathname)
    } catch {
      throw new HttpError(400, 'Invalid percent-encoding in path')
    }
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1)
    const candidates = routes.filter((r) => r.pattern.test(path))
    if (candidates.length === 0) throw new HttpError(404, 'Not Found')
    const match = candidates.find(
      (r) => r.method === method || (method === 'HEAD' && r.method === 'GET'),
    )
    if (!match) {
      throw new HttpError(405, 'Method Not Allowed', {
        Allow: [...new Set(candidates.map((r) => r.method))].join(', '),
      })
    }
    if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
      const type = req.headers['content-type']
      const length = Number(req.headers['content-length'] ?? 0)
      const hasBody = length > 0 || req.headers['transfer-encoding'] !== undefined
      const wanted = BODY_TYPES[match.body]
      if (type !== undefined ? !wanted.pattern.test(type) : hasBody || match.body !== 'json') {
        throw new HttpError(415, `Content-Type must be ${wanted.name}`)
      }
    }
    const m = match.pattern.exec(path)!
    const params: Params = {}
    match.keys.forEach((k, i) => {
      params[k] = m[i + 1] ?? ''
    })
    await match.handler(req, res, params, url)
  }

  return (req, res) => {
    const given = req.headers['x-correlation-id']
    const correlation =
      typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID()
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v)
    res.setHeader('X-Correlation-ID', correlation)
    dispatch(req, res).catch((err: unknown) => {
      const app = toAppError(err)
      if (app) {
        const { status, body } = appErrorResponse(app, correlation)
        sendJson(res, status, body)
      } else if (err instanceof RequestValidationError) {
        sendJson(res, 422, { detail: err.detail.map((d) => ({ ...d, input: clip(d.input) })) })
      } else if (err instanceof HttpError) {
        sendJson(res, err.status, { detail: err.detail, correlation_id: correlation }, err.headers)
      } else {
        console.error('[api] internal error', err)
        sendJson(res, 500, { detail: 'Internal server error', correlation_id: correlation })
      }
    })
  }
}
