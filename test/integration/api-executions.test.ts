// The Tako VM-compatible API, `GET /executions` (search, filters, paging), `GET /executions/{id}`
// and `DELETE`. Against the real daemon with production flags: field names, status codes and error
// messages as Tako VM sends them (see docs/api.md); every answer is checked for CORS and security
// headers.
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { py } from './execute'
import {
  call,
  expectDetail,
  FULL_ONLY_FIELDS,
  SLIM_FIELDS,
  submit,
  type Body,
  useApiServer,
  validationDetail,
  waitResult,
} from './api'

const api = useApiServer(32)

describe('GET/DELETE /executions', () => {
  const marker = `marker_${randomUUID().replace(/-/g, '')}`
  const ids: Record<string, string> = {}
  const finalStatus: Record<string, string> = {}

  beforeAll(async () => {
    ids.ok1 = await submit(api.srv.url, { code: py(`# ${marker}`, 'print(1)') })
    ids.ok2 = await submit(api.srv.url, { code: py(`# ${marker}`, 'print(2)') })
    ids.bad = await submit(api.srv.url, { code: py(`# ${marker}`, 'raise ValueError(3)') })
    // Another job type: it succeeds if its image is built (other suites may build it meanwhile),
    // else fails as image_missing; either way it is recorded under its job_type.
    ids.dp = await submit(api.srv.url, {
      code: py(`# ${marker}`, 'print(4)'),
      job_type: 'data-processing',
    })
    for (const [name, id] of Object.entries(ids))
      finalStatus[name] = (await waitResult(api.srv.url, id)).status as string
    expect(finalStatus).toMatchObject({ ok1: 'succeeded', ok2: 'succeeded', bad: 'failed' })
  })

  async function list(query: string): Promise<Body> {
    const res = await call(api.srv.url, `/executions?${query}`)
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
    validationDetail(await call(api.srv.url, '/executions?status=finished'))
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
    const detail = validationDetail(await call(api.srv.url, `/executions?${q}`))
    expect(detail[0].loc).toEqual(['query', q.split('=')[0]])
  })

  it('GET /executions/{id} is the record; view=full adds the audit fields', async () => {
    const slim = await call(api.srv.url, `/executions/${ids.ok1}`)
    expect(slim.status).toBe(200)
    expect(slim.body).toMatchObject({ execution_id: ids.ok1, status: 'succeeded', stdout: '1\n' })
    for (const f of SLIM_FIELDS) expect(slim.body, f).toHaveProperty(f)
    expect(slim.body).not.toHaveProperty('code_hash')
    const full = await call(api.srv.url, `/executions/${ids.ok1}?view=full`)
    expect(full.status).toBe(200)
    for (const f of [...SLIM_FIELDS, ...FULL_ONLY_FIELDS]) expect(full.body, f).toHaveProperty(f)
    expectDetail(await call(api.srv.url, `/executions/${randomUUID()}`), 404, 'Execution not found')
  })

  it('DELETE removes the run folder; the run is then 404 everywhere', async () => {
    const id = ids.ok2
    const dir = path.join(api.srv.dataDir, 'runs', id)
    expect(fs.existsSync(dir)).toBe(true)
    const res = await call(api.srv.url, `/executions/${id}`, { method: 'DELETE' })
    expect(res.status).toBe(200)
    expect(fs.existsSync(dir)).toBe(false)
    expectDetail(await call(api.srv.url, `/executions/${id}`), 404, 'Execution not found')
    expectDetail(await call(api.srv.url, `/jobs/${id}`), 404, 'Job not found')
    expectDetail(
      await call(api.srv.url, `/executions/${id}`, { method: 'DELETE' }),
      404,
      'Execution not found',
    )
    expect(itemIds(await list(`q=${marker}`))).not.toContain(id)
  })
})
