// reference/tako-vm.md §1 walked endpoint by endpoint against the real daemon with production flags:
// field names, status codes and error messages as Tako VM sends them, plus DESIGN §2's additions
// (events, DELETE, `q`) and the localhost safety rules. Every response is checked for CORS headers.
import { createHash, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer } from '../../src/main/server/server'
import { request, startInProcess, type JsonResponse, expectNoContainersLeft } from './helpers'

type Server = Awaited<ReturnType<typeof startInProcess>>
type Body = Record<string, unknown>

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/
const SHA256 = /^[0-9a-f]{64}$/
const TERMINAL = ['succeeded', 'failed', 'timeout', 'oom', 'cancelled']
const CANCELLED_ERROR = { type: 'cancelled', message: 'Execution was cancelled by user' }
/** A job that keeps a worker busy until it is cancelled (its own timeout is far away). */
const SLEEPER = {
  code: py('import time', 'print("sleeping", flush=True)', 'time.sleep(60)'),
  timeout: 120,
}

let srv: Server
const extraServers: { close(): Promise<void> }[] = []
let responses = 0

beforeAll(async () => {
  srv = await startInProcess({ workers: 2 })
})

afterAll(async () => {
  for (const s of extraServers) await s.close()
  await srv.close()
  // Every request of this file went through a CORS check; make sure that check really ran.
  expect(responses).toBeGreaterThan(100)
  await expectNoContainersLeft()
})

function py(...lines: string[]): string {
  return lines.join('\n') + '\n'
}

/** Reads a job's live event stream until `text` has appeared on its stdout. */
async function waitForOutput(url: string, id: string, text: string): Promise<void> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), 30_000)
  try {
    const res = await fetch(`${url}/jobs/${id}/events`, { signal: controller.signal })
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    let seen = ''
    while (!seen.includes(text)) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`stream ended before ${text} appeared`)
      seen += decoder.decode(value, { stream: true })
    }
  } finally {
    clearTimeout(timer)
    controller.abort()
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** No response of a localhost API may open it to other origins; Tako's security headers are on. */
function checkHeaders(names: Iterable<string>, get: (name: string) => string | undefined): void {
  responses++
  for (const name of names) expect(name.toLowerCase()).not.toMatch(/^access-control-/)
  expect(get('x-content-type-options')).toBe('nosniff')
  expect(get('x-frame-options')).toBe('DENY')
}

/** fetch through the helpers' `request`, with the CORS/security header check on every answer. */
async function call<T = Body>(
  base: string,
  urlPath: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<JsonResponse<T>> {
  const res = await request<T>(`${base}${urlPath}`, {
    signal: AbortSignal.timeout(90_000),
    ...init,
  })
  checkHeaders(res.headers.keys(), (n) => res.headers.get(n) ?? undefined)
  return res
}

interface RawResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/** A request sent byte for byte as given: the path is not normalised, Host/Origin are ours. */
function raw(
  base: string,
  method: string,
  rawPath: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawResponse> {
  const u = new URL(base)
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, method, path: rawPath, headers, timeout: 30_000 },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (text += d))
        res.on('end', () => {
          const h = res.headers
          checkHeaders(Object.keys(h), (n) => {
            const v = h[n]
            return Array.isArray(v) ? v.join(', ') : v
          })
          resolve({ status: res.statusCode ?? 0, headers: h, body: text })
        })
      },
    )
    req.on('timeout', () => req.destroy(new Error(`${method} ${rawPath} timed out`)))
    req.on('error', reject)
    req.end(body)
  })
}

/** `{"job_id": "<uuid4>", "status": "queued"}` and nothing else; returns the id. */
function expectQueued(body: Body): string {
  expect(Object.keys(body).sort()).toEqual(['job_id', 'status'])
  expect(body.status).toBe('queued')
  expect(body.job_id).toMatch(UUID4)
  return body.job_id as string
}

async function submit(base: string, body: Body): Promise<string> {
  const res = await call(base, '/execute/async', { method: 'POST', json: body })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return expectQueued(res.body)
}

/** `GET /jobs/{id}/result?wait=true`, expecting the job to end within `timeoutS`. */
async function waitResult(base: string, id: string, full = false, timeoutS = 90): Promise<Body> {
  const view = full ? '&view=full' : ''
  const res = await call(base, `/jobs/${id}/result?wait=true&timeout=${timeoutS}${view}`)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  expect(TERMINAL).toContain(res.body.status)
  return res.body
}

async function jobStatus(base: string, id: string): Promise<Body> {
  const res = await call(base, `/jobs/${id}`)
  expect(res.status).toBe(200)
  return res.body
}

async function pollStatus(base: string, id: string, status: string, ms = 30_000): Promise<Body> {
  const deadline = Date.now() + ms
  for (;;) {
    const body = await jobStatus(base, id)
    if (body.status === status || Date.now() > deadline) {
      expect(body.status).toBe(status)
      return body
    }
    await sleep(50)
  }
}

function expectDetail(res: JsonResponse, status: number, detail: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status)
  expect(res.body.detail).toBe(detail)
  expect(res.body.correlation_id).toEqual(expect.any(String))
}

interface ValidationEntry {
  type: string
  loc: (string | number)[]
  msg: string
}

function validationDetail(res: JsonResponse): ValidationEntry[] {
  expect(res.status, JSON.stringify(res.body)).toBe(422)
  expect(Array.isArray(res.body.detail)).toBe(true)
  return res.body.detail as ValidationEntry[]
}

// ---- server-sent events -------------------------------------------------------------------------

interface SseEvent {
  id: number | null
  event: string
  data: Body
}

/** Reads `GET /jobs/{id}/events` incrementally with fetch and a stream reader. */
class SseReader {
  private buffer = ''
  private readonly decoder = new TextDecoder()
  ended = false

  private constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  static async open(base: string, id: string): Promise<SseReader> {
    const res = await fetch(`${base}/jobs/${id}/events`, {
      headers: { accept: 'text/event-stream' },
      signal: AbortSignal.timeout(90_000),
    })
    checkHeaders(res.headers.keys(), (n) => res.headers.get(n) ?? undefined)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    expect(res.body).not.toBeNull()
    return new SseReader(res.body!.getReader())
  }

