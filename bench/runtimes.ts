// gVisor (runsc) vs runc, in one process on one machine state: `print('hi')` through POST /execute,
//  1. cold (pool off): a fresh container per run, runtimes alternating run by run
//  2. warm (pool on): each run takes a warm container of its runtime, the pool refilled in between
// Prints medians, p95 and the gVisor/runc ratios. Needs runsc registered (scripts/setup-host.sh).
// Usage: npm run bench:runtimes [-- <iterations>]
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createCore, type Core } from '../src/main/app/core'
import { startServer } from '../src/main/server/server'
import type { RuntimeChoice } from '../src/shared/runtime'
import { percentile, summary } from './stats'

const iterations = Number(process.argv[2] ?? 20)
const RUNTIMES: RuntimeChoice[] = ['runc', 'gvisor']

interface Server {
  core: Core
  url: string
  warmHits: Set<string>
  close(): Promise<void>
}

async function server(pool: boolean): Promise<Server> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `tako-bench-rt-${pool ? 'warm' : 'cold'}-`))
  const warmHits = new Set<string>()
  const core = createCore({
    dataDir,
    defaultRuntime: 'runc',
    pool: { enabled: pool, size: 1, max: 4 },
    log: (event, fields) => {
      if (event === 'pool-dispatch') warmHits.add(String(fields.runId))
    },
  })
  await core.startup()
  const s = await startServer({ core, port: 0 })
  return {
    core,
    url: s.url,
    warmHits,
    close: async () => {
      await core.shutdown()
      await s.close()
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

async function hello(url: string, runtime: RuntimeChoice): Promise<{ ms: number; id: string }> {
  const t = performance.now()
  const res = await fetch(`${url}/execute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: "print('hi')", runtime }),
  })
  const json = (await res.json()) as { status: string; stdout: string; execution_id: string }
  const ms = performance.now() - t
  if (json.status !== 'succeeded' || json.stdout !== 'hi\n')
    throw new Error(`${runtime} run failed: ${JSON.stringify(json).slice(0, 400)}`)
  return { ms, id: json.execution_id }
}

/** Waits until the pool holds `ready` warm containers (both keys refilled). */
async function poolReady(core: Core, ready: number): Promise<void> {
  const deadline = Date.now() + 60_000
  while ((core.engine.pool?.stats().ready ?? 0) < ready) {
    if (Date.now() > deadline) throw new Error('the pool did not refill within 60 s')
    await new Promise((r) => setTimeout(r, 50))
  }
}

function report(label: string, times: Record<RuntimeChoice, number[]>): void {
  console.log(`\n${label}`)
  for (const rt of RUNTIMES) console.log(summary(`  ${rt}`, times[rt]))
  const ratio = (p: number): string =>
    (percentile(times.gvisor, p) / percentile(times.runc, p)).toFixed(2)
  const extra = percentile(times.gvisor, 50) - percentile(times.runc, 50)
  console.log(
    `  gVisor/runc: p50 ×${ratio(50)} (${extra >= 0 ? '+' : ''}${extra.toFixed(1)} ms), p95 ×${ratio(95)}`,
  )
}

async function main(): Promise<void> {
  console.log(
    `runtimes: print('hi') through POST /execute, ${iterations} runs per runtime and path`,
  )

  const cold = await server(false)
  const coldTimes: Record<RuntimeChoice, number[]> = { runc: [], gvisor: [] }
  try {
    for (const rt of RUNTIMES) await hello(cold.url, rt) // first runs load caches; not counted
    for (let i = 0; i < iterations; i++) {
      // Alternate the order so neither runtime always runs right after the other.
      for (const rt of i % 2 ? [...RUNTIMES].reverse() : RUNTIMES)
        coldTimes[rt].push((await hello(cold.url, rt)).ms)
    }
  } finally {
    await cold.close()
  }
  report('cold (pool off)', coldTimes)

  const warm = await server(true)
  const warmTimes: Record<RuntimeChoice, number[]> = { runc: [], gvisor: [] }
  let misses = 0
  try {
    // A key is kept warm once asked for twice: two asks per runtime, then both keys fill.
    for (const rt of [...RUNTIMES, ...RUNTIMES]) await hello(warm.url, rt)
    for (let i = 0; i < iterations; i++) {
      for (const rt of i % 2 ? [...RUNTIMES].reverse() : RUNTIMES) {
        await poolReady(warm.core, RUNTIMES.length)
        const r = await hello(warm.url, rt)
        if (warm.warmHits.has(r.id)) warmTimes[rt].push(r.ms)
        else misses++
      }
    }
  } finally {
    await warm.close()
  }
  report(`warm (pool on; ${misses} run(s) found no warm container and are left out)`, warmTimes)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
