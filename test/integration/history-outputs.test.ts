// Outputs stay out of memory and out of list views: 36 runs each with a 16 MiB result.json (the
// ceiling) used to make `GET /executions` fail with 500 (every output was held in the index and
// put in the list). Now the list answers, the server's heap stays bounded, and one run's detail —
// over the API and the app's RPC — still has its output. An older run folder, whose run.json holds
// the output inline, still loads.
import fs from 'node:fs'
import path from 'node:path'
import v8 from 'node:v8'
import vm from 'node:vm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runRecord } from '../fixtures/run-record'
import { expectNoContainersLeft, request, startInProcess, tempDir } from './helpers'

const MiB = 1024 * 1024
const RUNS = 36
const LEGACY_ID = 'legacy-run-1'
const LEGACY_OUTPUT = '{"from": "an older version", "exact": 1.50}'

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void

function heapUsed(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

/** A run folder as an older version wrote it: the output inside run.json. */
function plantLegacyRun(dataDir: string): void {
  const dir = path.join(dataDir, 'runs', LEGACY_ID)
  fs.mkdirSync(dir, { recursive: true })
  const now = new Date(Date.now() - 60_000).toISOString()
  fs.writeFileSync(
    path.join(dir, 'run.json'),
    JSON.stringify({
      ...runRecord(LEGACY_ID, {
        status: 'succeeded',
        image: 'tako-vm/default:old',
        createdAt: now,
        startedAt: now,
        endedAt: now,
        durationMs: 5,
        exitCode: 0,
        codePreview: 'print(1)',
        stdoutBytes: 2,
      }),
      outputJson: LEGACY_OUTPUT,
    }),
  )
  fs.writeFileSync(path.join(dir, 'stdout.txt'), '1\n')
}

let srv: Awaited<ReturnType<typeof startInProcess>>
let dataDir: string

beforeAll(async () => {
  dataDir = tempDir()
  plantLegacyRun(dataDir)
  srv = await startInProcess({ dataDir, workers: 2, maxQueue: RUNS + 4 })
})

afterAll(async () => {
  await srv?.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
  await expectNoContainersLeft()
})

describe('outputs out of memory and out of list views', () => {
  it('36 runs with a 16 MiB result.json: the list answers 200 without outputs, the heap stays bounded, the detail has the output', async () => {
    const baseline = heapUsed()
    // Just under the 16 MiB ceiling, distinct per run.
    const code = [
      'import json',
      `blob = "x" * (${16 * MiB} - 200)`,
      'json.dump({"blob": blob}, open("/output/result.json", "w"))',
      'print("ok")',
    ].join('\n')
    const ids: string[] = []
    for (let i = 0; i < RUNS; i++) {
      const res = await request<{ job_id: string }>(`${srv.url}/execute/async`, {
        method: 'POST',
        json: { code, timeout: 120 },
      })
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      ids.push(res.body.job_id)
    }
    for (const id of ids) {
      const done = await srv.core.jobs.wait(id)
      expect(done?.status, JSON.stringify(done?.error)).toBe('succeeded')
    }

    const list = await request<{ items: Record<string, unknown>[]; total: number }>(
      `${srv.url}/executions?limit=1000`,
    )
    expect(list.status).toBe(200)
    expect(list.body.items).toHaveLength(RUNS + 1)
    for (const item of list.body.items) expect(item).not.toHaveProperty('output')
    const full = await request<{ items: Record<string, unknown>[] }>(
      `${srv.url}/executions?limit=1000&view=full`,
    )
    expect(full.status).toBe(200)
    for (const item of full.body.items) {
      expect(item).not.toHaveProperty('output')
      expect(item).not.toHaveProperty('stdout')
      expect(item).not.toHaveProperty('stderr')
      expect(item).toHaveProperty('artifacts')
    }
    const appList = await request<{ ok: boolean; value: { items: unknown[] } }>(
      `${srv.url}/api/rpc/history:list`,
      { method: 'POST', json: { limit: 200, offset: 0 } },
    )
    expect(appList.body.ok).toBe(true)
    expect(JSON.stringify(appList.body.value.items).length).toBeLessThan(MiB)

    // 36 outputs held in memory would be 576 MiB; a generous bound well below that.
    const growth = heapUsed() - baseline
    expect(growth).toBeLessThan(160 * MiB)

    const detail = await request<{ output: { blob: string } }>(`${srv.url}/executions/${ids[0]}`)
    expect(detail.status).toBe(200)
    expect(detail.body.output.blob.length).toBe(16 * MiB - 200)
    const result = await request<{ output: { blob: string } }>(`${srv.url}/jobs/${ids[1]}/result`)
    expect(result.body.output.blob.length).toBe(16 * MiB - 200)
    const app = await request<{ ok: boolean; value: { outputJson: string } }>(
      `${srv.url}/api/rpc/runs:get`,
      { method: 'POST', json: { id: ids[2] } },
    )
    expect(app.body.ok).toBe(true)
    expect(app.body.value.outputJson.length).toBeGreaterThan(16 * MiB - 200)
  }, 600_000)

  it('loads an older run folder whose run.json holds the output inline', async () => {
    const detail = await request<{ status: string; stdout: string; output: unknown }>(
      `${srv.url}/executions/${LEGACY_ID}`,
    )
    expect(detail.status).toBe(200)
    expect(detail.body).toMatchObject({ status: 'succeeded', stdout: '1\n' })
    expect(detail.body.output).toEqual({ from: 'an older version', exact: 1.5 })
    const raw = await fetch(`${srv.url}/executions/${LEGACY_ID}`).then((r) => r.text())
    // The exact number form is kept.
    expect(raw).toContain('"exact": 1.50')
    const app = await request<{ ok: boolean; value: { outputJson: string } }>(
      `${srv.url}/api/rpc/runs:get`,
      { method: 'POST', json: { id: LEGACY_ID } },
    )
    expect(app.body.value.outputJson).toBe(LEGACY_OUTPUT)
  })
})