  /** The next event, or null once the server has closed the stream. */
  async next(): Promise<SseEvent | null> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n')
      if (end >= 0) {
        const block = this.buffer.slice(0, end)
        this.buffer = this.buffer.slice(end + 2)
        const event = parseBlock(block)
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
  async until(stop: (e: SseEvent, so: SseEvent[]) => boolean): Promise<SseEvent[]> {
    const got: SseEvent[] = []
    for (;;) {
      const e = await this.next()
      if (!e) return got
      got.push(e)
      if (stop(e, got)) return got
    }
  }

  rest(): Promise<SseEvent[]> {
    return this.until(() => false)
  }
}

function parseBlock(block: string): SseEvent | null {
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
  return { id, event, data: JSON.parse(data.join('\n')) as Body }
}

function streamText(events: SseEvent[], stream: 'stdout' | 'stderr'): string {
  return events
    .filter((e) => e.event === stream)
    .map((e) => e.data.text as string)
    .join('')
}

function statuses(events: SseEvent[]): string[] {
  return events.filter((e) => e.event === 'status').map((e) => e.data.status as string)
}

// ---- §1.4 POST /execute ------------------------------------------------------------------------

describe('POST /execute (§1.4)', () => {
  it('answers with ExecuteResponse fields, and the run is recorded under its execution_id', async () => {
    const code = py(
      'import json, sys',
      'data = json.load(open("/input/data.json"))',
      'print("x is", data["x"])',
      'print("to stderr", file=sys.stderr)',
      'json.dump({"double": data["x"] * 2}, open("/output/result.json", "w"))',
    )
    const t0 = performance.now()
    const res = await call(srv.url, '/execute', {
      method: 'POST',
      json: { code, input_data: { x: 21 } },
    })
    const wallS = (performance.now() - t0) / 1000
    expect(res.status).toBe(200)
    const r = res.body
    expect(r).toMatchObject({
      success: true,
      output: { double: 42 },
      stdout: 'x is 21\n',
      stderr: 'to stderr\n',
      exit_code: 0,
      error: null,
      error_type: null,
      job_type: 'default',
    })
    expect(r.execution_id).toMatch(
      /^api-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    // Seconds as a float, the server's wall clock: within the client's wall time of the request.
    expect(typeof r.execution_time).toBe('number')
    expect(r.execution_time).toBeGreaterThan(0)
    expect(r.execution_time).toBeLessThanOrEqual(wallS + 0.01)
    const saved = await call(srv.url, `/executions/${r.execution_id as string}`)
    expect(saved.status).toBe(200)
    expect(saved.body).toMatchObject({ execution_id: r.execution_id, status: 'succeeded' })
  })

  it('a failing script is HTTP 200 with success false and error as a string beside error_type', async () => {
    const res = await call(srv.url, '/execute', {
      method: 'POST',
      json: { code: py('print("before")', 'raise ValueError("boom here")') },
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      success: false,
      stdout: 'before\n',
      exit_code: 1,
      error_type: 'value_error',
      output: null,
    })
    expect(typeof res.body.error).toBe('string')
    expect(res.body.error).toContain('ValueError: boom here')
    expect(res.body.stderr).toContain('ValueError: boom here')
  })

  it('validation errors are FastAPI 422 entries: missing, wrong type, extra field', async () => {
    const missing = validationDetail(
      await call(srv.url, '/execute', { method: 'POST', json: { input_data: {} } }),
    )
    expect(missing).toEqual([expect.objectContaining({ type: 'missing', loc: ['body', 'code'] })])
    const wrongType = validationDetail(
      await call(srv.url, '/execute', { method: 'POST', json: { code: 42 } }),
    )
    expect(wrongType).toEqual([
      expect.objectContaining({ type: 'string_type', loc: ['body', 'code'], input: 42 }),
    ])
    const extra = validationDetail(
      await call(srv.url, '/execute', {
        method: 'POST',
        json: { code: 'print(1)', privileged: true },
      }),
    )
    expect(extra).toEqual([
      expect.objectContaining({
        type: 'extra_forbidden',
        loc: ['body', 'privileged'],
        msg: 'Extra inputs are not permitted',
      }),
    ])
  })
})

// ---- §1.5 / §1.6 async submit and job status ----------------------------------------------------

describe('POST /execute/async and GET /jobs/{id} (§1.5, §1.6)', () => {
  it('returns exactly {job_id, status: queued}; the status reports created_at and duration_ms', async () => {
    const id = await submit(srv.url, { code: py('import time', 'time.sleep(1)', 'print("ok")') })
    const early = await jobStatus(srv.url, id)
    expect(early.job_id).toBe(id)
    expect(['pending', 'queued', 'running']).toContain(early.status)
    expect(early.created_at).toMatch(ISO)
    expect(early).not.toHaveProperty('duration_ms')
    await waitResult(srv.url, id)
    const done = await jobStatus(srv.url, id)
    expect(done).toMatchObject({ job_id: id, status: 'succeeded', created_at: early.created_at })
    expect(done.duration_ms).toEqual(expect.any(Number))
    expect(done.duration_ms as number).toBeGreaterThanOrEqual(900)
    expect(done).not.toHaveProperty('queue_position')
  })

  it('an unknown job is 404 {"detail": "Job not found"}', async () => {
    expectDetail(await call(srv.url, `/jobs/${randomUUID()}`), 404, 'Job not found')
    expectDetail(await call(srv.url, '/jobs/not-a-job'), 404, 'Job not found')
  })
})

// ---- §1.7 GET /jobs/{id}/result -----------------------------------------------------------------

const SLIM_FIELDS = [
  'execution_id',
  'status',
  'job_type',
  'job_version',
  'created_at',
  'started_at',
  'ended_at',
  'duration_ms',
  'exit_code',
  'stdout',
  'stderr',
  'output',
  'error',
  'timing',
]
const FULL_ONLY_FIELDS = [
  'job_ref',
  'artifacts',
  'input_artifacts',
  'resource_usage',
  'code_hash',
  'input_hash',
  'parent_execution_id',
  'relationship',
  'stdout_truncated',
  'stderr_truncated',
  'idempotency_key',
]

describe('GET /jobs/{id}/result (§1.7)', () => {
  const code = py(
    'import json, os',
    'os.makedirs("plots", exist_ok=True)',
    'open("plots/a.txt", "w").write("nested artifact\\n")',
    'print("result ready")',
    'json.dump({"n": 7}, open("result.json", "w"))',
  )
  const key = `compat-key-${randomUUID()}`
  let id = ''

  beforeAll(async () => {
    id = await submit(srv.url, { code, input_data: { k: 'v' }, idempotency_key: key })
  })

  it('wait=true returns the slim record with every ExecutionRecordResponse field', async () => {
    const r = await waitResult(srv.url, id)
    for (const f of SLIM_FIELDS) expect(r, f).toHaveProperty(f)
    for (const f of FULL_ONLY_FIELDS) expect(r, f).not.toHaveProperty(f)
    expect(r).toMatchObject({
      execution_id: id,
      status: 'succeeded',
      job_type: 'default',
      job_version: 'default@latest',
      exit_code: 0,
      stdout: 'result ready\n',
      stderr: '',
      output: { n: 7 },
      error: null,
    })
    for (const f of ['created_at', 'started_at', 'ended_at']) expect(r[f], f).toMatch(ISO)
    const [created, started, ended] = ['created_at', 'started_at', 'ended_at'].map((f) =>
      Date.parse(r[f] as string),
    )
    expect(created).toBeLessThanOrEqual(started)
    expect(started).toBeLessThanOrEqual(ended)
    expect(r.duration_ms).toEqual(expect.any(Number))
    expect(Object.keys(r.timing as Body)).toEqual(
      expect.arrayContaining([
        'startup_ms',
        'dep_install_ms',
        'execution_ms',
        'total_ms',
        'phase_at_exit',
      ]),
    )
  })

  it('view=full adds lineage, hashes, artifacts and the internal input artifacts', async () => {
    const r = await waitResult(srv.url, id, true)
    for (const f of [...SLIM_FIELDS, ...FULL_ONLY_FIELDS]) expect(r, f).toHaveProperty(f)
    expect(r).toMatchObject({
      job_ref: 'default@latest',
      code_hash: sha256(code),
      parent_execution_id: null,
      relationship: null,
      stdout_truncated: false,
      stderr_truncated: false,
      idempotency_key: key,
    })
    expect(r.input_hash).toMatch(SHA256)
    // Tako VM keeps result.json as an artifact too (reference §2.11).
    expect(r.artifacts).toEqual([
      {
        name: 'plots/a.txt',
        size_bytes: 'nested artifact\n'.length,
        sha256: sha256('nested artifact\n'),
        content_type: 'text/plain',
      },
      {
        name: 'result.json',
        size_bytes: '{"n": 7}'.length,
        sha256: sha256('{"n": 7}'),
        content_type: 'application/json',
      },
    ])
    const inputs = r.input_artifacts as Body[]
    expect(inputs.map((a) => a.name).sort()).toEqual(['_code.py', '_input.json'])
    const byName = Object.fromEntries(inputs.map((a) => [a.name as string, a]))
    expect(byName['_code.py']).toMatchObject({
      content_type: 'text/x-python',
      sha256: sha256(code),
      size_bytes: Buffer.byteLength(code),
    })
    expect(byName['_input.json']).toMatchObject({ content_type: 'application/json' })
    expect(byName['_input.json'].size_bytes).toEqual(expect.any(Number))
    expect(byName['_input.json'].sha256).toMatch(SHA256)
    expect(Object.keys(r.resource_usage as Body).sort()).toEqual([
      'cpu_time_ms',
      'max_rss_mb',
      'wall_time_ms',
    ])
  })

  it('a failed run carries the error object {type, message, phase}', async () => {
    const failed = await submit(srv.url, { code: 'raise KeyError("nope")' })
    const r = await waitResult(srv.url, failed)
    expect(r.status).toBe('failed')
    const error = r.error as Body
    expect(Object.keys(error).sort()).toEqual(['message', 'phase', 'type'])
    expect(error.type).toBe('key_error')
    expect(error.message).toContain('KeyError')
  })

  it('a wait that times out is 408 "Timeout waiting for job" and the job still finishes', async () => {
    const slow = await submit(srv.url, {
      code: py('import time', 'time.sleep(4)', 'print("finished")'),
    })
    // Without wait: the record as it is now, still in flight.
    const now = await call(srv.url, `/jobs/${slow}/result`)
    expect(now.status).toBe(200)
    expect(['queued', 'running']).toContain(now.body.status)
    expect(now.body.stdout).toBe('')
    const t0 = performance.now()
    const timedOut = await call(srv.url, `/jobs/${slow}/result?wait=true&timeout=1`)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(900)
    expectDetail(timedOut, 408, 'Timeout waiting for job')
    expect(['pending', 'running']).toContain((await jobStatus(srv.url, slow)).status)
    const r = await waitResult(srv.url, slow)
    expect(r).toMatchObject({ status: 'succeeded', stdout: 'finished\n', error: null })
  })

  it('an unknown job is 404; a wait timeout outside 1–300 is 422', async () => {
    expectDetail(await call(srv.url, `/jobs/${randomUUID()}/result`), 404, 'Job not found')
    validationDetail(await call(srv.url, `/jobs/${id}/result?wait=true&timeout=0`))
    validationDetail(await call(srv.url, `/jobs/${id}/result?wait=true&timeout=301`))
  })
})

// ---- §1.8 cancel --------------------------------------------------------------------------------

describe('POST /jobs/{id}/cancel (§1.8)', () => {
  it('a running job is cancelled within 2 s, keeping the output printed before the sleep', async () => {
    const id = await submit(srv.url, {
      code: py('import time', 'print("partial before sleep", flush=True)', 'time.sleep(60)'),
      timeout: 120,
    })
    const events = await SseReader.open(srv.url, id)
    await events.until((_e, so) => streamText(so, 'stdout').includes('partial before sleep\n'))
    const t0 = performance.now()
    const res = await call(srv.url, `/jobs/${id}/cancel`, { method: 'POST' })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ status: 'cancelled', job_id: id })
    const r = await waitResult(srv.url, id, false, 10)
    const ms = performance.now() - t0
    expect(r.status).toBe('cancelled')
    expect(ms).toBeLessThan(2_000)
    expect(r.error).toMatchObject(CANCELLED_ERROR)
    expect(r.stdout).toBe('partial before sleep\n')
    expect((await jobStatus(srv.url, id)).status).toBe('cancelled')
    // The live stream ends with the cancelled status.
    const rest = await events.rest()
    expect(statuses(rest).at(-1)).toBe('cancelled')
    expect(events.ended).toBe(true)
  })

  it('a finished or unknown job is 404 "Job not found or already completed"', async () => {
    const id = await submit(srv.url, { code: 'print(1)' })
    await waitResult(srv.url, id)
    expectDetail(
      await call(srv.url, `/jobs/${id}/cancel`, { method: 'POST' }),
      404,
      'Job not found or already completed',
    )
    expectDetail(
      await call(srv.url, `/jobs/${randomUUID()}/cancel`, { method: 'POST' }),
      404,
      'Job not found or already completed',
    )
  })
})

