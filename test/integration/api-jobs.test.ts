// The Tako VM-compatible API, `GET /jobs/{id}/result` (slim and full views, waiting), `POST
// /jobs/{id}/cancel`, and `POST /jobs/{id}/rerun` and `/fork` (lineage). Against the real daemon
// with production flags: field names, status codes and error messages as Tako VM sends them (see
// docs/api.md); every answer is checked for CORS and security headers.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { py } from './execute'
import { sha256, sseStatuses, sseText } from './http'
import {
  CANCELLED_ERROR,
  call,
  expectDetail,
  expectQueued,
  FULL_ONLY_FIELDS,
  ISO,
  jobStatus,
  openEvents,
  SHA256,
  SLIM_FIELDS,
  submit,
  type Body,
  useApiServer,
  validationDetail,
  waitResult,
} from './api'

const api = useApiServer(36)

describe('GET /jobs/{id}/result', () => {
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
    id = await submit(api.srv.url, { code, input_data: { k: 'v' }, idempotency_key: key })
  })

  it('wait=true returns the slim record with every ExecutionRecordResponse field', async () => {
    const r = await waitResult(api.srv.url, id)
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
    const r = await waitResult(api.srv.url, id, true)
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
    // Tako VM keeps result.json as an artifact too (see docs/api.md, 'GET | HEAD /jobs/{id}/artifacts/{path}').
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
      'output_bytes',
      'peak_pids',
      'wall_time_ms',
      'warm_baseline_mb',
    ])
  })

  it('a failed run carries the error object {type, message, phase} and, added, {line, hint}', async () => {
    const failed = await submit(api.srv.url, { code: 'raise KeyError("nope")' })
    const r = await waitResult(api.srv.url, failed)
    expect(r.status).toBe('failed')
    const error = r.error as Body
    expect(Object.keys(error).sort()).toEqual(['hint', 'line', 'message', 'phase', 'type'])
    expect(error.type).toBe('key_error')
    expect(error.message).toContain('KeyError')
    // The beginner's explanation (see docs/run-contract.md, 'Error lines and hints').
    expect(error.line).toBe(1)
    expect(String(error.hint)).toContain('nope')
  })

  it('a wait that times out is 408 "Timeout waiting for job" and the job still finishes', async () => {
    const slow = await submit(api.srv.url, {
      code: py('import time', 'time.sleep(4)', 'print("finished")'),
    })
    // Without wait: the record as it is now, still in flight.
    const now = await call(api.srv.url, `/jobs/${slow}/result`)
    expect(now.status).toBe(200)
    expect(['queued', 'running']).toContain(now.body.status)
    expect(now.body.stdout).toBe('')
    const t0 = performance.now()
    const timedOut = await call(api.srv.url, `/jobs/${slow}/result?wait=true&timeout=1`)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(900)
    expectDetail(timedOut, 408, 'Timeout waiting for job')
    expect(['pending', 'running']).toContain((await jobStatus(api.srv.url, slow)).status)
    const r = await waitResult(api.srv.url, slow)
    expect(r).toMatchObject({ status: 'succeeded', stdout: 'finished\n', error: null })
  })

  it('an unknown job is 404; a wait timeout outside 1–300 is 422', async () => {
    expectDetail(await call(api.srv.url, `/jobs/${randomUUID()}/result`), 404, 'Job not found')
    validationDetail(await call(api.srv.url, `/jobs/${id}/result?wait=true&timeout=0`))
    validationDetail(await call(api.srv.url, `/jobs/${id}/result?wait=true&timeout=301`))
  })
})

