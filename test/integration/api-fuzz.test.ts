// DESIGN §2 "No request ever produces a 5xx for bad input", checked with fast-check against the real
// server and daemon: malformed bodies, hostile headers, odd paths and methods at every endpoint.
// Each property is bounded in runs and in time; every request must be answered within 5 s.
import http from 'node:http'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request, startInProcess, expectNoContainersLeft } from './helpers'

type Server = Awaited<ReturnType<typeof startInProcess>>
type Body = Record<string, unknown>

const RUNS = 200
const TIME_LIMIT_MS = 20_000
const REQUEST_TIMEOUT_MS = 5_000
/** Never the content of the host's /etc/passwd, whatever the path asked for. */
const PASSWD = /root:[^:\n]*:0:0:/

let srv: Server
/** A finished run (with an artifact) that is never deleted, and one that DELETE may remove. */
let keep = ''
let disposable = ''
const counts = { requests: 0, byStatus: new Map<number, number>() }

beforeAll(async () => {
  // A deep queue: the few valid async bodies below must never meet a full queue (a legitimate 503).
  srv = await startInProcess({ workers: 2, maxQueue: 1000 })
  keep = await seed('import os\nos.makedirs("d", exist_ok=True)\nopen("d/f.txt", "w").write("x")')
  disposable = await seed('print("seed")')
})

afterAll(async () => {
  // Let the runs the fuzzing started (valid async bodies, reruns) drain, then check the server.
  const deadline = Date.now() + 90_000
  for (;;) {
    const stats = srv.core.jobs.stats()
    if ((stats.pending === 0 && stats.running === 0) || Date.now() > deadline) {
      expect(stats).toMatchObject({ pending: 0, running: 0 })
      break
    }
    await sleep(200)
  }
  const health = await request(`${srv.url}/health`, { signal: AbortSignal.timeout(5_000) })
  expect(health.status).toBe(200)
  await srv.close()
  await expectNoContainersLeft()
})

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function seed(code: string): Promise<string> {
  const res = await request(`${srv.url}/execute/async`, { method: 'POST', json: { code } })
  expect(res.status).toBe(200)
  const id = res.body.job_id as string
  const done = await request(`${srv.url}/jobs/${id}/result?wait=true&timeout=60`)
  expect(done.body.status).toBe('succeeded')
  return id
}

interface Answer {
  status: number
  text: string
  contentType: string
}

function record(status: number): void {
  counts.requests++
  counts.byStatus.set(status, (counts.byStatus.get(status) ?? 0) + 1)
}

/** fetch with a 5 s deadline; an event stream is closed after its headers (it may never end). */
async function send(
  method: string,
  urlPath: string,
  headers: Record<string, string>,
  body?: Uint8Array,
): Promise<Answer> {
  const res = await fetch(`${srv.url}${urlPath}`, {
    method,
    headers,
    body: body ?? null,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  })
  const contentType = res.headers.get('content-type') ?? ''
  let text = ''
  if (contentType.startsWith('text/event-stream')) await res.body?.cancel()
  else text = await res.text()
  record(res.status)
  expect(res.headers.get('access-control-allow-origin')).toBeNull()
  return { status: res.status, text, contentType }
}