// ---- §1.9 rerun / fork ----------------------------------------------------------------------------

describe('POST /jobs/{id}/rerun and /fork (§1.9)', () => {
  const code = py(
    'import json',
    'data = json.load(open("/input/data.json"))',
    'print("sum", sum(data["xs"]))',
  )
  let parent = ''
  let parentFull: Body = {}

  beforeAll(async () => {
    parent = await submit(srv.url, { code, input_data: { xs: [1, 2, 3] } })
    parentFull = await waitResult(srv.url, parent, true)
    expect(parentFull.stdout).toBe('sum 6\n')
  })

  it('rerun of a finished job is a new job with parent and relationship "rerun", same output', async () => {
    const res = await call(srv.url, `/jobs/${parent}/rerun`, { method: 'POST', json: {} })
    expect(res.status).toBe(200)
    const child = expectQueued(res.body)
    expect(child).not.toBe(parent)
    const r = await waitResult(srv.url, child, true)
    expect(r).toMatchObject({
      status: 'succeeded',
      stdout: 'sum 6\n',
      parent_execution_id: parent,
      relationship: 'rerun',
      code_hash: parentFull.code_hash,
      input_hash: parentFull.input_hash,
    })
    // The slim view does not carry lineage.
    expect(await waitResult(srv.url, child)).not.toHaveProperty('parent_execution_id')
  })

  it('rerun without a body works too (no Content-Type needed for an empty POST)', async () => {
    const res = await call(srv.url, `/jobs/${parent}/rerun`, { method: 'POST' })
    expect(res.status).toBe(200)
    const r = await waitResult(srv.url, res.body.job_id as string, true)
    expect(r).toMatchObject({ relationship: 'rerun', stdout: 'sum 6\n' })
  })

  it('rerun of an unknown job is 404, an unknown field is 422', async () => {
    expectDetail(
      await call(srv.url, `/jobs/${randomUUID()}/rerun`, { method: 'POST', json: {} }),
      404,
      'Job not found',
    )
    const detail = validationDetail(
      await call(srv.url, `/jobs/${parent}/rerun`, { method: 'POST', json: { code: 'x' } }),
    )
    expect(detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'code'] })
  })

  it('fork runs new code on the same input with relationship "fork"', async () => {
    const forkCode = py(
      'import json',
      'data = json.load(open("/input/data.json"))',
      'print("product", data["xs"][0] * data["xs"][1] * data["xs"][2])',
    )
    const res = await call(srv.url, `/jobs/${parent}/fork`, {
      method: 'POST',
      json: { code: forkCode },
    })
    expect(res.status).toBe(200)
    const r = await waitResult(srv.url, expectQueued(res.body), true)
    expect(r).toMatchObject({
      status: 'succeeded',
      stdout: 'product 6\n',
      parent_execution_id: parent,
      relationship: 'fork',
      code_hash: sha256(forkCode),
      input_hash: parentFull.input_hash,
    })
  })

  it('fork without code is 422 missing; fork of an unknown job is 404', async () => {
    const detail = validationDetail(
      await call(srv.url, `/jobs/${parent}/fork`, { method: 'POST', json: {} }),
    )
    expect(detail).toEqual([expect.objectContaining({ type: 'missing', loc: ['body', 'code'] })])
    validationDetail(await call(srv.url, `/jobs/${parent}/fork`, { method: 'POST' }))
    expectDetail(
      await call(srv.url, `/jobs/${randomUUID()}/fork`, {
        method: 'POST',
        json: { code: 'print(1)' },
      }),
      404,
      'Job not found',
    )
  })
})

