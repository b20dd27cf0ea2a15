// The Tako VM-compatible API, `POST /execute`, `POST /execute/async` with `GET /jobs/{id}`, and
// `idempotency_key`. Against the real daemon with production flags: field names, status codes and
// error messages as Tako VM sends them (see docs/api.md); every answer is checked for CORS and
// security headers.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { py } from './execute'
import {
  call,
  expectDetail,
  ISO,
  jobStatus,
  submit,
  useApiServer,
  validationDetail,
  waitResult,
} from './api'

const api = useApiServer(21)

describe('POST /execute', () => {
  it('answers with ExecuteResponse fields, and the run is recorded under its execution_id', async () => {
    const code = py(
      'import json, sys',
      'data = json.load(open("/input/data.json"))',
      'print("x is", data["x"])',
      'print("to stderr", file=sys.stderr)',
      'json.dump({"double": data["x"] * 2}, open("/output/result.json", "w"))',
    )
    const t0 = performance.now()
    const res = await call(api.srv.url, '/execute', {
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
    const saved = await call(api.srv.url, `/executions/${r.execution_id as string}`)
    expect(saved.status).toBe(200)
    expect(saved.body).toMatchObject({ execution_id: r.execution_id, status: 'succeeded' })
  })

  it('a failing script is HTTP 200 with success false and error as a string beside error_type', async () => {
    const res = await call(api.srv.url, '/execute', {
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
      await call(api.srv.url, '/execute', { method: 'POST', json: { input_data: {} } }),
    )
    expect(missing).toEqual([expect.objectContaining({ type: 'missing', loc: ['body', 'code'] })])
    const wrongType = validationDetail(
      await call(api.srv.url, '/execute', { method: 'POST', json: { code: 42 } }),
    )
    expect(wrongType).toEqual([
      expect.objectContaining({ type: 'string_type', loc: ['body', 'code'], input: 42 }),
    ])
    const extra = validationDetail(
      await call(api.srv.url, '/execute', {
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

describe('POST /execute/async and GET /jobs/{id}', () => {
  it('returns exactly {job_id, status: queued}; the status reports created_at and duration_ms', async () => {
    const id = await submit(api.srv.url, {
      code: py('import time', 'time.sleep(1)', 'print("ok")'),
    })
    const early = await jobStatus(api.srv.url, id)
    expect(early.job_id).toBe(id)
    expect(['pending', 'queued', 'running']).toContain(early.status)
    expect(early.created_at).toMatch(ISO)
    expect(early).not.toHaveProperty('duration_ms')
    await waitResult(api.srv.url, id)
    const done = await jobStatus(api.srv.url, id)
    expect(done).toMatchObject({ job_id: id, status: 'succeeded', created_at: early.created_at })
    expect(done.duration_ms).toEqual(expect.any(Number))
    expect(done.duration_ms as number).toBeGreaterThanOrEqual(900)
    expect(done).not.toHaveProperty('queue_position')
  })

  it('an unknown job is 404 {"detail": "Job not found"}', async () => {
    expectDetail(await call(api.srv.url, `/jobs/${randomUUID()}`), 404, 'Job not found')
    expectDetail(await call(api.srv.url, '/jobs/not-a-job'), 404, 'Job not found')
  })
})

describe('idempotency_key on /execute/async', () => {
  it('same key and payload → same job; different code → 409', async () => {
    const key = `idem_${randomUUID()}`
    const body = { code: 'print("idem")', idempotency_key: key, input_data: { a: 1, b: 2 } }
    const first = await submit(api.srv.url, body)
    const again = await call(api.srv.url, '/execute/async', {
      method: 'POST',
      // Same payload, keys in another order: the fingerprint is canonical.
      json: { input_data: { b: 2, a: 1 }, idempotency_key: key, code: 'print("idem")' },
    })
    expect(again.status).toBe(200)
    expect(again.body.job_id).toBe(first)
    expect(['queued', 'pending', 'running', 'succeeded']).toContain(again.body.status)
    await waitResult(api.srv.url, first)
    const afterDone = await call(api.srv.url, '/execute/async', { method: 'POST', json: body })
    expect(afterDone.body).toEqual({ job_id: first, status: 'succeeded' })
    expectDetail(
      await call(api.srv.url, '/execute/async', {
        method: 'POST',
        json: { ...body, code: 'print("other")' },
      }),
      409,
      'Idempotency key reused with different payload',
    )
    expectDetail(
      await call(api.srv.url, '/execute/async', {
        method: 'POST',
        json: { ...body, input_data: { a: 2 } },
      }),
      409,
      'Idempotency key reused with different payload',
    )
  })

  it.each(['short', 'bad key!', 'x'.repeat(256)])('key %j is 422', async (key) => {
    const detail = validationDetail(
      await call(api.srv.url, '/execute/async', {
        method: 'POST',
        json: { code: 'print(1)', idempotency_key: key },
      }),
    )
    expect(detail[0].loc).toEqual(['body', 'idempotency_key'])
  })
})
