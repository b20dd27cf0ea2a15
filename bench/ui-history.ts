// The history in the app with 10,000 runs in the store (Playwright, Debian's Chromium, web mode):
// time from navigation to the history list shown, and from typing a search to the filtered list.
// Baseline in the same process: the same two measurements with 100 runs. Targets: ≤ 500 ms, ≤ 100 ms.
// Usage: npm run bench:ui-history   (builds the renderer first if needed)
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createCore } from '../src/main/app/core'
import { DEFAULT_LIMITS } from '../src/main/engine/limits'
import type { RunRecord } from '../src/shared/record'
import { appInBrowser, ensureRenderer } from './app-in-browser'
import { percentile } from './stats'

const WORDS = [
  'pandas',
  'numpy',
  'matplotlib',
  'json',
  'csv',
  'requests',
  'math',
  'random',
  'sorted',
  'print',
]

/** A store of `n` finished runs, written as the app writes them (run.json + main.py). */
function seedStore(n: number): string {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `tako-bench-ui-${n}-`))
  const core = createCore({ dataDir, pool: { enabled: false } })
  const t0 = Date.parse('2026-01-01T00:00:00Z')
  for (let i = 0; i < n; i++) {
    const id = `bench-${String(i).padStart(6, '0')}`
    const word = WORDS[i % WORDS.length]
    const code = `import ${word}\n# run ${i}\nprint(${i} * 2)\n${i % 97 === 0 ? 'needle_marker = True\n' : ''}`
    const record: RunRecord = {
      id,
      status: i % 13 === 0 ? 'failed' : 'succeeded',
      source: 'app',
      environment: 'default',
      image: 'tako-vm/default:bench',
      limits: DEFAULT_LIMITS,
      createdAt: new Date(t0 + i * 1000).toISOString(),
      startedAt: null,
      endedAt: null,
      durationMs: 100 + (i % 50),
      exitCode: 0,
      error: null,
      codeHash: '',
      inputHash: '',
      codePreview: code.slice(0, 200),
      stdoutBytes: 0,
      stderrBytes: 0,
      stdoutTruncated: false,
      stderrTruncated: false,
      artifacts: [],
      warnings: [],
      timing: null,
      parentId: null,
      relationship: null,
      idempotencyKey: null,
      fingerprint: null,
      requestedTimeoutS: null,
    }
    core.store.save(record)
    fs.writeFileSync(path.join(core.store.runDir(id), 'main.py'), code)
  }
  return dataDir
}

async function measure(n: number, rounds: number): Promise<{ load: number[]; search: number[] }> {
  const dataDir = seedStore(n)
  const { url, browser, close } = await appInBrowser({ dataDir, pool: { enabled: false } })
  const load: number[] = []
  const search: number[] = []
  const expected = Math.ceil(n / 97)
  try {
    for (let r = 0; r < rounds; r++) {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
      const t = performance.now()
      await page.goto(`${url}/`)
      await page.getByText(`${n} runs`, { exact: true }).waitFor()
      await page.getByRole('listbox', { name: 'Runs' }).getByRole('option').first().waitFor()
      load.push(performance.now() - t)

      const box = page.getByRole('searchbox', { name: 'Search code in history' })
      await box.click()
      await box.pressSequentially('needle_marker')
      const typed = performance.now()
      await page.getByText(`${expected} run${expected === 1 ? '' : 's'}`, { exact: true }).waitFor()
      // From the last keystroke to the filtered list.
      search.push(performance.now() - typed)
      await page.close()
    }
  } finally {
    await close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
  return { load, search }
}

async function main(): Promise<void> {
  ensureRenderer()
  const rounds = Number(process.argv[2] ?? 5)
  const small = await measure(100, rounds)
  const big = await measure(10_000, rounds)
  const p50 = (v: number[]): string => percentile(v, 50).toFixed(0)
  console.log(
    `history shown after navigation: 100 runs p50 ${p50(small.load)} ms, 10,000 runs p50 ${p50(big.load)} ms (p95 ${percentile(big.load, 95).toFixed(0)}; target ≤ 500)`,
  )
  console.log(
    `search to filtered list:        100 runs p50 ${p50(small.search)} ms, 10,000 runs p50 ${p50(big.search)} ms (p95 ${percentile(big.search, 95).toFixed(0)}; target ≤ 100)`,
  )
  console.log(
    `ratio 10,000 / 100 runs: load ${(percentile(big.load, 50) / percentile(small.load, 50)).toFixed(2)}, search ${(percentile(big.search, 50) / percentile(small.search, 50)).toFixed(2)}`,
  )
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
