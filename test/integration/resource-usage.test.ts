// What a run used (docs/run-contract.md, 'Resource use'), against the real daemon with the
// production flags. Run with the pool on (default) and off (TAKO_POOL=0): with the pool on every
// run here is checked to have been handed to a warm container, with it off to have run cold.
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { poolFromEnv } from '../../src/main/app/core'
import { createHandlers } from '../../src/main/app/handlers'
import { defaultLimitsFor } from '../../src/main/app/run-request'
import { DockerContainerClient } from '../../src/main/engine/docker-client'
import { CGROUP_BASE, PARENT_PREFIX } from '../../src/main/engine/resource-usage'
import { PREIMPORTS } from '../../src/main/engine/supervisor'
import { imageRef } from '../../src/main/environments/catalogue'
import type { ResourceUsage } from '../../src/shared/run'
import { MiB } from '../../src/shared/units'
import { execute, py, expectNoSessionContainersLeft, type ExecuteBody } from './execute'
import { startInProcess } from './helpers'

const POOL = poolFromEnv().enabled
type Server = Awaited<ReturnType<typeof startInProcess>>
let srv: Server
const dispatched = new Set<string>()

interface Usage {
  max_rss_mb: number | null
  cpu_time_ms: number | null
  wall_time_ms: number | null
  peak_pids: number | null
  output_bytes: number | null
  warm_baseline_mb: number | null
}

beforeAll(async () => {
  srv = await startInProcess({
    log: (event, fields) => {
      if (event === 'pool-dispatch') dispatched.add(fields.runId as string)
    },
  })
  if (POOL) {
    const limits64 = { ...defaultLimitsFor('default'), memoryBytes: 64 * MiB }
    srv.core.engine.pool!.prewarm(imageRef('default'), limits64, [])
  }
})

const DOCKER_CGROUPS = `/sys/fs/cgroup/memory/${CGROUP_BASE}`
/** As root on a cgroupfs host each container gets a cgroup parent (see resource-usage.ts). */
const PARENTS = process.getuid?.() === 0 && fs.existsSync('/sys/fs/cgroup/memory/memory.stat')
/** This process's cgroup parents that still exist. */
const ourParents = (): string[] =>
  fs.readdirSync(DOCKER_CGROUPS).filter((n) => n.startsWith(`${PARENT_PREFIX}${process.pid}-`))

afterAll(async () => {
  await srv.close()
  await expectNoSessionContainersLeft(srv.core.sessionId)
  if (!PARENTS) return
  // Every run's and warm container's cgroup parent is removed once its container is gone.
  const deadline = Date.now() + 20_000
  while (ourParents().length > 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 250))
  expect(ourParents()).toEqual([])
})

/** Waits until the pool has no warm-up in flight, so the next run finds a ready container. */
async function poolSettled(): Promise<void> {
  const pool = srv.core.engine.pool
  if (!pool) return
  const deadline = Date.now() + 120_000
  while ((pool.stats().starting > 0 || pool.stats().ready === 0) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100))
}

/**
 * Runs through `POST /execute`, checks warm/cold as the pool setting says and that the app's
 * `runs:get` (what IPC carries) reports the same use as the API; returns both.
 */
async function run(
  body: Record<string, unknown>,
): Promise<{ r: ExecuteBody; u: Usage; detail: ResourceUsage }> {
  await poolSettled()
  const r = await execute(srv.url, body)
  expect(dispatched.has(r.execution_id), 'handed to a warm container').toBe(POOL)
  const u = r.resource_usage as unknown as Usage
  const detail = (await createHandlers(srv.core)['runs:get']({ id: r.execution_id })).resourceUsage
  expect(detail).not.toBeNull()
  const d = detail!
  expect(u.max_rss_mb).toBe(
    d.maxRssBytes === null ? null : Math.round((d.maxRssBytes / MiB) * 10) / 10,
  )
  expect(u.cpu_time_ms).toBe(d.cpuTimeMs)
  expect(u.peak_pids).toBe(d.peakPids)
  expect(u.output_bytes).toBe(d.outputBytes)
  const summary = (await createHandlers(srv.core)['history:list']({ limit: 1000, offset: 0 })).items
  expect(summary.find((s) => s.id === r.execution_id)?.peakMemoryBytes).toBe(d.maxRssBytes)
  return { r, u, detail: d }
}

