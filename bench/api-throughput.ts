// Throughput of the API: N hello-world jobs submitted at once to POST /execute/async and awaited,
// reported as runs/s next to the engine's sequential cold rate measured in the same process.
// Usage: npm run bench:api-throughput [-- <jobs>]
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createCore } from '../src/main/app/core'
import { DEFAULT_LIMITS } from '../src/main/engine/limits'
import { imageRef } from '../src/main/environments/catalogue'
import { startServer } from '../src/main/server/server'
import { percentile } from './stats'

const jobs = Number(process.argv[2] ?? 24)

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return (await res.json()) as Record<string, unknown>
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-bench-api-'))
  // Pool off: this compares the queue against the engine's cold path (bench:warm-pool covers the pool).
  const core = createCore({ dataDir, maxQueue: Math.max(100, jobs), pool: { enabled: false } })
  await core.startup()
  const server = await startServer({ core, port: 0 })
  const image = imageRef('default')

  // Baseline: the engine alone, one cold run after another.
  const cold: number[] = []
  for (let i = 0; i < Math.min(jobs, 12); i++) {
    const t = performance.now()
    const r = await core.engine.run({
      runId: `bench-cold-${i}`,
      code: "print('hi')",
      inputData: {},
      environment: 'default',
      image,
      limits: DEFAULT_LIMITS,
      runDir: path.join(dataDir, 'cold', String(i)),
    })
    if (r.status !== 'succeeded') throw new Error(`cold run failed: ${JSON.stringify(r.error)}`)
    cold.push(performance.now() - t)
  }
  const coldRate = 1000 / (cold.reduce((a, b) => a + b, 0) / cold.length)

  const t0 = performance.now()
  const ids: string[] = []
  for (let i = 0; i < jobs; i++) {
    const r = await post(`${server.url}/execute/async`, { code: `print('hi ${i}')` })
    ids.push(String(r.job_id))
  }
  const results = await Promise.all(
    ids.map(async (id) => {
      const res = await fetch(`${server.url}/jobs/${id}/result?wait=true&timeout=300`)
      return (await res.json()) as { status: string }
    }),
  )
  const seconds = (performance.now() - t0) / 1000
  const failed = results.filter((r) => r.status !== 'succeeded').length
  if (failed) throw new Error(`${failed} of ${jobs} jobs did not succeed`)
  const apiRate = jobs / seconds
  console.log(
    `engine cold, sequential     n=${cold.length}  p50=${percentile(cold, 50).toFixed(1)} ms  rate=${coldRate.toFixed(2)} runs/s`,
  )
  console.log(
    `API /execute/async, ${core.jobs.workers} workers n=${jobs}  total=${seconds.toFixed(2)} s  rate=${apiRate.toFixed(2)} runs/s`,
  )
  console.log(`ratio API/cold: ${(apiRate / coldRate).toFixed(2)}`)
  await core.shutdown()
  await server.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
