import { randomUUID, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isTerminal, RUN_STATUSES, type RunStatus } from '../../shared/run'
import type { Core } from '../core'
import { ENVIRONMENTS, findEnvironment } from '../environments/catalogue'
import { QueueFullError } from '../jobs/job-service'
import { isValidRunId, STDERR_FILE, STDOUT_FILE } from '../store/run-store'
import { executeResponse, recordResponse } from './dto'
import {
  HttpError,
  isLoopbackHost,
  isLoopbackOrigin,
  parseJson,
  readBody,
  sendJson,
} from './http-util'
import { resolveEnvironment, toSubmitRequest } from './run-request'
import { executeRequestSchema, parseBody, RequestValidationError } from './validation'

export const API_VERSION = '0.1.0'

export interface ApiOptions {
  core: Core
  /** Required on every request when set (non-loopback binds). */
  token?: string | null
  /** Enforce a loopback `Host` header (on by default; off only behind a token). */
  checkHost?: boolean
}

type Params = Record<string, string>
type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: Params,
  url: URL,
) => Promise<void> | void

interface Route {
  method: string
  pattern: RegExp
  keys: string[]
  handler: Handler
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'X-XSS-Protection': '1; mode=block',
  'Referrer-Policy': 'no-referrer',
}

function route(method: string, path: string, handler: Handler): Route {
  const keys: string[] = []
  const pattern = new RegExp(
    '^' +
      path.replace(/\{(\w+)(\*)?\}/g, (_m, key: string, star?: string) => {
        keys.push(key)
        return star ? '(.+)' : '([^/]+)'
      }) +
      '$',
  )
  return { method, pattern, keys, handler }
}

function queryInt(url: URL, name: string, def: number, min: number, max: number): number {
  const raw = url.searchParams.get(name)
  if (raw === null) return def
  const n = Number(raw)
  if (!/^-?\d+$/.test(raw) || n < min || n > max) {
    throw new HttpError(422, [
      {
        type: 'int_parsing',
        loc: ['query', name],
        msg: `Input should be an integer between ${min} and ${max}`,
        input: raw,
      },
    ])
  }
  return n
}

function queryBool(url: URL, name: string): boolean {
  const raw = url.searchParams.get(name)
  if (raw === null) return false
  if (/^(true|1|yes|on)$/i.test(raw)) return true
  if (/^(false|0|no|off)$/i.test(raw)) return false
  throw new HttpError(422, [
    {
      type: 'bool_parsing',
      loc: ['query', name],
      msg: 'Input should be a valid boolean',
      input: raw,
    },
  ])
}

function tokenMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The Tako VM-compatible HTTP API (reference/tako-vm.md §1, DESIGN §2) as a node:http handler. */
export function createApiHandler(
  options: ApiOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { core } = options
  const { jobs, store } = core
  const checkHost = options.checkHost ?? true
  let dockerCache: {
    at: number
    value: { available: boolean; version: string | null; error: string | null }
  } | null = null

  async function dockerStatus(): Promise<{
    available: boolean
    version: string | null
    error: string | null
  }> {
    if (dockerCache && Date.now() - dockerCache.at < 1000) return dockerCache.value
    let value: { available: boolean; version: string | null; error: string | null }
    try {
      const v = await Promise.race([
        core.client.ping(),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('Docker did not answer within 3 s')), 3000).unref(),
        ),
      ])
      value = { available: true, version: v.version, error: null }
    } catch (err) {
      value = { available: false, version: null, error: (err as Error).message }
    }
    dockerCache = { at: Date.now(), value }
    return value
  }

  const jobNotFound = (): HttpError => new HttpError(404, 'Job not found')

  function getRecordOr404(
    id: string,
    message = 'Job not found',
  ): NonNullable<ReturnType<typeof store.get>> {
    const rec = isValidRunId(id) ? store.get(id) : undefined
    if (!rec) throw new HttpError(404, message)
    return rec
  }

  function outputs(id: string): { stdout: string; stderr: string } {
    return { stdout: store.readText(id, STDOUT_FILE), stderr: store.readText(id, STDERR_FILE) }
  }

  async function readJsonBody(req: IncomingMessage): Promise<unknown> {
    const body = await readBody(req)
    if (body.length === 0) return {}
    return parseJson(body)
  }

  const routes: Route[] = [
    route('GET', '/', (_req, res) => {
      res.writeHead(307, { Location: '/health' })
      res.end()
    }),
    route('GET', '/health', async (_req, res) => {
      const docker = await dockerStatus()
      sendJson(res, 200, {
        status: docker.available ? 'healthy' : 'degraded',
        docker_available: docker.available,
        docker_version: docker.version,
        docker_error: docker.error,
        gvisor_available: false,
        version: API_VERSION,
        production_mode: false,
        queue_stats: jobs.stats(),
      })
    }),
    route('GET', '/pool/stats', (_req, res) => sendJson(res, 200, jobs.stats())),
    route('GET', '/job-types', async (_req, res) => {
      const list = await Promise.all(
        ENVIRONMENTS.map(async (env) => {
          const { image } = resolveEnvironment(env.name)
          const exists = await core.client.imageExists(image).catch(() => null)
          return {
            name: env.name,
            description: env.description,
            requirements: env.packages,
            python_version: '3.11',
            memory_limit: `${env.defaults.memoryBytes / 1024 / 1024}m`,
            cpu_limit: env.defaults.cpus,
            timeout: env.defaults.timeoutMs / 1000,
            session_enabled: false,
            gpu_enabled: false,
            gpu_vendor: null,
            image: image,
            image_exists: exists,
          }
        }),
      )
      sendJson(res, 200, list)
    }),
    route('GET', '/job-types/{name}', (_req, res, p) => {
      const env = findEnvironment(p.name)
      if (!env) throw new HttpError(404, `Job type '${p.name}' not found`)
      sendJson(res, 200, {
        name: env.name,
        description: env.description,
        requirements: env.packages,
      })
    }),
    route('POST', '/execute', async (req, res) => {
      const t0 = performance.now()
      const body = parseBody(executeRequestSchema, await readJsonBody(req))
      const submit = toSubmitRequest(body, core.maxTimeoutS)
      submit.id = `api-${randomUUID()}`
      submit.idempotencyKey = null
      const queued = jobs.submit(submit)
      // A client that disconnects does not cancel the run: it is recorded like any other.
      const rec = (await jobs.wait(queued.id)) ?? queued
      const out = outputs(rec.id)
      sendJson(
        res,
        200,
        executeResponse(rec, out.stdout, out.stderr, (performance.now() - t0) / 1000),
      )
    }),
    route('POST', '/execute/async', async (req, res) => {
      const body = parseBody(executeRequestSchema, await readJsonBody(req))
      const submit = toSubmitRequest(body, core.maxTimeoutS)
      const rec = jobs.submit(submit)
      sendJson(res, 200, { job_id: rec.id, status: 'queued' })
    }),
    route('GET', '/jobs/{id}', (_req, res, p) => {
      const id = p.id
      const st = isValidRunId(id) ? jobs.statusOf(id) : null
      if (!st) throw jobNotFound()
      const rec = store.get(id)
      const body: Record<string, unknown> = {
        job_id: id,
        status: st.status,
        created_at: rec?.createdAt ?? null,
      }
      if (rec?.durationMs != null && isTerminal(rec.status)) body.duration_ms = rec.durationMs
      if (st.queuePosition !== null) body.queue_position = st.queuePosition
      if (rec?.error) body.error = rec.error
      sendJson(res, 200, body)
    }),
    route('GET', '/jobs/{id}/result', async (_req, res, p, url) => {
      const id = p.id
      getRecordOr404(id)
      const wait = queryBool(url, 'wait')
      const full = url.searchParams.get('view') === 'full'
      const timeoutRaw = url.searchParams.get('timeout')
      const timeoutS = timeoutRaw === null ? 30 : Number(timeoutRaw)
      if (!Number.isFinite(timeoutS) || timeoutS < 1 || timeoutS > 300) {
        throw new HttpError(422, [
          {
            type: 'float_parsing',
            loc: ['query', 'timeout'],
            msg: 'Input should be a number between 1 and 300',
            input: timeoutRaw,
          },
        ])
      }
      let rec = store.get(id)!
      if (wait && !isTerminal(rec.status)) {
        const done = await jobs.wait(id, timeoutS * 1000)
        if (!done) throw new HttpError(408, 'Timeout waiting for job')
        rec = done
      }
      const out = outputs(id)
      sendJson(res, 200, recordResponse(rec, out.stdout, out.stderr, full))
    }),
    route('POST', '/jobs/{id}/cancel', async (req, res, p) => {
      await readBody(req)
      const id = p.id
      if (!isValidRunId(id) || !jobs.cancel(id))
        throw new HttpError(404, 'Job not found or already completed')
      sendJson(res, 200, { status: 'cancelled', job_id: id })
    }),
    route('GET', '/executions', (_req, res, _p, url) => {
      const status = url.searchParams.get('status')
      if (status !== null && !RUN_STATUSES.includes(status as RunStatus)) {
        throw new HttpError(422, [
          {
            type: 'enum',
            loc: ['query', 'status'],
            msg: `Input should be one of ${RUN_STATUSES.join(', ')}`,
            input: status,
          },
        ])
      }
      const limit = queryInt(url, 'limit', 100, 1, 1000)
      const offset = queryInt(url, 'offset', 0, 0, Number.MAX_SAFE_INTEGER)
      const jobType = url.searchParams.get('job_type')
      const q = url.searchParams.get('q')
      const full = url.searchParams.get('view') === 'full'
      const page = store.list({
        limit,
        offset,
        ...(status ? { status: status as RunStatus } : {}),
        ...(jobType ? { environment: jobType } : {}),
        ...(q ? { q } : {}),
      })
      const items = page.items.map((r) => {
        const out = full ? outputs(r.id) : { stdout: '', stderr: '' }
        const dto = recordResponse(r, out.stdout, out.stderr, full)
        if (!full) {
          delete dto.stdout
          delete dto.stderr
          dto.code_preview = r.codePreview
        }
        return dto
      })
      sendJson(res, 200, {
        items,
        limit,
        offset,
        has_more: page.hasMore,
        count: items.length,
        total: page.total,
      })
    }),
    route('GET', '/executions/{id}', (_req, res, p, url) => {
      const rec = getRecordOr404(p.id, 'Execution not found')
      const out = outputs(rec.id)
      sendJson(
        res,
        200,
        recordResponse(rec, out.stdout, out.stderr, url.searchParams.get('view') === 'full'),
      )
    }),
    route('DELETE', '/executions/{id}', (_req, res, p) => {
      const rec = getRecordOr404(p.id, 'Execution not found')
      if (!isTerminal(rec.status))
        throw new HttpError(409, 'Execution is still in progress; cancel it first')
      store.delete(rec.id)
      sendJson(res, 200, { status: 'deleted', execution_id: rec.id })
    }),
  ]

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase()
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1')
    } catch {
      throw new HttpError(400, 'Invalid request URL')
    }
    if (checkHost && !isLoopbackHost(req.headers.host)) {
      throw new HttpError(400, 'Invalid Host header: this API only answers to localhost')
    }
    if (!isLoopbackOrigin(req.headers.origin) || req.headers['sec-fetch-site'] === 'cross-site') {
      throw new HttpError(403, 'Cross-origin requests are not allowed')
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
    if (method === 'POST') {
      const type = req.headers['content-type']
      const length = Number(req.headers['content-length'] ?? 0)
      const hasBody = length > 0 || req.headers['transfer-encoding'] !== undefined
      if (type !== undefined ? !/^application\/json\s*(;|$)/i.test(type) : hasBody) {
        throw new HttpError(415, 'Content-Type must be application/json')
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
    const correlation =
      typeof req.headers['x-correlation-id'] === 'string' &&
      /^[\w.-]{1,128}$/.test(req.headers['x-correlation-id'])
        ? req.headers['x-correlation-id']
        : randomUUID()
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v)
    res.setHeader('X-Correlation-ID', correlation)
    dispatch(req, res).catch((err: unknown) => {
      if (err instanceof RequestValidationError) {
        sendJson(res, 422, { detail: err.detail.map((d) => ({ ...d, input: clip(d.input) })) })
      } else if (err instanceof HttpError) {
        sendJson(res, err.status, { detail: err.detail, correlation_id: correlation }, err.headers)
      } else if (err instanceof QueueFullError) {
        sendJson(res, 503, { detail: err.message, correlation_id: correlation })
      } else {
        console.error('[api] internal error', err)
        sendJson(res, 500, { detail: 'Internal server error', correlation_id: correlation })
      }
    })
  }
}

function clip(input: unknown): unknown {
  if (typeof input === 'string' && input.length > 200) return `${input.slice(0, 200)}…`
  if (input !== null && typeof input === 'object') {
    const text = JSON.stringify(input)
    if (text.length > 200) return `${text.slice(0, 200)}…`
  }
  return input
}