// ---- §1.10 artifacts ----------------------------------------------------------------------------

describe('GET and HEAD /jobs/{id}/artifacts/{path} (§1.10)', () => {
  const files: Record<string, { text: string; type: RegExp }> = {
    'plots/a.txt': { text: 'alpha\n', type: /^text\/plain/ },
    'tables/deep/data.csv': { text: 'x,y\n1,2\n', type: /^text\/csv/ },
    'blob.bin': { text: 'raw bytes', type: /^application\/octet-stream$/ },
  }
  let id = ''

  beforeAll(async () => {
    const code = py(
      'import os',
      ...Object.entries(files).flatMap(([name, f]) => [
        `os.makedirs(os.path.dirname(${JSON.stringify(name)}) or ".", exist_ok=True)`,
        `open(${JSON.stringify(name)}, "w").write(${JSON.stringify(f.text)})`,
      ]),
    )
    id = await submit(srv.url, { code })
    const r = await waitResult(srv.url, id, true)
    expect(r.status, JSON.stringify(r.error)).toBe('succeeded')
    expect((r.artifacts as Body[]).map((a) => a.name).sort()).toEqual(Object.keys(files).sort())
  })

  it.each(Object.keys(files))(
    'GET %s: bytes, ETag = sha256, content type, attachment',
    async (name) => {
      const f = files[name]
      const res = await fetch(`${srv.url}/jobs/${id}/artifacts/${name}`, {
        signal: AbortSignal.timeout(30_000),
      })
      checkHeaders(res.headers.keys(), (n) => res.headers.get(n) ?? undefined)
      expect(res.status).toBe(200)
      expect(await res.text()).toBe(f.text)
      expect(res.headers.get('etag')).toBe(`"${sha256(f.text)}"`)
      expect(res.headers.get('content-type')).toMatch(f.type)
      expect(res.headers.get('content-disposition')).toMatch(
        new RegExp(`^attachment; filename="${path.posix.basename(name)}"`),
      )
    },
  )

  it('HEAD has Content-Length, ETag and an empty body', async () => {
    const res = await fetch(`${srv.url}/jobs/${id}/artifacts/plots/a.txt`, {
      method: 'HEAD',
      signal: AbortSignal.timeout(30_000),
    })
    checkHeaders(res.headers.keys(), (n) => res.headers.get(n) ?? undefined)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-length')).toBe(String('alpha\n'.length))
    expect(res.headers.get('etag')).toBe(`"${sha256('alpha\n')}"`)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(await res.text()).toBe('')
  })

  it('If-None-Match with the ETag is 304 with no body; another tag gets the file', async () => {
    const etag = `"${sha256('alpha\n')}"`
    const hit = await raw(srv.url, 'GET', `/jobs/${id}/artifacts/plots/a.txt`, {
      'If-None-Match': etag,
    })
    expect(hit.status).toBe(304)
    expect(hit.body).toBe('')
    expect(hit.headers.etag).toBe(etag)
    const miss = await raw(srv.url, 'GET', `/jobs/${id}/artifacts/plots/a.txt`, {
      'If-None-Match': `"${'0'.repeat(64)}"`,
    })
    expect(miss.status).toBe(200)
    expect(miss.body).toBe('alpha\n')
  })

  it('an unknown artifact is 404 "Artifact not found"; an unknown job is 404 "Job not found"', async () => {
    expectDetail(
      await call(srv.url, `/jobs/${id}/artifacts/plots/nope.txt`),
      404,
      'Artifact not found',
    )
    expectDetail(
      await call(srv.url, `/jobs/${id}/artifacts/result.json`),
      404,
      'Artifact not found',
    )
    expectDetail(
      await call(srv.url, `/jobs/${randomUUID()}/artifacts/plots/a.txt`),
      404,
      'Job not found',
    )
  })

  it.each([
    '../x',
    '../../../../etc/passwd',
    '%2e%2e/%2e%2e/etc/passwd',
    '%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '%2Fetc%2Fpasswd',
    '..%2F..%2F..%2F..%2Fetc%2Fpasswd',
    'a/../../x',
    'plots/..%2F..%2Frun.json',
    'plots%2F..%2F..%2F..%2Frun.json',
    'plots/a.txt%00.png',
    '.%2Fplots%2Fa.txt',
  ])('traversal %s is 400 or 404, never a file', async (rawName) => {
    for (const method of ['GET', 'HEAD']) {
      const res = await raw(srv.url, method, `/jobs/${id}/artifacts/${rawName}`)
      expect([400, 404], `${method} ${res.status} ${res.body}`).toContain(res.status)
      expect(res.headers['content-disposition']).toBeUndefined()
      expect(res.headers.etag).toBeUndefined()
      if (method === 'GET') {
        expect(res.body).not.toMatch(/root:|"execution_id"|"codeHash"|alpha/)
        expect(JSON.parse(res.body)).toHaveProperty('detail')
      }
    }
  })
})