describe('POST /jobs/{id}/cancel', () => {
  it('a running job is cancelled at once (SIGKILLed), keeping the output printed before the sleep', async () => {
    const id = await submit(api.srv.url, {
      code: py('import time', 'print("partial before sleep", flush=True)', 'time.sleep(60)'),
      timeout: 120,
    })
    const events = await openEvents(api.srv.url, id)
    await events.until((_e, so) => sseText(so, 'stdout').includes('partial before sleep\n'))
    const res = await call(api.srv.url, `/jobs/${id}/cancel`, { method: 'POST' })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ status: 'cancelled', job_id: id })
    // The wait's own 10 s limit bounds it generously against the script's 60 s sleep; the exit code
    // shows how it ended, whatever the load: Docker reported the SIGKILL (137), where a kill that
    // never landed would end at the engine's kill grace with -1.
    const r = await waitResult(api.srv.url, id, false, 10)
    expect(r.status).toBe('cancelled')
    expect(r.exit_code).toBe(137)
    expect(r.error).toMatchObject(CANCELLED_ERROR)
    expect(r.stdout).toBe('partial before sleep\n')
    expect((await jobStatus(api.srv.url, id)).status).toBe('cancelled')
    // The live stream ends with the cancelled status.
    const rest = await events.rest()
    expect(sseStatuses(rest).at(-1)).toBe('cancelled')
    expect(events.ended).toBe(true)
  })

  it('a finished or unknown job is 404 "Job not found or already completed"', async () => {
    const id = await submit(api.srv.url, { code: 'print(1)' })
    await waitResult(api.srv.url, id)
    expectDetail(
      await call(api.srv.url, `/jobs/${id}/cancel`, { method: 'POST' }),
      404,
      'Job not found or already completed',
    )
    expectDetail(
      await call(api.srv.url, `/jobs/${randomUUID()}/cancel`, { method: 'POST' }),
      404,
      'Job not found or already completed',
    )
  })
})

describe('POST /jobs/{id}/rerun and /fork', () => {
  const code = py(
    'import json',
    'data = json.load(open("/input/data.json"))',
    'print("sum", sum(data["xs"]))',
  )
  let parent = ''
  let parentFull: Body = {}

  beforeAll(async () => {
    parent = await submit(api.srv.url, { code, input_data: { xs: [1, 2, 3] } })
    parentFull = await waitResult(api.srv.url, parent, true)
    expect(parentFull.stdout).toBe('sum 6\n')
  })

  it('rerun of a finished job is a new job with parent and relationship "rerun", same output', async () => {
    const res = await call(api.srv.url, `/jobs/${parent}/rerun`, { method: 'POST', json: {} })
    expect(res.status).toBe(200)
    const child = expectQueued(res.body)
    expect(child).not.toBe(parent)
    const r = await waitResult(api.srv.url, child, true)
    expect(r).toMatchObject({
      status: 'succeeded',
      stdout: 'sum 6\n',
      parent_execution_id: parent,
      relationship: 'rerun',
      code_hash: parentFull.code_hash,
      input_hash: parentFull.input_hash,
    })
    // The slim view does not carry lineage.
    expect(await waitResult(api.srv.url, child)).not.toHaveProperty('parent_execution_id')
  })

  it('rerun without a body works too (no Content-Type needed for an empty POST)', async () => {
    const res = await call(api.srv.url, `/jobs/${parent}/rerun`, { method: 'POST' })
    expect(res.status).toBe(200)
    const r = await waitResult(api.srv.url, res.body.job_id as string, true)
    expect(r).toMatchObject({ relationship: 'rerun', stdout: 'sum 6\n' })
  })

  it('rerun of an unknown job is 404, an unknown field is 422', async () => {
    expectDetail(
      await call(api.srv.url, `/jobs/${randomUUID()}/rerun`, { method: 'POST', json: {} }),
      404,
      'Job not found',
    )
    const detail = validationDetail(
      await call(api.srv.url, `/jobs/${parent}/rerun`, { method: 'POST', json: { code: 'x' } }),
    )
    expect(detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'code'] })
  })

  it('fork runs new code on the same input with relationship "fork"', async () => {
    const forkCode = py(
      'import json',
      'data = json.load(open("/input/data.json"))',
      'print("product", data["xs"][0] * data["xs"][1] * data["xs"][2])',
    )
    const res = await call(api.srv.url, `/jobs/${parent}/fork`, {
      method: 'POST',
      json: { code: forkCode },
    })
    expect(res.status).toBe(200)
    const r = await waitResult(api.srv.url, expectQueued(res.body), true)
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
      await call(api.srv.url, `/jobs/${parent}/fork`, { method: 'POST', json: {} }),
    )
    expect(detail).toEqual([expect.objectContaining({ type: 'missing', loc: ['body', 'code'] })])
    validationDetail(await call(api.srv.url, `/jobs/${parent}/fork`, { method: 'POST' }))
    expectDetail(
      await call(api.srv.url, `/jobs/${randomUUID()}/fork`, {
        method: 'POST',
        json: { code: 'print(1)' },
      }),
      404,
      'Job not found',
    )
  })
})
