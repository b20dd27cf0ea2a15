// Lean streaming and collection, measured through POST /execute on the real engine:
//  - a 200 MiB stdout flood: growth of this process's RSS (sampled every 5 ms) vs a tiny run's
//  - collection of 1,000 small files and of one 100 MiB file (the engine's timing.collect_ms), next to
//    a naive fs.promises walk + readFile + sha256 of the same files in this process
// Usage: npm run bench:flood-and-artifacts
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createCore } from '../src/main/app/core'
import { startServer } from '../src/main/server/server'
import { peakRssGrowth } from './stats'

interface Result {
  status: string
  execution_id: string
  stdout_truncated: boolean
  artifacts: { name: string }[]
  timing: { collect_ms: number; total_ms: number }
}

async function execute(url: string, body: Record<string, unknown>): Promise<Result> {
  const res = await fetch(`${url}/execute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return (await res.json()) as Result
}

async function naiveCollect(dir: string): Promise<number> {
  const t = performance.now()
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.promises.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) await walk(p)
      else
        createHash('sha256')
          .update(await fs.promises.readFile(p))
          .digest('hex')
    }
  }
  await walk(dir)
  return performance.now() - t
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-bench-flood-'))
  const core = createCore({ dataDir, pool: { enabled: false } })
  await core.startup()
  const server = await startServer({ core, port: 0 })

  const tiny = await peakRssGrowth(() => execute(server.url, { code: "print('hi')" }))
  let flood: Result | null = null
  const t = performance.now()
  const growth = await peakRssGrowth(async () => {
    flood = await execute(server.url, {
      code: "import sys\nline = 'x' * 1023 + '\\n'\nfor _ in range(200 * 1024):\n    sys.stdout.write(line)",
      timeout: 120,
    })
  })
  const seconds = (performance.now() - t) / 1000
  const f = flood as Result | null
  console.log(
    `stdout flood 200 MiB: status ${f?.status}, truncated ${f?.stdout_truncated}, ${(200 / seconds).toFixed(0)} MiB/s`,
  )
  console.log(
    `  RSS growth: flood ${growth.toFixed(1)} MiB vs tiny run ${tiny.toFixed(1)} MiB (limit 64 MiB)`,
  )

  const many = await execute(server.url, {
    code: "import os\nos.makedirs('/output/d', exist_ok=True)\nfor i in range(1000):\n    open(f'/output/d/f{i}.txt', 'w').write('x' * 100)",
  })
  const big = await execute(server.url, {
    code: "with open('/output/big.bin', 'wb') as f:\n    for _ in range(100):\n        f.write(b'Z' * (1 << 20))",
  })
  const manyNaive = await naiveCollect(core.store.artifactsDir(many.execution_id))
  const bigNaive = await naiveCollect(core.store.artifactsDir(big.execution_id))
  console.log(
    `artifacts, 1,000 files: ${many.artifacts.length} kept, collect ${many.timing.collect_ms} ms vs naive async walk ${manyNaive.toFixed(1)} ms (ratio ${(many.timing.collect_ms / manyNaive).toFixed(2)}; limit 1000 ms)`,
  )
  console.log(
    `artifacts, one 100 MiB file: collect ${big.timing.collect_ms} ms vs naive readFile+hash ${bigNaive.toFixed(1)} ms (ratio ${(big.timing.collect_ms / bigNaive).toFixed(2)}; limit 1500 ms)`,
  )

  await core.shutdown()
  await server.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