// ---- DESIGN §2 GET /jobs/{id}/events ------------------------------------------------------------

describe('GET /jobs/{id}/events (server-sent events)', () => {
  it('streams stdout/stderr chunks and status changes; a late subscriber gets everything', async () => {
    const id = await submit(srv.url, {
      code: py(
        'import sys, time',
        'for i in range(5):',
        '    print(f"early {i}", flush=True)',
        'print("a warning", file=sys.stderr, flush=True)',
        'time.sleep(1.5)',
        'print("late", flush=True)',
      ),
    })
    const early = await SseReader.open(srv.url, id)
    const first = await early.until((_e, so) => streamText(so, 'stdout').includes('early 4\n'))
    // The job has printed its first lines: now a second subscriber connects.
    const late = await SseReader.open(srv.url, id)
    const a = [...first, ...(await early.rest())]
    const b = await late.rest()
    const expected = 'early 0\nearly 1\nearly 2\nearly 3\nearly 4\nlate\n'
    for (const [events, reader] of [
      [a, early],
      [b, late],
    ] as const) {
      expect(reader.ended).toBe(true)
      expect(streamText(events, 'stdout')).toBe(expected)
      expect(streamText(events, 'stderr')).toBe('a warning\n')
      const st = statuses(events)
      expect(st).toContain('running')
      expect(st.at(-1)).toBe('succeeded')
      expect(events.at(-1)!.event).toBe('status')
      for (const e of events) expect(e.data.job_id).toBe(id)
      const ids = events.map((e) => e.id!)
      expect(ids).toEqual([...ids].sort((x, y) => x - y))
    }
    // The late subscriber's replay starts at the beginning: queued, then running.
    expect(statuses(b).slice(0, 2)).toEqual(['queued', 'running'])
    expect(b.findIndex((e) => e.event === 'stdout')).toBeGreaterThan(
      b.findIndex((e) => e.data.status === 'running'),
    )
  })

  it('a finished job replays its output and final status, then the stream ends', async () => {
    const id = await submit(srv.url, { code: py('import sys', 'print("out")', 'sys.exit(3)') })
    await waitResult(srv.url, id)
    const reader = await SseReader.open(srv.url, id)
    const events = await reader.rest()
    expect(reader.ended).toBe(true)
    expect(streamText(events, 'stdout')).toBe('out\n')
    expect(statuses(events)).toEqual(['queued', 'running', 'failed'])
  })

  it('an unknown job is 404', async () => {
    expectDetail(await call(srv.url, `/jobs/${randomUUID()}/events`), 404, 'Job not found')
  })
})

