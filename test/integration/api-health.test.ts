// The Tako VM-compatible API, `GET /job-types`, `GET /job-types/{name}`, `GET /health` and `GET
// /pool/stats`. Against the real daemon with production flags: field names, status codes and error
// messages as Tako VM sends them (see docs/api.md); every answer is checked for CORS and security
// headers.
import { describe, expect, it } from 'vitest'
import { call, expectDetail, type Body, useApiServer } from './api'

const api = useApiServer(5)

describe('GET /job-types and /health', () => {
  it('lists default, data-processing and ml-inference with image_exists', async () => {
    const res = await call<Body[]>(api.srv.url, '/job-types')
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
    const one = await call(api.srv.url, '/job-types/default')
    expect(one.status).toBe(200)
    expect(one.body).toMatchObject({ name: 'default', image_exists: true })
  })

  it('an unknown job type is 404 "Job type \'nope\' not found"', async () => {
    expectDetail(await call(api.srv.url, '/job-types/nope'), 404, "Job type 'nope' not found")
  })

  it('health reports status, docker, version and queue_stats', async () => {
    const res = await call(api.srv.url, '/health')
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
    const pool = await call(api.srv.url, '/pool/stats')
    expect(pool.body).toMatchObject({ max_workers: 2, max_queue_size: 100 })
  })
})
