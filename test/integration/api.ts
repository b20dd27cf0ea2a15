// What the Tako VM-compatible API tests (`api-*.test.ts`, one file per endpoint) share: a server per
// file on the real daemon, and clients that check every answer for CORS and security headers. Field
// names, status codes and messages are those of the Tako VM API (see docs/api.md).
import type http from 'node:http'
import { afterAll, beforeAll, expect } from 'vitest'
import { expectNoContainersLeft, request, startInProcess, type JsonResponse } from './helpers'
import { py } from './execute'
import { rawRequest, sleep, SseReader, sseText, type RawResponse } from './http'

export type Server = Awaited<ReturnType<typeof startInProcess>>
export type Body = Record<string, unknown>

export const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/
export const SHA256 = /^[0-9a-f]{64}$/
export const TERMINAL = ['succeeded', 'failed', 'timeout', 'oom', 'cancelled']
export const CANCELLED_ERROR = { type: 'cancelled', message: 'Execution was cancelled by user' }
/** A job that keeps a worker busy until it is cancelled (its own timeout is far away). */
export const SLEEPER = {
  code: py('import time', 'print("sleeping", flush=True)', 'time.sleep(60)'),
  timeout: 120,
}

/** Fields of the slim `ExecutionRecordResponse` (`GET /jobs/{id}/result`, `/executions/{id}`). */
export const SLIM_FIELDS = [
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
/** Fields only `view=full` adds. */
export const FULL_ONLY_FIELDS = [
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

let checked = 0

/** How many answers went through `checkHeaders` in this file so far. */
export function checkedResponses(): number {
  return checked
}

/** No response of a localhost API may open it to other origins; Tako's security headers are on. */
export function checkHeaders(
  names: Iterable<string>,
  get: (name: string) => string | undefined,
): void {
  checked++
  for (const name of names) expect(name.toLowerCase()).not.toMatch(/^access-control-/)
  expect(get('x-content-type-options')).toBe('nosniff')
  expect(get('x-frame-options')).toBe('DENY')
}

/** `checkHeaders` for a fetch `Response`. */
export function checkFetchHeaders(res: { headers: Headers }): void {
  checkHeaders(res.headers.keys(), (n) => res.headers.get(n) ?? undefined)
}

function checkRawHeaders(h: http.IncomingHttpHeaders): void {
  checkHeaders(Object.keys(h), (n) => {
    const v = h[n]
    return Array.isArray(v) ? v.join(', ') : v
  })
}

/**
 * The server of one API test file: an engine + API in this process with 2 workers, up before the
 * file's cases. After them: the extra servers a case started close, every answer of the file went
 * through the header check (at least `minChecked` of them) and no container of ours is left.
 */
export function useApiServer(minChecked: number): {
  readonly srv: Server
  /** Closes a server a case started when the file ends. */
  track<T extends { close(): Promise<void> }>(server: T): T
} {
  let srv: Server | undefined
  const extra: { close(): Promise<void> }[] = []
  beforeAll(async () => {
    srv = await startInProcess({ workers: 2 })
  })
  afterAll(async () => {
    for (const s of extra) await s.close()
    await srv?.close()
    // Every request of the file went through a CORS check; make sure that check really ran.
    expect(checked).toBeGreaterThanOrEqual(minChecked)
    await expectNoContainersLeft()
  })
  return {
    get srv() {
      if (!srv) throw new Error('useApiServer: the server is used before beforeAll ran')
      return srv
    },
    track(server) {
      extra.push(server)
      return server
    },
  }
}

/** fetch through the helpers' `request`, with the CORS/security header check on every answer. */
export async function call<T = Body>(
  base: string,
  urlPath: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<JsonResponse<T>> {
  const res = await request<T>(`${base}${urlPath}`, {
    signal: AbortSignal.timeout(90_000),
    ...init,
  })
  checkFetchHeaders(res)
  return res
}

/** A request sent byte for byte as given (`rawRequest`), with the header check. */
export async function raw(
  base: string,
  method: string,
  rawPath: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawResponse> {
  const res = await rawRequest(base, method, rawPath, headers, body)
  checkRawHeaders(res.headers)
  return res
}

/** `GET /jobs/{id}/events` as a live reader, with the header check. */
export async function openEvents(base: string, id: string): Promise<SseReader> {
  const reader = await SseReader.open(`${base}/jobs/${id}/events`)
  checkFetchHeaders(reader.response)
  return reader
}

/** Reads a job's live event stream until `text` has appeared on its stdout. */
export async function waitForOutput(base: string, id: string, text: string): Promise<void> {
  const reader = await openEvents(base, id)
  try {
    await reader.until((_e, so) => sseText(so, 'stdout').includes(text))
    if (reader.ended) throw new Error(`stream ended before ${text} appeared`)
  } finally {
    await reader.close()
  }
}

/** `{"job_id": "<uuid4>", "status": "queued"}` and nothing else; returns the id. */
export function expectQueued(body: Body): string {
  expect(Object.keys(body).sort()).toEqual(['job_id', 'status'])
  expect(body.status).toBe('queued')
  expect(body.job_id).toMatch(UUID4)
  return body.job_id as string
}

export async function submit(base: string, body: Body): Promise<string> {
  const res = await call(base, '/execute/async', { method: 'POST', json: body })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return expectQueued(res.body)
}

/** `GET /jobs/{id}/result?wait=true`, expecting the job to end within `timeoutS`. */
export async function waitResult(
  base: string,
  id: string,
  full = false,
  timeoutS = 90,
): Promise<Body> {
  const view = full ? '&view=full' : ''
  const res = await call(base, `/jobs/${id}/result?wait=true&timeout=${timeoutS}${view}`)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  expect(TERMINAL).toContain(res.body.status)
  return res.body
}

export async function jobStatus(base: string, id: string): Promise<Body> {
  const res = await call(base, `/jobs/${id}`)
  expect(res.status).toBe(200)
  return res.body
}

export async function pollStatus(
  base: string,
  id: string,
  status: string,
  ms = 30_000,
): Promise<Body> {
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

export function expectDetail(res: JsonResponse, status: number, detail: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status)
  expect(res.body.detail).toBe(detail)
  expect(res.body.correlation_id).toEqual(expect.any(String))
}

export interface ValidationEntry {
  type: string
  loc: (string | number)[]
  msg: string
}

export function validationDetail(res: JsonResponse): ValidationEntry[] {
  expect(res.status, JSON.stringify(res.body)).toBe(422)
  expect(Array.isArray(res.body.detail)).toBe(true)
  return res.body.detail as ValidationEntry[]
}
