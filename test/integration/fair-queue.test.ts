// Fair queueing against the real daemon: a run started in the app (source 'app', through the
// app's handlers as the Run button calls them) is never held behind a flood of API jobs, and the
// API's own queue limit still answers 503 QueueFull while the app's run goes through. Searching
// the history through the app's handlers and GET /executions finds ids, error types and stdout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHandlers } from '../../src/main/app/handlers'
import { call, expectDetail, pollStatus, SLEEPER, submit } from './api'
import { expectNoContainersLeft, startInProcess } from './helpers'

let srv: Awaited<ReturnType<typeof startInProcess>> | undefined
beforeAll(async () => {
  srv = await startInProcess({ workers: 1, maxQueue: 2 })
})
afterAll(async () => {
  await srv?.close()
  await expectNoContainersLeft()
})

describe('fair queueing', () => {
  it('an app run starts and ends while the full API queue waits; the API limit still holds', async () => {
    const { core, url } = srv!
    const handlers = createHandlers(core)
    // One API job on the only shared worker, and the API queue full behind it.
    const blocker = await submit(url, SLEEPER)
    await pollStatus(url, blocker, 'running')
    const queued = [await submit(url, SLEEPER), await submit(url, SLEEPER)]
    expectDetail(
      await call(url, '/execute/async', { method: 'POST', json: { code: 'print(1)' } }),
      503,
      'Job queue is full, try again later',
    )

    const app = await handlers['runs:start']({
      code: 'print("from the app")',
      input: {},
      environment: 'default',
    })
    expect(app.source).toBe('app')
    const done = await core.jobs.wait(app.id)
    expect(done?.status).toBe('succeeded')
    expect(core.store.readText(app.id, 'stdout.txt')).toBe('from the app\n')

    // The API jobs queued before it have not started; the blocker still runs.
    for (const id of queued) {
      expect(core.store.get(id)).toMatchObject({ status: 'queued', startedAt: null })
      expect(core.jobs.statusOf(id)?.status).toBe('pending')
    }
    expect(core.store.get(blocker)?.status).toBe('running')
    // Still full for the API.
    expectDetail(
      await call(url, '/execute/async', { method: 'POST', json: { code: 'print(2)' } }),
      503,
      'Job queue is full, try again later',
    )
    for (const id of [...queued, blocker]) core.jobs.cancel(id)
    for (const id of [...queued, blocker])
      expect((await core.jobs.wait(id))?.status).toBe('cancelled')
  }, 180_000)

  it('history search finds run ids, error types and stdout text, over the handlers and GET /executions', async () => {
    const { core, url } = srv!
    const handlers = createHandlers(core)
    const token = `tok${Date.now().toString(36)}`
    const printed = await handlers['runs:start']({
      code: `print("needle-" + "${token}")`,
      input: {},
      environment: 'default',
    })
    const failed = await handlers['runs:start']({
      code: 'raise ValueError("boom")',
      input: {},
      environment: 'default',
    })
    expect((await core.jobs.wait(printed.id))?.status).toBe('succeeded')
    expect((await core.jobs.wait(failed.id))?.status).toBe('failed')
    const ids = async (args: { q: string; sort?: 'oldest' }): Promise<string[]> =>
      (await handlers['history:list']({ ...args, limit: 100, offset: 0 })).items.map((r) => r.id)

    // The code holds "needle-" and the token apart: only stdout holds them together.
    expect(await ids({ q: `NEEDLE-${token}` })).toEqual([printed.id])
    expect(await ids({ q: 'value_error' })).toContain(failed.id)
    expect(await ids({ q: 'value_error' })).not.toContain(printed.id)
    expect(await ids({ q: printed.id.slice(0, 13) })).toEqual([printed.id])
    const both = await ids({ q: 'print(' })
    expect(both.indexOf(printed.id)).toBeGreaterThanOrEqual(0)
    expect(await ids({ q: 'print(', sort: 'oldest' })).toEqual([...both].reverse())

    const res = await call(url, `/executions?q=needle-${token}`)
    expect(res.status).toBe(200)
    expect(res.body.total).toBe(1)
    expect((res.body.items as Array<{ execution_id: string }>)[0]?.execution_id).toBe(printed.id)
    const sorted = await call(url, '/executions?sort=oldest&limit=1000')
    const newest = await call(url, '/executions?limit=1000')
    const jobIds = (b: Record<string, unknown>): string[] =>
      (b.items as Array<{ execution_id: string }>).map((i) => i.execution_id)
    expect(jobIds(sorted.body)).toEqual(jobIds(newest.body).reverse())
    const bad = await call(url, '/executions?sort=sideways')
    expect(bad.status).toBe(422)
  }, 120_000)
})