// ---- §1.11 history ------------------------------------------------------------------------------

describe('GET/DELETE /executions (§1.11)', () => {
  const marker = `marker_${randomUUID().replace(/-/g, '')}`
  const ids: Record<string, string> = {}
  const finalStatus: Record<string, string> = {}

  beforeAll(async () => {
    ids.ok1 = await submit(srv.url, { code: py(`# ${marker}`, 'print(1)') })
    ids.ok2 = await submit(srv.url, { code: py(`# ${marker}`, 'print(2)') })
    ids.bad = await submit(srv.url, { code: py(`# ${marker}`, 'raise ValueError(3)') })
    // Another job type: it succeeds if its image is built (other suites may build it meanwhile),
    // else fails as image_missing; either way it is recorded under its job_type.
    ids.dp = await submit(srv.url, {
      code: py(`# ${marker}`, 'print(4)'),
      job_type: 'data-processing',
    })
    for (const [name, id] of Object.entries(ids))
      finalStatus[name] = (await waitResult(srv.url, id)).status as string
    expect(finalStatus).toMatchObject({ ok1: 'succeeded', ok2: 'succeeded', bad: 'failed' })
  })

  async function list(query: string): Promise<Body> {
    const res = await call(srv.url, `/executions?${query}`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(Object.keys(res.body)).toEqual(
      expect.arrayContaining(['items', 'limit', 'offset', 'has_more', 'count']),
    )
    expect(res.body.count).toBe((res.body.items as Body[]).length)
    return res.body
  }
  const itemIds = (page: Body): string[] =>
    (page.items as Body[]).map((i) => i.execution_id as string)

  it('q searches the code text; items are newest first', async () => {
    const page = await list(`q=${marker}`)
    expect(itemIds(page).sort()).toEqual(Object.values(ids).sort())
    const created = (page.items as Body[]).map((i) => Date.parse(i.created_at as string))
    expect(created).toEqual([...created].sort((x, y) => y - x))
    expect(itemIds(await list(`q=${marker}_no_such_text`))).toEqual([])
  })

  it('filters by status and job_type', async () => {
    for (const status of ['succeeded', 'failed', 'cancelled']) {
      const page = await list(`q=${marker}&status=${status}`)
      const expected = Object.keys(ids).filter((n) => finalStatus[n] === status)
      expect(itemIds(page).sort(), status).toEqual(expected.map((n) => ids[n]).sort())
      for (const i of page.items as Body[]) expect(i.status).toBe(status)
    }
    const dp = await list(`job_type=data-processing`)
    expect(itemIds(dp)).toContain(ids.dp)
    for (const i of dp.items as Body[]) expect(i.job_type).toBe('data-processing')
    const def = await list(`q=${marker}&job_type=default`)
    expect(itemIds(def).sort()).toEqual([ids.ok1, ids.ok2, ids.bad].sort())
    validationDetail(await call(srv.url, '/executions?status=finished'))
  })

  it('paginates with limit/offset/has_more', async () => {
    const all = itemIds(await list(`q=${marker}&limit=1000`))
    expect(all).toHaveLength(4)
    const seen: string[] = []
    for (let offset = 0; ; offset += 3) {
      const page = await list(`q=${marker}&limit=3&offset=${offset}`)
      expect(page).toMatchObject({ limit: 3, offset })
      seen.push(...itemIds(page))
      expect(page.has_more).toBe(offset + 3 < all.length)
      if (!page.has_more) break
    }
    expect(seen).toEqual(all)
    const whole = await list('')
    expect(whole).toMatchObject({ limit: 100, offset: 0 })
  })

  it.each(['limit=0', 'limit=1001', 'limit=abc', 'offset=-1'])('%s is 422', async (q) => {
    const detail = validationDetail(await call(srv.url, `/executions?${q}`))
    expect(detail[0].loc).toEqual(['query', q.split('=')[0]])
  })

  it('GET /executions/{id} is the record; view=full adds the audit fields', async () => {
    const slim = await call(srv.url, `/executions/${ids.ok1}`)
    expect(slim.status).toBe(200)
    expect(slim.body).toMatchObject({ execution_id: ids.ok1, status: 'succeeded', stdout: '1\n' })
    for (const f of SLIM_FIELDS) expect(slim.body, f).toHaveProperty(f)
    expect(slim.body).not.toHaveProperty('code_hash')
    const full = await call(srv.url, `/executions/${ids.ok1}?view=full`)
    expect(full.status).toBe(200)
    for (const f of [...SLIM_FIELDS, ...FULL_ONLY_FIELDS]) expect(full.body, f).toHaveProperty(f)
    expectDetail(await call(srv.url, `/executions/${randomUUID()}`), 404, 'Execution not found')
  })

  it('DELETE removes the run folder; the run is then 404 everywhere', async () => {
    const id = ids.ok2
    const dir = path.join(srv.dataDir, 'runs', id)
    expect(fs.existsSync(dir)).toBe(true)
    const res = await call(srv.url, `/executions/${id}`, { method: 'DELETE' })
    expect(res.status).toBe(200)
    expect(fs.existsSync(dir)).toBe(false)
    expectDetail(await call(srv.url, `/executions/${id}`), 404, 'Execution not found')
    expectDetail(await call(srv.url, `/jobs/${id}`), 404, 'Job not found')
    expectDetail(
      await call(srv.url, `/executions/${id}`, { method: 'DELETE' }),
      404,
      'Execution not found',
    )
    expect(itemIds(await list(`q=${marker}`))).not.toContain(id)
  })
})

// ---- §1.11 job types and health -----------------------------------------------------------------

describe('GET /job-types and /health (§1.11)', () => {
  it('lists default, data-processing and ml-inference with image_exists', async () => {
    const res = await call<Body[]>(srv.url, '/job-types')
    expect(res.status).toBe(200)
    const byName = Object.fromEntries(res.body.map((t) => [t.name as string, t]))
    expect(Object.keys(byName)).toEqual(
      expect.arrayContaining(['default', 'data-processing', 'ml-inference']),
    )
    for (const t of res.body) {
      for (const f of [
        'name',
        'requirements',
        'python_version',
        'memory_limit',
        'cpu_limit',
        'timeout',
        'session_enabled',
        'gpu_enabled',
        'gpu_vendor',
        'image_exists',
      ])
        expect(t, `${t.name as string}.${f}`).toHaveProperty(f)
      expect(typeof t.image_exists).toBe('boolean')
    }
    // The suite's global setup requires the default image.
    expect(byName.default.image_exists).toBe(true)
    expect(byName.default.timeout).toBe(30)
    const one = await call(srv.url, '/job-types/default')
    expect(one.status).toBe(200)
    expect(one.body).toMatchObject({ name: 'default', image_exists: true })
  })

  it('an unknown job type is 404 "Job type \'nope\' not found"', async () => {
    expectDetail(await call(srv.url, '/job-types/nope'), 404, "Job type 'nope' not found")
  })

  it('health reports status, docker, version and queue_stats', async () => {
    const res = await call(srv.url, '/health')
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      status: 'healthy',
      docker_available: true,
      queue_stats: { max_workers: 2, max_queue_size: 100 },
    })
    expect(res.body.version).toMatch(/^\d+\.\d+\.\d+/)
    const qs = res.body.queue_stats as Body
    expect(qs.pending).toEqual(expect.any(Number))
    expect(qs.running).toEqual(expect.any(Number))
    const pool = await call(srv.url, '/pool/stats')
    expect(pool.body).toMatchObject({ max_workers: 2, max_queue_size: 100 })
  })
})