describe(`resource use (${POOL ? 'warm pool' : 'cold'})`, () => {
  it('a script touching 150 MiB reports a peak between 150 MiB and its 512 MiB limit', async () => {
    const { r, u } = await run({
      code: py(
        'b = bytearray(150 * 2**20)',
        'for i in range(0, len(b), 4096):',
        '    b[i] = 1',
        'print("touched")',
      ),
    })
    expect(r.status, r.stderr).toBe('succeeded')
    expect(u.max_rss_mb).toBeGreaterThanOrEqual(150)
    expect(u.max_rss_mb).toBeLessThanOrEqual(512)
  })

  it('an OOM run reports a peak at its 64 MiB limit', async () => {
    const { r, u } = await run({
      code: py('b = bytearray(200 * 2**20)', 'for i in range(0, len(b), 4096):', '    b[i] = 1'),
      memory_mb: 64,
    })
    expect(r.status).toBe('oom')
    // On a warm run what the container held at dispatch is reported apart (warm_baseline_mb).
    const observed = u.max_rss_mb! + (u.warm_baseline_mb ?? 0)
    expect(observed).toBeGreaterThanOrEqual(0.9 * 64)
    expect(observed).toBeLessThanOrEqual(64.5)
  })

  it('CPU time of a busy loop covers the CPU it burned and no more than its wall time allows', async () => {
    const { r, u } = await run({
      // CPU the script itself burned, whatever the machine's load does to the wall time.
      code: py(
        'import time',
        't0 = time.process_time()',
        'while time.process_time() - t0 < 1.5:',
        '    pass',
      ),
    })
    expect(r.status, r.stderr).toBe('succeeded')
    const executionMs = (r.timing as { execution_ms: number }).execution_ms
    expect(u.cpu_time_ms).toBeGreaterThanOrEqual(1500)
    // One CPU (the default limit): the cgroup cannot have used more than the wall time, plus one
    // scheduler period of slack.
    expect(u.cpu_time_ms).toBeLessThanOrEqual(executionMs + 100)
  })

  it('CPU time of a 1.5 s sleep is near zero', async () => {
    const { r, u } = await run({ code: py('import time', 'time.sleep(1.5)') })
    expect(r.status, r.stderr).toBe('succeeded')
    expect(u.cpu_time_ms).not.toBeNull()
    expect(u.cpu_time_ms).toBeLessThan(300)
  })

  it('peak pids counts the threads a script ran at once', async () => {
    const { r, u } = await run({
      code: py(
        'import threading, time',
        'go = threading.Event()',
        'ts = [threading.Thread(target=go.wait) for _ in range(5)]',
        'for t in ts: t.start()',
        'time.sleep(0.6)',
        'print(threading.active_count())',
        'go.set()',
        'for t in ts: t.join()',
      ),
    })
    expect(r.stdout.trim()).toBe('6')
    expect(u.peak_pids).toBeGreaterThanOrEqual(6)
    expect(u.peak_pids).toBeLessThanOrEqual(10)
  })

  it('output_bytes is what the script wrote to /output', async () => {
    const { r, u } = await run({
      code: py(
        'import json, os',
        'open("/output/a.bin", "wb").write(b"x" * 1000)',
        'os.makedirs("/output/sub")',
        'open("/output/sub/b.txt", "w").write("y" * 2345)',
        'json.dump({"n": 1}, open("/output/result.json", "w"))',
      ),
    })
    expect(r.status, r.stderr).toBe('succeeded')
    expect(u.output_bytes).toBe(1000 + 2345 + Buffer.byteLength('{"n": 1}'))
  })

  it("print('hi') reports a small peak: a warm run leaves out what the container held before", async () => {
    const { r, u } = await run({ code: "print('hi')" })
    expect(r.stdout).toBe('hi\n')
    expect(u.max_rss_mb).toBeGreaterThanOrEqual(0)
    expect(u.max_rss_mb).toBeLessThan(30)
    if (POOL) expect(u.warm_baseline_mb).toBeGreaterThan(0)
    else expect(u.warm_baseline_mb).toBeNull()
  })
})

// The data-processing environment pre-imports numpy, pandas and matplotlib in its warm containers
// (≈ 60 MiB); a warm `print('hi')` there must not report them. Needs that image built (3 minutes,
// not part of the default setup): with the pool on and the image present, it runs.
const dataImage = imageRef('data-processing')
const haveData = POOL && (await new DockerContainerClient().imageExists(dataImage))
describe.runIf(haveData)('warm data-processing container', () => {
  it("print('hi') does not report the pre-imported modules", async () => {
    // Room for the default key warmed at start-up and this one.
    const own = await startInProcess({
      pool: { enabled: true, size: 1, max: 2 },
      log: (event, fields) => {
        if (event === 'pool-dispatch') dispatched.add(fields.runId as string)
      },
    })
    try {
      const limits = defaultLimitsFor('data-processing')
      const pool = own.core.engine.pool!
      pool.prewarm(dataImage, limits, PREIMPORTS['data-processing'] ?? [])
      const deadline = Date.now() + 120_000
      while (pool.stats().ready < 2 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200))
      const r = await execute(own.url, { code: "print('hi')", job_type: 'data-processing' })
      expect(r.stdout).toBe('hi\n')
      expect(dispatched.has(r.execution_id), 'handed to a warm container').toBe(true)
      const u = r.resource_usage as unknown as Usage
      if (process.env.USAGE_DEBUG) console.log(JSON.stringify(u))
      expect(u.warm_baseline_mb).toBeGreaterThan(40)
      expect(u.max_rss_mb).toBeLessThan(30)
    } finally {
      await own.close()
    }
  })
})