/** A request whose path goes out byte for byte (no URL normalisation), with a 5 s deadline. */
function sendRaw(
  method: string,
  rawPath: string,
  headers: Record<string, string>,
): Promise<Answer> {
  const u = new URL(srv.url)
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, method, path: rawPath, headers, agent: false },
      (res) => {
        const contentType = res.headers['content-type'] ?? ''
        let text = ''
        const done = (): void => {
          clearTimeout(timer)
          record(res.statusCode ?? 0)
          resolve({ status: res.statusCode ?? 0, text, contentType })
        }
        if (contentType.startsWith('text/event-stream')) {
          res.destroy()
          done()
          return
        }
        res.setEncoding('latin1')
        res.on('data', (d: string) => (text += d))
        res.on('end', done)
        res.on('error', (err) => reject(err))
      },
    )
    const timer = setTimeout(
      () =>
        req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms: ${method} ${rawPath}`)),
      REQUEST_TIMEOUT_MS,
    )
    req.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    req.end(method === 'GET' || method === 'HEAD' ? undefined : '{}')
  })
}

function expectSane(a: Answer, what: string): void {
  expect(a.status, `${what} → ${a.status} ${a.text.slice(0, 300)}`).toBeGreaterThanOrEqual(200)
  expect(a.status, `${what} → ${a.status} ${a.text.slice(0, 300)}`).toBeLessThan(500)
  expect(a.text).not.toMatch(PASSWD)
}

const enc = new TextEncoder()
const utf8 = (s: string): Uint8Array => enc.encode(s)

// ---- generators ----------------------------------------------------------------------------------

const FIELDS = [
  'code',
  'input_data',
  'timeout',
  'startup_timeout',
  'job_type',
  'idempotency_key',
  'requirements',
  'memory_mb',
  'cpus',
] as const
type Field = (typeof FIELDS)[number]

const notJsonObject = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.string(),
  fc.array(fc.jsonValue(), { maxLength: 5 }),
)
const nonInteger = fc
  .double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })
  .filter((d) => !Number.isInteger(d))
const notNumber = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.integer(), { maxKeys: 3 }),
)

/** For each ExecuteRequest field, values that are never valid for it (null is valid where nullish). */
const wrongValue: Record<Field, fc.Arbitrary<unknown>> = {
  code: fc.oneof(
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
    fc.constantFrom('', ' ', '\n\t  \r\n'),
    fc.constant('x'.repeat(100_001)),
  ),
  input_data: notJsonObject,
  timeout: fc.oneof(notNumber, nonInteger, fc.integer({ max: 0 }), fc.integer({ min: 301 })),
  startup_timeout: fc.oneof(
    notNumber,
    nonInteger,
    fc.integer({ max: 9 }),
    fc.integer({ min: 601 }),
  ),
  job_type: fc.oneof(
    fc.integer(),
    fc.boolean(),
    fc.array(fc.string(), { maxLength: 2 }),
    fc.string().map((s) => `${s}/..`),
    fc.constantFrom('', 'a b', '../etc', 'x'.repeat(129), 'no-such-type', 'default@'),
  ),
  idempotency_key: fc.oneof(
    fc.integer(),
    fc.string({ maxLength: 7 }),
    fc.string({ minLength: 8 }).map((s) => `${s} !`),
    fc.constant('k'.repeat(256)),
  ),
  requirements: fc.oneof(
    fc.string(),
    fc.integer(),
    fc.array(fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)), { minLength: 1 }),
    fc.constant(Array.from({ length: 51 }, (_v, i) => `pkg${i}`)),
  ),
  memory_mb: fc.oneof(notNumber, nonInteger, fc.integer({ max: 15 }), fc.integer({ min: 65_537 })),
  cpus: fc.oneof(
    notNumber,
    fc.double({ min: -1e6, max: 0.0999, noNaN: true }),
    fc.double({ min: 64.001, max: 1e9, noNaN: true }),
  ),
}

/** A body that is never a valid ExecuteRequest, and the status /execute must answer it with. */
interface BadBody {
  kind: string
  bytes: Uint8Array
  /** The status `/execute` and `/execute/async` must give it (JSON content type, local origin). */
  expect: number
  field?: Field
}

/** A BadBody that fast-check prints as its kind and size, not as megabytes of bytes. */
function bad(kind: string, bytes: Uint8Array, expectStatus: number, field?: Field): BadBody {
  const body: BadBody = { kind, bytes, expect: expectStatus }
  if (field !== undefined) body.field = field
  return Object.assign(body, {
    [fc.toStringMethod]: () => {
      const head = new TextDecoder().decode(bytes.slice(0, 120))
      return `BadBody(${kind}, ${bytes.length} bytes: ${JSON.stringify(head)}…)`
    },
  })
}

const wrongTypeBody: fc.Arbitrary<BadBody> = fc
  .constantFrom(...FIELDS)
  .chain((field) => wrongValue[field].map((value) => ({ field, value })))
  .map(({ field, value }) =>
    bad(
      `wrong ${field}`,
      utf8(JSON.stringify({ code: 'print(1)', timeout: 1, [field]: value })),
      422,
      field,
    ),
  )

const unknownFieldBody: fc.Arbitrary<BadBody> = fc
  .dictionary(
    fc.string({ minLength: 1 }).filter((k) => !(FIELDS as readonly string[]).includes(k)),
    fc.jsonValue(),
    { minKeys: 1, maxKeys: 4 },
  )
  .map((extra) =>
    bad('unknown fields', utf8(JSON.stringify({ code: 'print(1)', timeout: 1, ...extra })), 422),
  )

const randomJsonBody: fc.Arbitrary<BadBody> = fc
  .jsonValue()
  .filter((v) => !(v !== null && typeof v === 'object' && !Array.isArray(v) && 'code' in v))
  .map((v) => bad('random JSON', utf8(JSON.stringify(v)), 422))

const truncatedBody: fc.Arbitrary<BadBody> = fc
  .record({
    code: fc.string({ minLength: 1 }),
    timeout: fc.integer({ min: 1, max: 3 }),
    input_data: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
  })
  .chain((body) => {
    const text = JSON.stringify(body)
    return fc.integer({ min: 0, max: text.length - 1 }).map((n) => text.slice(0, n))
  })
  // An empty body is `{}` to the server (missing code): still 422.
  .map((text) => bad('truncated JSON', utf8(text), 422))

const deepBody: fc.Arbitrary<BadBody> = fc
  .record({
    depth: fc.oneof(fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 2_000, max: 300_000 })),
    shape: fc.constantFrom('array', 'object', 'input_data', 'timeout'),
  })
  .map(({ depth, shape }) => {
    const arr = '['.repeat(depth) + ']'.repeat(depth)
    const obj = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
    const text =
      shape === 'array'
        ? arr
        : shape === 'object'
          ? obj
          : shape === 'timeout'
            ? `{"code":"print(1)","timeout":${arr}}`
            : // Valid up to the nesting limit, but timeout 0 keeps it invalid whatever the depth.
              `{"code":"print(1)","timeout":0,"input_data":${obj}}`
    return bad(`deep ${shape} ×${depth}`, utf8(text), text.length > 2_097_152 ? 413 : 422)
  })

const hugeBody: fc.Arbitrary<BadBody> = fc
  .record({
    size: fc.constantFrom(100_001, 1_048_577, 2_000_000, 2_097_153, 3_000_000),
    where: fc.constantFrom('code', 'input_data', 'extra'),
  })
  .map(({ size, where }) => {
    const big = 'x'.repeat(size)
    const body =
      where === 'code'
        ? { code: big, timeout: 1 }
        : where === 'input_data'
          ? { code: 'print(1)', timeout: 0, input_data: { s: big } }
          : { code: 'print(1)', timeout: 1, padding: big }
    const bytes = utf8(JSON.stringify(body))
    return bad(`huge ${where} ${size}`, bytes, bytes.length > 2_097_152 ? 413 : 422)
  })

const invalidUtf8Body: fc.Arbitrary<BadBody> = fc
  .record({
    high: fc.uint8Array({ minLength: 1, maxLength: 16 }).map((b) => b.map((x) => 0x80 | x)),
    place: fc.constantFrom('code', 'key', 'bare'),
  })
  .map(({ high, place }) => {
    const parts =
      place === 'code'
        ? ['{"code":"print(1)', '","timeout":0}']
        : place === 'key'
          ? ['{"code":"print(1)","', '":1}']
          : ['{"code":"print(1)",', '}']
    const bytes = new Uint8Array([...utf8(parts[0]), ...high, ...utf8(parts[1])])
    return bad(`invalid UTF-8 in ${place}`, bytes, 422)
  })

const randomBytesBody: fc.Arbitrary<BadBody> = fc
  .uint8Array({ minLength: 1, maxLength: 4096 })
  .filter((b) => b[0] !== 0x7b) // never starts an object: cannot be a valid request
  .map((bytes) => bad('random bytes', bytes, 422))

const badBody = fc.oneof(
  { arbitrary: wrongTypeBody, weight: 5 },
  { arbitrary: unknownFieldBody, weight: 2 },
  { arbitrary: randomJsonBody, weight: 3 },
  { arbitrary: truncatedBody, weight: 2 },
  { arbitrary: deepBody, weight: 2 },
  { arbitrary: hugeBody, weight: 1 },
  { arbitrary: invalidUtf8Body, weight: 2 },
  { arbitrary: randomBytesBody, weight: 2 },
)

const JSON_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON',
  'application/json;charset=latin1',
]
const OTHER_TYPES = [
  'text/plain',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonp',
  'application/octet-stream',
  'json',
  '',
]
/** Stands for the server's own origin (known once it listens). */
const OWN_ORIGIN = 'own-origin'
const LOCAL_ORIGINS = [undefined, 'http://localhost:5173', 'http://127.0.0.1:8000', 'http://[::1]']
const FOREIGN_ORIGINS = ['http://evil.example', 'null', 'file://', 'http://localhost.evil.example']

/** Header values fetch can send: visible ASCII and spaces, no CR/LF. */
const headerText = fc
  .string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) })
  .map((s) => s.trim())

const headerSet = fc.record({
  contentType: fc.oneof(
    { arbitrary: fc.constantFrom(...JSON_TYPES), weight: 6 },
    { arbitrary: fc.constantFrom(...OTHER_TYPES), weight: 2 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  ),
  origin: fc.oneof(
    { arbitrary: fc.constantFrom(undefined, OWN_ORIGIN), weight: 6 },
    { arbitrary: fc.constantFrom(...LOCAL_ORIGINS), weight: 2 },
    { arbitrary: fc.constantFrom(...FOREIGN_ORIGINS), weight: 1 },
  ),
  crossSite: fc.oneof(
    { arbitrary: fc.constant(false), weight: 9 },
    { arbitrary: fc.constant(true), weight: 1 },
  ),
  correlation: fc.option(headerText),
  accept: fc.option(fc.constantFrom('*/*', 'text/event-stream', 'application/json', 'x/y;q=0')),
  authorization: fc.option(headerText.map((s) => `Bearer ${s}`)),
  ifNoneMatch: fc.option(fc.oneof(headerText, fc.constant('*'))),
})
type HeaderSet = typeof headerSet extends fc.Arbitrary<infer T> ? T : never

function toHeaders(h: HeaderSet): Record<string, string> {
  const out: Record<string, string> = {}
  if (h.contentType !== undefined) out['content-type'] = h.contentType
  if (h.origin !== undefined) out.origin = h.origin === OWN_ORIGIN ? srv.url : h.origin
  if (h.crossSite) out['sec-fetch-site'] = 'cross-site'
  if (h.correlation !== null) out['x-correlation-id'] = h.correlation
  if (h.accept !== null) out.accept = h.accept
  if (h.authorization !== null) out.authorization = h.authorization
  if (h.ifNoneMatch !== null) out['if-none-match'] = h.ifNoneMatch
  return out
}

/** The status the request filters must give before any route looks at the body, if any. */
function filterStatus(h: HeaderSet, method = 'POST', bodyBytes = 1): number | null {
  const local = h.origin === OWN_ORIGIN || LOCAL_ORIGINS.includes(h.origin)
  if (!local || h.crossSite) return 403
  // A request that can change state must come from our own origin (or a non-browser client).
  const safe = ['GET', 'HEAD', 'OPTIONS'].includes(method)
  if (!safe && h.origin !== undefined && h.origin !== OWN_ORIGIN) return 403
  // Without a Content-Type only a body-less request passes (a cancel needs no body).
  if (h.contentType === undefined ? bodyBytes > 0 : !JSON_TYPES.includes(h.contentType)) return 415
  return null
}

/** Job ids that reach every branch: a finished run, unknown, invalid and hostile ones. */
const jobId = fc.oneof(
  { arbitrary: fc.constant(null).map(() => keep), weight: 4 },
  { arbitrary: fc.constant(null).map(() => disposable), weight: 1 },
  { arbitrary: fc.uuid(), weight: 2 },
  {
    arbitrary: fc.constantFrom(
      'api-123',
      '.',
      '..',
      '%2e%2e',
      '%00',
      'a%00b',
      '%E9t%C3%A9',
      '%F0%9F%90%99',
      '%ZZ',
      '%',
      'x'.repeat(65),
      'x'.repeat(2_000),
      '-leading',
    ),
    weight: 2,
  },
  { arbitrary: fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent), weight: 2 },
)

// ---- properties ----------------------------------------------------------------------------------

describe('fuzzing the API (never a 5xx, always an answer)', () => {
  it('malformed bodies with random headers at every POST endpoint', async () => {
    let runs = 0
    await fc.assert(
      fc.asyncProperty(
        badBody,
        headerSet,
        fc.constantFrom('/execute', '/execute/async', 'cancel', 'rerun', 'fork'),
        jobId,
        async (body, h, endpoint, id) => {
          runs++
          const urlPath = endpoint.startsWith('/') ? endpoint : `/jobs/${id}/${endpoint}`
          const a = await send('POST', urlPath, toHeaders(h), body.bytes)
          const what = `POST ${urlPath.slice(0, 80)} [${body.kind}] ${JSON.stringify(h)}`
          expectSane(a, what)
          const filtered = filterStatus(h, 'POST', body.bytes.length)
          if (filtered === 403 || (filtered === 415 && endpoint.startsWith('/'))) {
            expect(a.status, what).toBe(filtered)
          } else if (filtered === 415) {
            // A job id that is not valid percent-encoding (400) or that URL normalisation removes
            // (`..` → 404, `.` → `/jobs/cancel`, a GET route → 405) is refused before the
            // content type is looked at.
            expect([400, 404, 405, 415], what).toContain(a.status)
          } else if (endpoint.startsWith('/')) {
            expect(a.status, `${what} ${a.text.slice(0, 300)}`).toBe(body.expect)
            if (body.field !== undefined) {
              const detail = (JSON.parse(a.text) as { detail: { loc: unknown[] }[] }).detail
              expect(
                detail.map((d) => d.loc[1]),
                what,
              ).toContain(body.field)
            }
          }
        },
      ),
      { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS },
    )
    expect(runs).toBeGreaterThanOrEqual(30)
  }, 90_000)

  it('valid async submits of random code (timeout ≤ 2 s) are accepted and fail fast', async () => {
    const submitted: string[] = []
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          code: fc.string({ minLength: 1, maxLength: 200 }).filter((s) => s.trim().length > 0),
          timeout: fc.integer({ min: 1, max: 2 }),
          input_data: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), {
            maxKeys: 3,
          }),
          job_type: fc.constantFrom('default', null),
        }),
        async (body) => {
          const a = await send(
            'POST',
            '/execute/async',
            { 'content-type': 'application/json' },
            utf8(JSON.stringify(body)),
          )
          expectSane(a, `valid ${JSON.stringify(body).slice(0, 200)}`)
          expect(a.status, a.text).toBe(200)
          const job = JSON.parse(a.text) as Body
          expect(job.status).toBe('queued')
          submitted.push(job.job_id as string)
        },
      ),
      { numRuns: 25, interruptAfterTimeLimit: TIME_LIMIT_MS },
    )
    expect(submitted.length).toBeGreaterThanOrEqual(5)
    // Each of them ends (random text is a syntax or name error at worst, within its timeout).
    for (const id of submitted) {
      const r = await request(`${srv.url}/jobs/${id}/result?wait=true&timeout=60`, {
        signal: AbortSignal.timeout(65_000),
      })
      expect(r.status).toBe(200)
      expect(['succeeded', 'failed', 'timeout']).toContain(r.body.status)
    }
  }, 120_000)

  const WORDS = [
    'jobs',
    'execute',
    'async',
    'result',
    'cancel',
    'rerun',
    'fork',
    'events',
    'artifacts',
    'executions',
    'job-types',
    'default',
    'health',
    'pool',
    'stats',
    'dlq',
    'd',
    'f.txt',
    'd%2Ff.txt',
  ]
  const hostileSegment = fc.oneof(
    fc.constantFrom(
      '..',
      '.',
      '',
      '%2e%2e',
      '%2E%2e',
      '.%2e',
      '%2e',
      '%00',
      '%2f',
      '%2F..%2F..%2Fetc%2Fpasswd',
      '..%2F..%2F..%2F..%2Fetc%2Fpasswd',
      '%5c..%5c',
      '%c0%ae%c0%ae',
      '%ff%fe',
      '%',
      '%Z1',
      '%e9',
      '%F0%9F%90%99',
      'etc',
      'passwd',
      '~',
      '%20',
      '+',
      ';',
      'a;b=c',
    ),
    fc.string({ maxLength: 30 }).map(encodeURIComponent),
    fc.integer({ min: 1_000, max: 20_000 }).map((n) => 'a'.repeat(n)),
  )
  const segment = fc.oneof(
    { arbitrary: fc.constantFrom(...WORDS), weight: 5 },
    { arbitrary: jobId, weight: 3 },
    { arbitrary: hostileSegment, weight: 3 },
  )
  const query = fc.oneof(
    fc.constant(''),
    fc.webQueryParameters().map((q) => `?${q}`),
    fc
      .dictionary(
        fc.constantFrom('wait', 'timeout', 'view', 'limit', 'offset', 'status', 'job_type', 'q'),
        fc.oneof(
          fc.constantFrom('true', 'false', 'full', '1', '0', '-1', '300', '1001', 'NaN', '1e309'),
          fc.string({ maxLength: 20 }),
        ),
        { maxKeys: 4 },
      )
      .map((d) => `?${new URLSearchParams(d).toString()}`),
  )
  /**
   * Routes with effects far beyond a request (image builds, packs, the app's RPC) are kept out, and
   * so is deleting the kept run. Checked on the path as given and as the server normalises it.
   */
  const unsafe = (p: string, method: string): boolean => {
    let normal = p
    try {
      normal = decodeURIComponent(new URL(p, 'http://127.0.0.1').pathname)
    } catch {
      // not decodable: the server answers 400 before routing
    }
    return [p, normal].some(
      (x) =>
        /\/job-types\/[^/]*\/(build|pack)|\/api\//i.test(x) ||
        (method === 'DELETE' && x.includes(keep)),
    )
  }

  it('random paths and methods, sent without normalisation', async () => {
    let runs = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 0, maxLength: 5 }),
        query,
        fc.constantFrom(
          'GET',
          'HEAD',
          'POST',
          'PUT',
          'DELETE',
          'PATCH',
          'OPTIONS',
          'PROPFIND',
          'FOO',
        ),
        fc.boolean(),
        async (segments, q, method, jsonType) => {
          const rawPath = `/${segments.join('/')}${q}`
          fc.pre(!unsafe(rawPath, method))
          runs++
          const headers: Record<string, string> = { host: `127.0.0.1:${new URL(srv.url).port}` }
          if (jsonType) headers['content-type'] = 'application/json'
          const a = await sendRaw(method, rawPath, headers)
          expectSane(a, `${method} ${rawPath.slice(0, 200)}`)
        },
      ),
      { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS },
    )
    expect(runs).toBeGreaterThanOrEqual(30)
  }, 90_000)

  it('random methods and headers through fetch at every endpoint', async () => {
    let runs = 0
    const endpoint = fc.oneof(
      fc.constantFrom('/health', '/pool/stats', '/job-types', '/executions', '/execute'),
      fc.constantFrom('/execute/async', '/job-types/default', '/job-types/nope'),
      jobId.map((id) => `/jobs/${id}`),
      jobId.map((id) => `/jobs/${id}/result`),
      jobId.map((id) => `/jobs/${id}/events`),
      jobId.map((id) => `/jobs/${id}/cancel`),
      jobId.map((id) => `/jobs/${id}/rerun`),
      jobId.map((id) => `/jobs/${id}/fork`),
      jobId.map((id) => `/jobs/${id}/artifacts/d/f.txt`),
      jobId.chain((id) => segment.map((s) => `/jobs/${id}/artifacts/${s}`)),
      jobId.map((id) => `/executions/${id}`),
      fc.webPath(),
    )
    await fc.assert(
      fc.asyncProperty(
        endpoint,
        query,
        fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
        headerSet,
        fc.option(badBody),
        async (p, q, method, h, body) => {
          const urlPath = `${p}${q}`
          fc.pre(!unsafe(urlPath, method))
          runs++
          const withBody = method !== 'GET' && method !== 'HEAD' && body !== null
          const a = await send(method, urlPath, toHeaders(h), withBody ? body.bytes : undefined)
          expectSane(a, `${method} ${urlPath.slice(0, 120)} ${JSON.stringify(h)}`)
          // Node answers 431 to an over-long request line before any handler runs.
          if (filterStatus(h, method) === 403 && a.status !== 431) expect(a.status).toBe(403)
        },
      ),
      { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS },
    )
    expect(runs).toBeGreaterThanOrEqual(30)
  }, 90_000)

  it('answered every request, none with a 5xx, and /health is still 200', async () => {
    expect(counts.requests).toBeGreaterThan(100)
    for (const status of counts.byStatus.keys()) expect(status).toBeLessThan(500)
    // The filters really ran: some requests were refused by each of them.
    for (const status of [403, 415, 422])
      expect(counts.byStatus.get(status) ?? 0).toBeGreaterThan(0)
    const health = await request(`${srv.url}/health`, { signal: AbortSignal.timeout(5_000) })
    expect(health.status).toBe(200)
    expect(health.body.status).toBe('healthy')
    // The hostile ids never named a real run, and the kept run is intact.
    const kept = await request(`${srv.url}/jobs/${keep}/result?view=full`)
    expect(kept.body).toMatchObject({ status: 'succeeded', execution_id: keep })
  })
})
