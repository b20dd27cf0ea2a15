// Exercise packs graded against the real daemon with the production hardening (pool on, and off
// with TAKO_POOL=0): the bundled example pack imported as the app's Examples menu does, then a
// correct, a partly correct and a crashing solution graded to exact scores, each test reported as
// it finishes; a cancel mid-way; results.json in Gradescope's form; hidden tests neutral for the
// student; the same exercise over HTTP (import, view, submit, poll, CSV).
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GradingResults } from '../../src/shared/exercise'
import { createHandlers, type Handlers } from '../../src/main/app/handlers'
import { HIDDEN_FAILED, HIDDEN_PASSED } from '../../src/main/jobs/grading-results'
import { examplePack, grade, SOLUTION, zipPack } from '../fixtures/exercise-pack'
import { py } from './execute'
import { expectNoContainersLeft, request, startInProcess, until } from './helpers'

type Server = Awaited<ReturnType<typeof startInProcess>>
let srv: Server
let handlers: Handlers

beforeAll(async () => {
  srv = await startInProcess()
  handlers = createHandlers(srv.core)
  await handlers['exercises:importExample']({ name: 'mean-of-list' })
})

afterAll(async () => {
  await srv.close()
  await expectNoContainersLeft()
})

const scores = (r: GradingResults | null): number[] => (r?.tests ?? []).map((t) => t.score)

/** Prints the mean and nothing else: no result.json, no table. */
const PARTLY = py(
  'import json',
  "numbers = json.load(open('/input/data.json'))['numbers']",
  "print('The mean is', sum(numbers) / len(numbers))",
)

/** The reference solution, but it divides by len - 1: a ZeroDivisionError on one number. */
const CRASHES_ON_ONE = SOLUTION.replace(
  'mean = sum(numbers) / len(numbers)',
  'spread = 1 / (len(numbers) - 1)\nmean = sum(numbers) / len(numbers)',
)

describe('grading the example pack', () => {
  it('shows the student the visible tests in full and the hidden ones by name and points', async () => {
    const d = await handlers['exercises:get']({ id: 'mean-of-list' })
    expect(d.maxScore).toBe(10)
    expect(d.instructions).toContain('# Average of a list')
    expect(d.starter).toContain("numbers = data['numbers']")
    expect(d.limits).toEqual({ timeoutS: 10, memoryMb: 256 })
    expect(d.tests).toEqual([
      expect.objectContaining({ name: 'prints the mean', visibility: 'visible', hasCheck: false }),
      { visibility: 'hidden', name: 'writes mean to result.json', points: 3 },
      expect.objectContaining({ name: 'writes a summary table', visibility: 'visible' }),
      { visibility: 'hidden', name: 'custom check', points: 4 },
    ])
    expect(JSON.stringify(d)).not.toContain('check_mean')
    expect(JSON.stringify(d)).not.toContain('[10,20]')
  })

  it('gives the reference solution full marks, reporting each test as it finishes', async () => {
    const g = await grade(srv.core, handlers, 'mean-of-list', SOLUTION)
    expect(g.done).toMatchObject({ status: 'done', score: 10, maxScore: 10 })
    expect(g.progress.map((p) => [p.index, p.done, p.total])).toEqual([
      [0, 1, 4],
      [1, 2, 4],
      [2, 3, 4],
      [3, 4, 4],
    ])
    expect(g.detail.status).toBe('done')
    expect(g.detail.score).toBe(10)
    expect(scores(g.detail.results)).toEqual([2, 3, 1, 4])
    const results = g.detail.results!
    // Gradescope's results.json: exactly these fields, at the top and per test.
    expect(Object.keys(results).sort()).toEqual(['execution_time', 'max_score', 'score', 'tests'])
    expect(results.execution_time).toBeGreaterThan(0)
    for (const t of results.tests) {
      expect(Object.keys(t).sort()).toEqual([
        'max_score',
        'name',
        'output',
        'score',
        'status',
        'visibility',
      ])
      expect(t.status).toBe('passed')
    }
    expect(results.tests[1].output).toBe(HIDDEN_PASSED)
    expect(results.tests[3].output).toBe(HIDDEN_PASSED)
    // The grading runs are not in the history.
    expect(srv.core.store.all()).toEqual([])
    // results.json is written beside the submission.
    const file = path.join(srv.dataDir, 'submissions', g.detail.id, 'results.json')
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(results)
  })

  it('scores a partly correct solution exactly (2 + 0 + 0 + half of 4)', async () => {
    const g = await grade(srv.core, handlers, 'mean-of-list', PARTLY)
    expect(g.detail.status).toBe('done')
    expect(scores(g.detail.results)).toEqual([2, 0, 0, 2])
    expect(g.detail.score).toBe(4)
    const [, hidden, table, check] = g.detail.results!.tests
    expect(hidden.output).toBe(HIDDEN_FAILED)
    expect(table.output).toBe(
      'Expected the file /output/summary.csv; the program did not write it.',
    )
    expect(check).toMatchObject({ status: 'failed', output: HIDDEN_FAILED, score: 2 })
  })

  it('a crash in one test hides none of the others', async () => {
    const g = await grade(srv.core, handlers, 'mean-of-list', CRASHES_ON_ONE)
    expect(scores(g.detail.results)).toEqual([2, 3, 1, 0])
    expect(g.detail.score).toBe(6)
    expect(g.detail.results!.tests[3].output).toBe(HIDDEN_FAILED)
  })

  it('tells a visible test what failed: the error, its line and the traceback', async () => {
    const g = await grade(srv.core, handlers, 'mean-of-list', py('x = 1', 'print(undefined_name)'))
    expect(g.detail.score).toBe(0)
    const first = g.detail.results!.tests[0]
    expect(first.status).toBe('failed')
    expect(first.output).toContain('Your program stopped with an error')
    expect(first.output).toContain('NameError')
    expect(first.output).toContain('(line 2)')
  })

  it('cancels a submission as a whole: the running test stops, the rest are skipped', async () => {
    const slow = py('import time', 'print("started", flush=True)', 'time.sleep(60)')
    const { grader } = srv.core.exercises
    const asked: { cancel?: Promise<{ cancelled: boolean }> } = {}
    const g = await grade(srv.core, handlers, 'mean-of-list', slow, (id) => {
      asked.cancel = until(async () => grader.runOf(id) ?? undefined, 'the first test run').then(
        () => handlers['exercises:cancel']({ id }),
      )
    })
    expect(await asked.cancel).toEqual({ cancelled: true })
    expect(g.done).toMatchObject({ status: 'cancelled', score: null })
    expect(g.detail.results).toBeNull()
    expect(g.detail.tests.map((t) => [t.score, t.status])).toEqual([
      [0, 'failed'],
      [0, 'failed'],
      [0, 'failed'],
      [0, 'failed'],
    ])
    expect(g.detail.tests[0].output).toBe('Not run: the submission was cancelled.')
    expect(await handlers['exercises:cancel']({ id: g.detail.id })).toEqual({ cancelled: false })
  })
})

