// Warm pool vs cold vs `docker run --rm`, all in one process on one machine state:
//  1. hello-world through POST /execute with the pool on, next to raw `docker run --rm` (same flags)
//  2. a numpy + pandas + matplotlib plot in data-processing, pool on vs pool off
//  3. sustained runs/s through /execute/async, pool on vs pool off
// Usage: npm run bench:warm-pool [-- <iterations>]
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { createCore, type Core } from '../src/main/app/core'
import { buildContainerSpec, sandboxUser } from '../src/main/engine/container-spec'
import { imageRef } from '../src/main/environments/catalogue'
import { defaultLimitsFor } from '../src/main/app/run-request'
import { startServer } from '../src/main/server/server'
import { dockerRunArgs } from './docker-cli-args'
import { percentile, summary } from './stats'

const execFileP = promisify(execFile)
const iterations = Number(process.argv[2] ?? 30)

interface Server {
  core: Core
  url: string
  close(): Promise<void>
}

async function server(pool: boolean): Promise<Server> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `tako-bench-pool-${pool ? 'on' : 'off'}-`))
  const core = createCore({ dataDir, pool: { enabled: pool, size: 2 }, maxQueue: 1000 })
  await core.startup()
  const s = await startServer({ core, port: 0 })
  return {
    core,
    url: s.url,
    close: async () => {
      await core.shutdown()
      await s.close()
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

async function execute(
  url: string,
  body: Record<string, unknown>,
): Promise<{ ms: number; status: string }> {
  const t = performance.now()
  const res = await fetch(`${url}/execute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const json = (await res.json()) as { status: string; stderr: string }
  const ms = performance.now() - t
  if (json.status !== 'succeeded')
    throw new Error(`run failed: ${JSON.stringify(json).slice(0, 400)}`)
  return { ms, status: json.status }
}

async function dockerRunBaseline(i: number): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-bench-cli-'))
  fs.writeFileSync(path.join(dir, 'main.py'), "print('hi')", { mode: 0o444 })
  fs.writeFileSync(path.join(dir, 'input.json'), '{}', { mode: 0o444 })
  fs.mkdirSync(path.join(dir, 'out'), { mode: 0o777 })
  const spec = buildContainerSpec({
    runId: `bench-cli-${i}`,
    sessionId: 'bench',
    image: imageRef('default'),
    limits: defaultLimitsFor('default'),
    user: sandboxUser(),
    codeFile: path.join(dir, 'main.py'),
    inputFile: path.join(dir, 'input.json'),
    outputDir: path.join(dir, 'out'),
  })
  delete spec.name
  const t = performance.now()
  const { stdout } = await execFileP('docker', dockerRunArgs(spec))
  const ms = performance.now() - t
  if (stdout !== 'hi\n') throw new Error('docker run failed')
  fs.rmSync(dir, { recursive: true, force: true })
  return ms
}

/** Waits until the pool has a warm container ready for the next run, so each sample measures a warm run. */
async function untilWarm(core: Core): Promise<void> {
  const deadline = Date.now() + 60_000
  while ((core.engine.pool?.stats().ready ?? 0) < 1 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function throughput(url: string, n: number, code: string): Promise<number> {
  const t0 = performance.now()
  const ids: string[] = []
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${url}/execute/async`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: `${code} # ${i}` }),
    })
    ids.push(((await res.json()) as { job_id: string }).job_id)
  }
  for (const id of ids) {
    const r = (await (await fetch(`${url}/jobs/${id}/result?wait=true&timeout=300`)).json()) as {
      status: string
    }
    if (r.status !== 'succeeded') throw new Error(`job ${id}: ${r.status}`)
  }
  return n / ((performance.now() - t0) / 1000)
}

const PLOT = [
  'import numpy as np, pandas as pd',
  'import matplotlib.pyplot as plt',
  'df = pd.DataFrame({"x": np.arange(50), "y": np.sin(np.arange(50) / 5)})',
  'fig, ax = plt.subplots(figsize=(4, 3), dpi=100)',
  'ax.plot(df["x"], df["y"])',
  'fig.savefig("/output/plot.png")',
].join('\n')

async function main(): Promise<void> {
  const on = await server(true)
  const off = await server(false)
  await untilWarm(on.core)

  // 1. hello-world: pool on through the API vs raw docker run --rm, alternating.
  const warm: number[] = []
  const cli: number[] = []
  await dockerRunBaseline(-1)
  for (let i = 0; i < iterations; i++) {
    await untilWarm(on.core)
    warm.push((await execute(on.url, { code: "print('hi')" })).ms)
    cli.push(await dockerRunBaseline(i))
  }
  console.log(summary('POST /execute, pool on', warm))
  console.log(summary('docker run --rm (same flags)', cli))
  console.log(
    `speed-up vs docker run --rm: p50 ${(percentile(cli, 50) / percentile(warm, 50)).toFixed(1)}x  p95 ${(percentile(cli, 95) / percentile(warm, 95)).toFixed(1)}x`,
  )

  // 2. a plot in data-processing, pool on (pre-imported) vs pool off.
  const plotOn: number[] = []
  const plotOff: number[] = []
  await execute(on.url, { code: PLOT, job_type: 'data-processing' })
  for (let i = 0; i < Math.max(5, Math.floor(iterations / 3)); i++) {
    await untilWarm(on.core)
    plotOn.push((await execute(on.url, { code: PLOT, job_type: 'data-processing' })).ms)
    plotOff.push((await execute(off.url, { code: PLOT, job_type: 'data-processing' })).ms)
  }
  console.log(summary('plot (data-processing), pool on', plotOn))
  console.log(summary('plot (data-processing), pool off', plotOff))
  console.log(
    `plot speed-up: p50 ${(percentile(plotOff, 50) / percentile(plotOn, 50)).toFixed(1)}x`,
  )

  // 3. sustained runs/s through the async API.
  const n = Math.max(20, iterations)
  const rateOff = await throughput(off.url, n, "print('hi')")
  await untilWarm(on.core)
  const rateOn = await throughput(on.url, n, "print('hi')")
  console.log(
    `sustained, ${n} async jobs: pool off ${rateOff.toFixed(2)} runs/s, pool on ${rateOn.toFixed(2)} runs/s, ratio ${(rateOn / rateOff).toFixed(2)}`,
  )

  await on.close()
  await off.close()
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
