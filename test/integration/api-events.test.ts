// The Tako VM-compatible API, `GET /jobs/{id}/events`: the live server-sent event stream of a job
// and its replay. Against the real daemon with production flags: field names, status codes and
// error messages as Tako VM sends them (see docs/api.md); every answer is checked for CORS and
// security headers.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { py } from './execute'
import { sseStatuses, sseText } from './http'
import { call, expectDetail, openEvents, submit, useApiServer, waitResult } from './api'

const api = useApiServer(7)

describe('GET /jobs/{id}/events (server-sent events)', () => {
  it('streams stdout/stderr chunks and status changes; a late subscriber gets everything', async () => {
    const id = await submit(api.srv.url, {
      code: py(
        'import sys, time',
        'for i in range(5):',
        '    print(f"early {i}", flush=True)',
        'print("a warning", file=sys.stderr, flush=True)',
        'time.sleep(1.5)',
        'print("late", flush=True)',
      ),
    })
    const early = await openEvents(api.srv.url, id)
    const first = await early.until((_e, so) => sseText(so, 'stdout').includes('early 4\n'))
    // The job has printed its first lines: now a second subscriber connects.
    const late = await openEvents(api.srv.url, id)
    const a = [...first, ...(await early.rest())]
    const b = await late.rest()
    const expected = 'early 0\nearly 1\nearly 2\nearly 3\nearly 4\nlate\n'
    for (const [events, reader] of [
      [a, early],
      [b, late],
    ] as const) {
      expect(reader.ended).toBe(true)
      expect(sseText(events, 'stdout')).toBe(expected)
      expect(sseText(events, 'stderr')).toBe('a warning\n')
      const st = sseStatuses(events)
      expect(st).toContain('running')
      expect(st.at(-1)).toBe('succeeded')
      expect(events.at(-1)!.event).toBe('status')
      for (const e of events) expect(e.data.job_id).toBe(id)
      const ids = events.map((e) => e.id!)
      expect(ids).toEqual([...ids].sort((x, y) => x - y))
    }
    // The late subscriber's replay starts at the beginning: queued, then running.
    expect(sseStatuses(b).slice(0, 2)).toEqual(['queued', 'running'])
    expect(b.findIndex((e) => e.event === 'stdout')).toBeGreaterThan(
      b.findIndex((e) => e.data.status === 'running'),
    )
  })

  it('a finished job replays its output and final status, then the stream ends', async () => {
    const id = await submit(api.srv.url, { code: py('import sys', 'print("out")', 'sys.exit(3)') })
    await waitResult(api.srv.url, id)
    const reader = await openEvents(api.srv.url, id)
    const events = await reader.rest()
    expect(reader.ended).toBe(true)
    expect(sseText(events, 'stdout')).toBe('out\n')
    expect(sseStatuses(events)).toEqual(['queued', 'running', 'failed'])
  })

  it('an unknown job is 404', async () => {
    expectDetail(await call(api.srv.url, `/jobs/${randomUUID()}/events`), 404, 'Job not found')
  })
})
