// A server killed with SIGKILL mid-run, started again on the same data folder, shows that run as
// failed/interrupted with what it had written so far, and its container is gone (the reaper).
import { afterAll, describe, expect, it } from 'vitest'
import { LABEL_APP } from '../../src/main/engine/container-spec'
import { DockerContainerClient } from '../../src/main/engine/docker-client'
import { ourContainers, request, startServeProcess, tempDir, type ServeProcess } from './helpers'

const servers: ServeProcess[] = []

afterAll(async () => {
  for (const s of servers) await s.kill('SIGKILL')
  expect(await ourContainers()).toEqual([])
})

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('kill -9 and restart', () => {
  it('reconciles the interrupted run, keeps its partial output files and reaps its container', async () => {
    const dataDir = tempDir()
    const client = new DockerContainerClient()
    const before = new Set((await client.listByLabel(LABEL_APP)).map((c) => c.id))
    const first = await startServeProcess(dataDir)
    servers.push(first)
    const code = [
      'open("/output/partial.txt", "w").write("written before the crash")',
      'print("started", flush=True)',
      'import time',
      'time.sleep(120)',
    ].join('\n')
    const submitted = await request<{ job_id: string }>(`${first.url}/execute/async`, {
      method: 'POST',
      json: { code, timeout: 200 },
    })
    expect(submitted.status).toBe(200)
    const id = submitted.body.job_id
    // Running, and its container exists.
    await waitFor(async () => {
      const st = await request<{ status: string }>(`${first.url}/jobs/${id}`)
      return st.body.status === 'running' ? true : undefined
    }, 30_000)
    // The first server's containers: the run's (cold, or a warm one the run was handed) and any
    // warm containers it keeps.
    const ofFirst = async (): Promise<string[]> =>
      (await client.listByLabel(LABEL_APP)).map((c) => c.id).filter((c) => !before.has(c))
    const containers = await waitFor(async () => {
      const list = await ofFirst()
      return list.length > 0 ? list : undefined
    }, 10_000)
    expect(containers.length).toBeGreaterThanOrEqual(1)
    // Let the script write its file, then kill the whole server process group without warning.
    await new Promise((r) => setTimeout(r, 1500))
    const orphans = await ofFirst()
    await first.kill('SIGKILL')

    // Its containers outlive it …
    const alive = new Set((await client.listByLabel(LABEL_APP)).map((c) => c.id))
    expect(orphans.every((c) => alive.has(c))).toBe(true)

    const second = await startServeProcess(dataDir)
    servers.push(second)
    // … and the next start removes them and reconciles the record.
    const after = new Set((await client.listByLabel(LABEL_APP)).map((c) => c.id))
    expect(orphans.filter((c) => after.has(c))).toEqual([])
    const status = await request<{ status: string; error: { type: string } }>(
      `${second.url}/jobs/${id}`,
    )
    expect(status.status).toBe(200)
    expect(status.body.status).toBe('failed')
    expect(status.body.error.type).toBe('interrupted')
    const result = await request<{
      status: string
      error: { type: string; message: string }
      artifacts: { name: string; size_bytes: number }[]
    }>(`${second.url}/jobs/${id}/result?view=full`)
    expect(result.body.error).toMatchObject({ type: 'interrupted' })
    expect(result.body.error.message).toMatch(/interrupted/)
    expect(result.body.artifacts).toEqual([
      expect.objectContaining({
        name: 'partial.txt',
        size_bytes: 'written before the crash'.length,
      }),
    ])
    const file = await fetch(`${second.url}/jobs/${id}/artifacts/partial.txt`)
    expect(await file.text()).toBe('written before the crash')
    // The restarted server runs new work normally.
    const again = await request<{ status: string; stdout: string }>(`${second.url}/execute`, {
      method: 'POST',
      json: { code: 'print("after restart")' },
    })
    expect(again.body.status).toBe('succeeded')
    expect(again.body.stdout).toBe('after restart\n')
    await second.kill('SIGTERM')
  }, 120_000)
})
