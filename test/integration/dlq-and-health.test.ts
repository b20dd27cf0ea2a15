// Tako VM's last details: the dead-letter queue over runs that failed for an infrastructure reason,
// /health's circuit breaker fed by real Docker failures, and job types' memory_limit spelling.
// (The breaker closing again when dockerd returns is in test/faults: it stops the daemon.)
import Docker from 'dockerode'
import { afterAll, describe, expect, it } from 'vitest'
import { DockerContainerClient } from '../../src/main/engine/docker-client'
import {
  expectNoContainersLeft,
  request,
  startInProcess,
  startServeProcess,
  tempDir,
  until,
} from './helpers'

type Server = Awaited<ReturnType<typeof startInProcess>>
type Body = Record<string, unknown>
const servers: Server[] = []

afterAll(async () => {
  for (const s of servers) await s.close()
  await expectNoContainersLeft()
})

describe('GET /job-types memory_limit', () => {
  it('is spelled as Tako VM spells it: 512m, 1g, 2g', async () => {
    const srv = await startInProcess({ pool: { enabled: false } })
    servers.push(srv)
    const res = await request<Body[]>(`${srv.url}/job-types`)
    expect(res.status).toBe(200)
    const limits = Object.fromEntries(res.body.map((t) => [String(t.name), t.memory_limit]))
    expect(limits).toEqual({ default: '512m', 'data-processing': '1g', 'ml-inference': '2g' })
    const one = await request<Body>(`${srv.url}/job-types/ml-inference`)
    expect(one.body.memory_limit).toBe('2g')
  })
})

describe('the dead-letter queue', () => {
  it('an interrupted run (server killed mid-run) appears, is listed as Tako lists it, and can be deleted', async () => {
    const dataDir = tempDir()
    const first = await startServeProcess(dataDir, { TAKO_POOL: '0' })
    let id: string
    try {
      const submitted = await request<{ job_id: string }>(`${first.url}/execute/async`, {
        method: 'POST',
        json: { code: 'import time\nprint("up", flush=True)\ntime.sleep(120)', timeout: 200 },
      })
      expect(submitted.status).toBe(200)
      id = submitted.body.job_id
      await until(async () => {
        const st = await request<{ status: string }>(`${first.url}/jobs/${id}`)
        return st.body.status === 'running' ? true : undefined
      }, 'the job to run')
      // Nothing in the queue while the run is alive.
      expect((await request(`${first.url}/dlq/stats`)).body).toEqual({
        total: 0,
        by_error_type: {},
      })
    } finally {
      await first.kill('SIGKILL')
    }

    // The next start on the same data folder reaps the container and marks the run interrupted.
    const srv = await startInProcess({ dataDir, pool: { enabled: false } })
    servers.push(srv)
    const stats = await request<Body>(`${srv.url}/dlq/stats`)
    expect(stats.status).toBe(200)
    expect(stats.body).toEqual({ total: 1, by_error_type: { interrupted: 1 } })

    const list = await request<Body>(`${srv.url}/dlq?limit=10&offset=0`)
    expect(list.status).toBe(200)
    expect(list.body).toMatchObject({ limit: 10, offset: 0, has_more: false, count: 1 })
    const entry = (list.body.items as Body[])[0] ?? {}
    expect(Object.keys(entry).sort()).toEqual(
      [
        'id',
        'job_id',
        'job_data',
        'error_type',
        'error_message',
        'retry_count',
        'created_at',
        'client_ip',
        'correlation_id',
      ].sort(),
    )
    expect(entry).toMatchObject({
      id,
      job_id: id,
      error_type: 'interrupted',
      error_message: 'job interrupted by server restart before completion',
      retry_count: 0,
    })
    expect(Number.isNaN(Date.parse(entry.created_at as string))).toBe(false)
    // A summary, not the code (Tako 0.1.4+).
    expect(JSON.stringify(entry.job_data)).not.toContain('time.sleep')
    expect(entry.job_data).toMatchObject({ job_type: 'default', timeout: 200 })

    const removed = await request<Body>(`${srv.url}/dlq/${id}`, { method: 'DELETE' })
    expect(removed.status).toBe(200)
    expect(removed.body).toEqual({ status: 'removed', entry_id: id })
    expect((await request(`${srv.url}/dlq/${id}`, { method: 'DELETE' })).status).toBe(404)
    expect((await request(`${srv.url}/dlq/stats`)).body).toEqual({ total: 0, by_error_type: {} })
    expect((await request<Body>(`${srv.url}/dlq`)).body).toMatchObject({ items: [], count: 0 })
    // The run itself stays in the history.
    const rec = await request<Body>(`${srv.url}/executions/${id}`)
    expect(rec.status).toBe(200)
    expect(rec.body.status).toBe('failed')

    // Removal is remembered across restarts.
    await srv.close()
    servers.splice(servers.indexOf(srv), 1)
    const again = await startInProcess({ dataDir, pool: { enabled: false } })
    servers.push(again)
    expect((await request(`${again.url}/dlq/stats`)).body).toEqual({ total: 0, by_error_type: {} })
  })

  it('a script failing on its own never enters it; limit and offset page through entries', async () => {
    const srv = await startInProcess({ pool: { enabled: false } })
    servers.push(srv)
    const r = await request<Body>(`${srv.url}/execute`, {
      method: 'POST',
      json: { code: '1/0' },
    })
    expect(r.body.error_type).toBe('division_error')
    expect((await request(`${srv.url}/dlq/stats`)).body).toEqual({ total: 0, by_error_type: {} })
    expect((await request(`${srv.url}/dlq?limit=0`)).status).toBe(422)
    expect((await request(`${srv.url}/dlq/no-such-entry`, { method: 'DELETE' })).status).toBe(404)
  })
})

