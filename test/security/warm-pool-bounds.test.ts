// The warm pool stays bounded whatever limits runs ask for: rare limits run cold and never leave
// warm containers behind; a key is warmed only once asked for twice; the total stays under the bound.
import { describe, expect, it } from 'vitest'

import { LABEL_ROLE, LABEL_SESSION } from '../../src/main/engine/container-spec'
import { DockerContainerClient } from '../../src/main/engine/docker-client'
import { py, run, sleep, warmContainerOf, securitySuite } from './harness'

/** TAKO_POOL_MAX's default, which this suite runs with. */
const BOUND = 4

const suite = securitySuite({ pool: true })

/** Waits until no warm-up is in flight, then counts this session's warm containers in Docker. */
async function settledPoolContainers(): Promise<number> {
  const pool = suite.ctx.srv.core.engine.pool!
  while (pool.stats().starting > 0) await sleep(100)
  await suite.ctx.srv.core.engine.drain()
  const list = await new DockerContainerClient().listByLabel(
    `${LABEL_SESSION}=${suite.ctx.srv.core.sessionId}`,
  )
  return list.filter((c) => c.labels[LABEL_ROLE] === 'pool').length
}

describe('warm pool bounds', () => {
  it('8 runs with distinct memory limits all succeed and leave at most the bound of warm containers', async () => {
    for (let i = 0; i < 8; i++) {
      const r = await run(suite.ctx, { code: py('print("ok")'), memory_mb: 200 + i * 8 })
      expect(r.status, r.stderr).toBe('succeeded')
      expect(
        warmContainerOf(suite.ctx, r.execution_id),
        'a key asked for once runs cold',
      ).toBeNull()
    }
    expect(await settledPoolContainers()).toBeLessThanOrEqual(BOUND)
  })

  it('a key asked for twice is warmed, and the total stays within the bound', async () => {
    const body = { code: py('print("ok")'), memory_mb: 300 }
    for (let i = 0; i < 2; i++) expect((await run(suite.ctx, body)).status).toBe('succeeded')
    expect(await settledPoolContainers()).toBeLessThanOrEqual(BOUND)
    const third = await run(suite.ctx, body)
    expect(third.status, third.stderr).toBe('succeeded')
    expect(warmContainerOf(suite.ctx, third.execution_id), 'the third run went warm').not.toBeNull()
    expect(await settledPoolContainers()).toBeLessThanOrEqual(BOUND)
  })
})