// ---- §1.5 idempotency -----------------------------------------------------------------------------

describe('idempotency_key on /execute/async (§1.5)', () => {
  it('same key and payload → same job; different code → 409', async () => {
    const key = `idem_${randomUUID()}`
    const body = { code: 'print("idem")', idempotency_key: key, input_data: { a: 1, b: 2 } }
    const first = await submit(srv.url, body)
    const again = await call(srv.url, '/execute/async', {
      method: 'POST',
      // Same payload, keys in another order: the fingerprint is canonical.
      json: { input_data: { b: 2, a: 1 }, idempotency_key: key, code: 'print("idem")' },
    })
    expect(again.status).toBe(200)
    expect(again.body.job_id).toBe(first)
    expect(['queued', 'pending', 'running', 'succeeded']).toContain(again.body.status)
    await waitResult(srv.url, first)
    const afterDone = await call(srv.url, '/execute/async', { method: 'POST', json: body })
    expect(afterDone.body).toEqual({ job_id: first, status: 'succeeded' })
    expectDetail(
      await call(srv.url, '/execute/async', {
        method: 'POST',
        json: { ...body, code: 'print("other")' },
      }),
      409,
      'Idempotency key reused with different payload',
    )
    expectDetail(
      await call(srv.url, '/execute/async', {
        method: 'POST',
        json: { ...body, input_data: { a: 2 } },
      }),
      409,
      'Idempotency key reused with different payload',
    )
  })

  it.each(['short', 'bad key!', 'x'.repeat(256)])('key %j is 422', async (key) => {
    const detail = validationDetail(
      await call(srv.url, '/execute/async', {
        method: 'POST',
        json: { code: 'print(1)', idempotency_key: key },
      }),
    )
    expect(detail[0].loc).toEqual(['body', 'idempotency_key'])
  })
})

// ---- §5 queue ------------------------------------------------------------------------------------

describe('the queue (§1.5, §1.8, §5)', () => {
  it('full queue → 503; a queued job cancelled never starts; a running job cannot be rerun', async () => {
    const small = await startInProcess({ workers: 1, maxQueue: 2 })
    extraServers.push(small)
    const blocker = await submit(small.url, SLEEPER)
    await pollStatus(small.url, blocker, 'running')
    const q1 = await submit(small.url, SLEEPER)
    const q2 = await submit(small.url, { code: 'print("q2 ran")' })
    expect(await jobStatus(small.url, q1)).toMatchObject({ status: 'pending', queue_position: 1 })
    expect(await jobStatus(small.url, q2)).toMatchObject({ status: 'pending', queue_position: 2 })
    const health = await call(small.url, '/health')
    expect(health.body.queue_stats).toEqual({
      pending: 2,
      running: 1,
      max_workers: 1,
      max_queue_size: 2,
    })

    const key = `full_${randomUUID()}`
    for (const body of [{ code: 'print(3)' }, { code: 'print(3)', idempotency_key: key }]) {
      const res = await call(small.url, '/execute/async', { method: 'POST', json: body })
      expectDetail(res, 503, 'Job queue is full, try again later')
    }

    expectDetail(
      await call(small.url, `/jobs/${blocker}/rerun`, { method: 'POST', json: {} }),
      400,
      "Cannot rerun job that hasn't completed",
    )
    expectDetail(
      await call(small.url, `/jobs/${q1}/rerun`, { method: 'POST', json: {} }),
      400,
      "Cannot rerun job that hasn't completed",
    )

    // Cancel the queued q1: it is cancelled at once and never runs.
    const cancel = await call(small.url, `/jobs/${q1}/cancel`, { method: 'POST' })
    expect(cancel.body).toEqual({ status: 'cancelled', job_id: q1 })
    expect((await jobStatus(small.url, q1)).status).toBe('cancelled')
    // The key was not burned by the 503: it now gets a job.
    const keyed = await submit(small.url, { code: 'print(3)', idempotency_key: key })

    // Cancel the running blocker once its first line is out: that partial output must survive.
    await waitForOutput(small.url, blocker, 'sleeping')
    const blockerCancel = await call(small.url, `/jobs/${blocker}/cancel`, { method: 'POST' })
    expect(blockerCancel.status).toBe(200)
    expect(await waitResult(small.url, blocker)).toMatchObject({
      status: 'cancelled',
      error: CANCELLED_ERROR,
      stdout: 'sleeping\n',
    })
    expect(await waitResult(small.url, q2)).toMatchObject({
      status: 'succeeded',
      stdout: 'q2 ran\n',
    })
    expect(await waitResult(small.url, keyed)).toMatchObject({ status: 'succeeded', stdout: '3\n' })
    const r1 = await waitResult(small.url, q1, true)
    expect(r1).toMatchObject({
      status: 'cancelled',
      error: CANCELLED_ERROR,
      started_at: null,
      exit_code: null,
      stdout: '',
      timing: null,
    })
    const events = await SseReader.open(small.url, q1)
    expect(statuses(await events.rest())).toEqual(['queued', 'cancelled'])
    expectDetail(
      await call(small.url, `/jobs/${blocker}/cancel`, { method: 'POST' }),
      404,
      'Job not found or already completed',
    )
  })

  it('8 async jobs at once on 2 workers all succeed; queued ones report queue_position ≥ 1', async () => {
    const jobs = await Promise.all(
      Array.from({ length: 8 }, (_v, i) =>
        submit(srv.url, { code: py('import time', 'time.sleep(0.5)', `print("job ${i}")`) }),
      ),
    )
    const snapshot = await Promise.all(jobs.map((id) => jobStatus(srv.url, id)))
    const pending = snapshot.filter((s) => s.status === 'pending')
    expect(pending.length).toBeGreaterThanOrEqual(1)
    for (const s of pending) {
      expect(Number.isInteger(s.queue_position)).toBe(true)
      expect(s.queue_position as number).toBeGreaterThanOrEqual(1)
    }
    for (const s of snapshot.filter((x) => x.status !== 'pending'))
      expect(s).not.toHaveProperty('queue_position')
    expect(snapshot.filter((s) => s.status === 'running').length).toBeLessThanOrEqual(2)
    const results = await Promise.all(jobs.map((id) => waitResult(srv.url, id)))
    results.forEach((r, i) =>
      expect(r).toMatchObject({ status: 'succeeded', stdout: `job ${i}\n` }),
    )
  })
})