describe('Docker unreachable: dead letters and the circuit breaker', () => {
  it('service_unavailable runs enter the queue; five failures open the breaker, /health degraded', async () => {
    const socketPath = '/tmp/no-such-docker.sock'
    const client = new DockerContainerClient(new Docker({ socketPath }), `unix://${socketPath}`)
    const srv = await startInProcess({ client, breaker: { recoveryMs: 60_000 } })
    servers.push(srv)
    const closed = await request<Body>(`${srv.url}/health`)
    expect(closed.body.circuit_breaker).toMatchObject({ state: 'closed' })

    for (let i = 0; i < 5; i++) {
      const r = await request<Body>(`${srv.url}/execute`, {
        method: 'POST',
        json: { code: `print(${i})` },
      })
      expect(r.body.error_type).toBe('service_unavailable')
    }
    const health = await request<Body>(`${srv.url}/health`)
    expect(health.body.status).toBe('degraded')
    const breaker = health.body.circuit_breaker as Body
    expect(breaker.state).toBe('open')
    expect(breaker.failure_count).toBeGreaterThanOrEqual(5)
    expect(breaker.success_count).toBe(0)
    expect(Number.isNaN(Date.parse(breaker.last_failure as string))).toBe(false)

    const stats = await request<Body>(`${srv.url}/dlq/stats`)
    expect(stats.body).toEqual({ total: 5, by_error_type: { service_unavailable: 5 } })
    const page = await request<Body>(`${srv.url}/dlq?limit=2&offset=2`)
    expect(page.body).toMatchObject({ limit: 2, offset: 2, has_more: true, count: 2 })
    const last = await request<Body>(`${srv.url}/dlq?limit=2&offset=4`)
    expect(last.body).toMatchObject({ has_more: false, count: 1 })
  })

  it('the healthy server reports a closed breaker', async () => {
    const srv = await startInProcess({ pool: { enabled: false } })
    servers.push(srv)
    const r = await request<Body>(`${srv.url}/execute`, {
      method: 'POST',
      json: { code: 'print(6*7)' },
    })
    expect(r.body.stdout).toBe('42\n')
    const health = await request<Body>(`${srv.url}/health`)
    expect(health.body.status).toBe('healthy')
    expect(health.body.circuit_breaker).toMatchObject({
      state: 'closed',
      failure_count: 0,
      last_failure: null,
    })
    expect((health.body.circuit_breaker as Body).success_count).toBeGreaterThanOrEqual(1)
  })
})