describe('the exercise API over HTTP', () => {
  it('imports a zipped pack, shows it, grades a submission and lists the scores as CSV', async () => {
    const zip = zipPack(
      examplePack((spec) => {
        spec.id = 'mean-http'
        spec.tests = (spec.tests as unknown[]).slice(0, 3)
      }),
    )
    const imported = await request(`${srv.url}/exercises`, {
      method: 'POST',
      headers: { 'content-type': 'application/zip' },
      body: zip,
    })
    expect(imported.status, JSON.stringify(imported.body)).toBe(201)
    expect(imported.body).toMatchObject({ id: 'mean-http', max_score: 6, test_count: 3 })
    const list = await request<{ exercises: { id: string }[] }>(`${srv.url}/exercises`)
    expect(list.body.exercises.map((e) => e.id)).toContain('mean-http')
    const view = await request<Record<string, unknown>>(`${srv.url}/exercises/mean-http`)
    expect(view.status).toBe(200)
    expect(view.body.tests).toEqual([
      expect.objectContaining({ name: 'prints the mean', has_check: false }),
      { visibility: 'hidden', name: 'writes mean to result.json', points: 3 },
      expect.objectContaining({ name: 'writes a summary table' }),
    ])
    const sub = await request<{ submission_id: string }>(`${srv.url}/exercises/mean-http/submit`, {
      method: 'POST',
      json: { code: PARTLY },
    })
    expect(sub.status).toBe(202)
    const id = sub.body.submission_id
    const final = await until(async () => {
      const r = await request<{ status: string; results: GradingResults | null }>(
        `${srv.url}/submissions/${id}`,
      )
      return r.body.status === 'done' ? r.body : undefined
    }, 'the graded submission')
    expect(scores(final.results)).toEqual([2, 0, 0])
    expect(final.results!.tests[1].output).toBe(HIDDEN_FAILED)
    const csv = await fetch(`${srv.url}/exercises/mean-http/submissions.csv`)
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    const lines = (await csv.text()).trim().split(/\r?\n/)
    expect(lines[0]).toBe(
      'time,submission_id,status,score,max_score,prints the mean,writes mean to result.json,writes a summary table',
    )
    expect(lines.length).toBe(2)
    expect(lines[1]).toMatch(new RegExp(`^[^,]+,${id},done,2,6,2,0,0$`))
    const refused = await request(`${srv.url}/exercises/mean-http/submit`, {
      method: 'POST',
      json: { code: PARTLY, extra: 1 },
    })
    expect(refused.status).toBe(422)
    const deleted = await request(`${srv.url}/exercises/mean-http`, { method: 'DELETE' })
    expect(deleted.status).toBe(200)
    expect((await request(`${srv.url}/submissions/${id}`)).status).toBe(404)
    expect((await request(`${srv.url}/exercises/mean-http`)).status).toBe(404)
  })
})
