// Cold run of print('hi') through the engine vs `docker run --rm` with identical flags, alternating
// in one process so both see the same machine state. Prints p50/p95 of each and the ratio.
// Usage: npm run bench:cold-run [-- <iterations>]   (target: ratio ≤ 0.9)
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { buildContainerSpec, sandboxUser } from '../src/main/engine/container-spec'
import { DockerContainerClient } from '../src/main/engine/docker-client'
import { DEFAULT_LIMITS } from '../src/main/engine/limits'
import { RunEngine } from '../src/main/engine/run-engine'
import { imageRef } from '../src/main/environments/catalogue'
import { dockerRunArgs } from './docker-cli-args'
import { percentile, summary } from './stats'

const run = promisify(execFile)
const iterations = Number(process.argv[2] ?? 20)
const code = "print('hi')"
const image = imageRef('default')
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-bench-'))
const engine = new RunEngine({ client: new DockerContainerClient(), sessionId: 'bench-cold-run' })

async function viaEngine(i: number): Promise<number> {
  const t = performance.now()
  const r = await engine.run({
    runId: `bench-e-${i}`,
    code,
    inputData: {},
    environment: 'default',
    image,
    limits: DEFAULT_LIMITS,
    runDir: path.join(root, `e-${i}`),
  })
  const ms = performance.now() - t
  if (r.status !== 'succeeded' || r.stdout !== 'hi\n')
    throw new Error(`engine run failed: ${JSON.stringify(r.error)}`)
  return ms
}

async function viaCli(i: number): Promise<number> {
  const dir = path.join(root, `c-${i}`)
  const prepared = engine.prepareRunDir({
    runId: `bench-c-${i}`,
    code,
    inputData: {},
    environment: 'default',
    image,
    limits: DEFAULT_LIMITS,
    runDir: dir,
  })
  const spec = buildContainerSpec({
    runId: `bench-c-${i}`,
    sessionId: 'bench-cold-run',
    image,
    limits: DEFAULT_LIMITS,
    user: sandboxUser(),
    ...prepared,
  })
  delete spec.name
  const t = performance.now()
  const { stdout } = await run('docker', dockerRunArgs(spec))
  const ms = performance.now() - t
  if (stdout !== 'hi\n') throw new Error(`docker run printed ${JSON.stringify(stdout)}`)
  return ms
}

async function main(): Promise<void> {
  // Warm both paths once (image cache, docker CLI binary) before measuring.
  await viaEngine(-1)
  await viaCli(-1)
  const e: number[] = []
  const c: number[] = []
  for (let i = 0; i < iterations; i++) {
    if (i % 2 === 0) {
      e.push(await viaEngine(i))
      c.push(await viaCli(i))
    } else {
      c.push(await viaCli(i))
      e.push(await viaEngine(i))
    }
  }
  console.log(summary('engine (dockerode, hardened)', e))
  console.log(summary('docker run --rm (same flags)', c))
  const ratio50 = percentile(e, 50) / percentile(c, 50)
  const ratio95 = percentile(e, 95) / percentile(c, 95)
  console.log(
    `ratio engine/docker-run: p50 ${ratio50.toFixed(2)}  p95 ${ratio95.toFixed(2)}  (target ≤ 0.90)`,
  )
  fs.rmSync(root, { recursive: true, force: true })
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
