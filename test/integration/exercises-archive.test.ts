// A pack with a check, graded where the daemon gets files copied (archive transfer, as on a remote
// host): the check's /submission and /fixtures are host folders that daemon cannot see, so the
// submission fails with that reason instead of running the check blind (see docs/exercise-pack.md,
// 'Honest limits'). The student's runs before it are graded as usual.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHandlers, type Handlers } from '../../src/main/app/handlers'
import { grade, SOLUTION } from '../fixtures/exercise-pack'
import { expectNoContainersLeft, startInProcess } from './helpers'

type Server = Awaited<ReturnType<typeof startInProcess>>
let srv: Server
let handlers: Handlers
const before = process.env.TAKO_TRANSFER

beforeAll(async () => {
  process.env.TAKO_TRANSFER = 'archive'
  srv = await startInProcess({ pool: { enabled: false } })
  handlers = createHandlers(srv.core)
  await handlers['exercises:importExample']({ name: 'mean-of-list' })
})

afterAll(async () => {
  if (before === undefined) delete process.env.TAKO_TRANSFER
  else process.env.TAKO_TRANSFER = before
  await srv.close()
  await expectNoContainersLeft()
})

describe('a pack with a check on a daemon that gets files copied', () => {
  it('fails the submission at the check, saying why, after grading the tests before it', async () => {
    const g = await grade(srv.core, handlers, 'mean-of-list', SOLUTION)
    expect(g.done.status).toBe('failed')
    expect(g.detail.error).toMatch(/needs Docker on this computer/)
    // The three tests before the check ran in archive mode and passed.
    expect(g.progress.slice(0, 3).map((p) => p.test.status)).toEqual(['passed', 'passed', 'passed'])
  }, 120_000)
})