// ---- DESIGN §2 localhost safety -----------------------------------------------------------------

describe('localhost safety (DESIGN §2)', () => {
  const runCount = (): number => srv.core.store.all().length

  it('Host: evil.example is 400 (DNS rebinding), on GET and POST', async () => {
    const before = runCount()
    const get = await raw(srv.url, 'GET', '/health', { Host: 'evil.example' })
    expect(get.status).toBe(400)
    const post = await raw(
      srv.url,
      'POST',
      '/execute/async',
      { Host: 'evil.example', 'Content-Type': 'application/json' },
      JSON.stringify({ code: 'print(1)' }),
    )
    expect(post.status).toBe(400)
    expect(runCount()).toBe(before)
  })

  it('Origin: http://evil.example is 403; a loopback origin is served', async () => {
    const before = runCount()
    const post = await raw(
      srv.url,
      'POST',
      '/execute/async',
      { Origin: 'http://evil.example', 'Content-Type': 'application/json' },
      JSON.stringify({ code: 'print(1)' }),
    )
    expect(post.status).toBe(403)
    expect((await raw(srv.url, 'GET', '/health', { Origin: 'http://evil.example' })).status).toBe(
      403,
    )
    expect((await raw(srv.url, 'GET', '/health', { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(
      403,
    )
    expect(runCount()).toBe(before)
    const local = await raw(srv.url, 'GET', '/health', { Origin: 'http://localhost:5173' })
    expect(local.status).toBe(200)
  })

  it.each([
    ['text/plain', '{"code": "print(1)"}'],
    ['application/x-www-form-urlencoded', 'code=print(1)'],
    ['multipart/form-data; boundary=x', '--x\r\n\r\nprint(1)\r\n--x--'],
  ])('POST with Content-Type %s is 415', async (type, body) => {
    const before = runCount()
    for (const p of ['/execute', '/execute/async', `/jobs/${randomUUID()}/cancel`]) {
      const res = await call(srv.url, p, {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      })
      expect(res.status, p).toBe(415)
    }
    expect(runCount()).toBe(before)
  })

  it('an OPTIONS preflight does not succeed and sends no CORS headers', async () => {
    for (const origin of ['http://evil.example', 'http://localhost:3000']) {
      const res = await raw(srv.url, 'OPTIONS', '/execute', {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      })
      expect(res.status).toBeGreaterThanOrEqual(400)
      // raw() already asserted no Access-Control-* header came back.
    }
  })

  it('a non-loopback bind refuses to start without a token; with one, every request needs it', async () => {
    await expect(startServer({ core: srv.core, host: '0.0.0.0', port: 0 })).rejects.toThrow(
      /token/i,
    )
    const token = 'x'.repeat(20)
    const open = await startServer({ core: srv.core, host: '0.0.0.0', port: 0, token })
    extraServers.push(open)
    const base = `http://127.0.0.1:${new URL(open.url).port}`
    const attempts: [string, string, RequestInit & { json?: unknown }][] = [
      ['GET', '/health', {}],
      ['GET', '/job-types', {}],
      ['GET', '/executions', {}],
      ['GET', `/jobs/${randomUUID()}`, {}],
      ['POST', '/execute', { json: { code: 'print(1)' } }],
      ['POST', '/execute/async', { json: { code: 'print(1)' } }],
      ['DELETE', `/executions/${randomUUID()}`, {}],
      ['GET', '/nope', {}],
    ]
    const before = runCount()
    for (const [method, p, init] of attempts) {
      for (const auth of [undefined, 'Bearer wrong-token-wrong-token', `Basic ${token}`, token]) {
        const headers: Record<string, string> = auth ? { authorization: auth } : {}
        const res = await call(base, p, { ...init, method, headers })
        expectDetail(res, 401, 'Missing or invalid API key.')
        expect(res.headers.get('www-authenticate')).toBe('Bearer')
      }
    }
    expect(runCount()).toBe(before)
    const ok = await call(base, '/health', { headers: { authorization: `Bearer ${token}` } })
    expect(ok.status).toBe(200)
    const list = await call(base, '/executions?limit=1', {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(list.status).toBe(200)
  })
})
