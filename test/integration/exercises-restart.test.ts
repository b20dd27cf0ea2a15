// Submissions across a killed server (see docs/exercise-pack.md, 'Grading'): a server started as
// the README says grades one submission and is killed with SIGKILL while grading a second; the next
// start on the same data folder still has the exercise and the finished submission with its
// results, and shows the interrupted one as failed with the reason. No container is left.
import { afterAll, expect, it } from 'vitest'
import type { SubmissionDetail } from '../../src/shared/exercise'
import { createHandlers } from '../../src/main/app/handlers'
import { INTERRUPTED_MESSAGE } from '../../src/main/store/exercise-store'
import { examplePack, SOLUTION, zipPack } from '../fixtures/exercise-pack'
import { py } from './execute'
import {
  expectNoContainersLeft,
  request,
  startInProcess,
  startServeProcess,
  tempDir,
  until,
  type ServeProcess,
} from './helpers'

let server: ServeProcess | null = null

afterAll(async () => {
  await server?.kill('SIGKILL')
  await expectNoContainersLeft()
})

type Sub = { status: string; score: number | null }

it('keeps finished submissions and fails the one a killed server was grading', async () => {
  const dataDir = tempDir()
  server = await startServeProcess(dataDir, { TAKO_POOL: '0' })
  const url = server.url
  const zip = zipPack(
    examplePack((spec) => {
      spec.tests = (spec.tests as unknown[]).slice(0, 1)
    }),
  )
  const imported = await request(`${url}/exercises`, {
    method: 'POST',
    headers: { 'content-type': 'application/zip' },
    body: new Uint8Array(zip),
  })
  expect(imported.status).toBe(201)
  const submit = async (code: string): Promise<string> => {
    const r = await request<{ submission_id: string }>(`${url}/exercises/mean-of-list/submit`, {
      method: 'POST',
      json: { code },
    })
    expect(r.status).toBe(202)
    return r.body.submission_id
  }
  const status = async (id: string): Promise<Sub> =>
    (await request<Sub>(`${url}/submissions/${id}`)).body
  const done = await submit(SOLUTION)
  await until(async () => ((await status(done)).status === 'done' ? true : undefined), 'grading')
  const cut = await submit(py('import time', 'time.sleep(120)'))
  await until(async () => ((await status(cut)).status === 'running' ? true : undefined), 'running')
  await server.kill('SIGKILL')
  server = null

  await using next = await startInProcess({ dataDir, pool: { enabled: false } })
  const handlers = createHandlers(next.core)
  expect((await handlers['exercises:list']({})).map((e) => e.id)).toEqual(['mean-of-list'])
  const finished: SubmissionDetail = await handlers['exercises:submission']({ id: done })
  expect(finished).toMatchObject({ status: 'done', score: 2, maxScore: 2, error: null })
  expect(finished.results?.tests.map((t) => t.status)).toEqual(['passed'])
  const interrupted = await handlers['exercises:submission']({ id: cut })
  expect(interrupted).toMatchObject({ status: 'failed', score: null, error: INTERRUPTED_MESSAGE })
  expect(interrupted.code).toContain('time.sleep(120)')
  const listed = await handlers['exercises:submissions']({ exerciseId: 'mean-of-list' })
  expect(listed.map((s) => [s.id, s.status])).toEqual([
    [cut, 'failed'],
    [done, 'done'],
  ])
})
