// The Tako VM-compatible API, the job queue: the worker cap, queue positions, a full queue,
// cancelling queued jobs. Against the real daemon with production flags: field names, status codes
// and error messages as Tako VM sends them (see docs/api.md); every answer is checked for CORS and
// security headers.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { startInProcess } from './helpers'
import { py } from './execute'
import { sseStatuses } from './http'
import {
  CANCELLED_ERROR,
  call,
  expectDetail,
  jobStatus,
  openEvents,
  pollStatus,
  SLEEPER,
  submit,
  useApiServer,
  waitForOutput,
  waitResult,
} from './api'

const api = useApiServer(40)

describe('the queue', () => {
  it('full queue → 503; a queued job cancelled never starts; a running job cannot be rerun', async () => {
    const small = await startInProcess({ workers: 1, maxQueue: 2 })
    api.track(small)
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
    const events = await openEvents(small.url, q1)
    expect(sseStatuses(await events.rest())).toEqual(['queued', 'cancelled'])
    expectDetail(
      await call(small.url, `/jobs/${blocker}/cancel`, { method: 'POST' }),
      404,
      'Job not found or already completed',
    )
  })

  it('8 async jobs at once on 2 workers all succeed; queued ones report queue_position ≥ 1', async () => {
    const jobs = await Promise.all(
      Array.from({ length: 8 }, (_v, i) =>
        submit(api.srv.url, { code: py('import time', 'time.sleep(0.5)', `print("job ${i}")`) }),
      ),
    )
    const snapshot = await Promise.all(jobs.map((id) => jobStatus(api.srv.url, id)))
    const pending = snapshot.filter((s) => s.status === 'pending')
    expect(pending.length).toBeGreaterThanOrEqual(1)
    for (const s of pending) {
      expect(Number.isInteger(s.queue_position)).toBe(true)
      expect(s.queue_position as number).toBeGreaterThanOrEqual(1)
    }
    for (const s of snapshot.filter((x) => x.status !== 'pending'))
      expect(s).not.toHaveProperty('queue_position')
    expect(snapshot.filter((s) => s.status === 'running').length).toBeLessThanOrEqual(2)
    const results = await Promise.all(jobs.map((id) => waitResult(api.srv.url, id)))
    results.forEach((r, i) =>
      expect(r).toMatchObject({ status: 'succeeded', stdout: `job ${i}\n` }),
    )
  })
})
