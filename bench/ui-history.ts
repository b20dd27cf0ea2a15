// The history in the app with 10,000 runs in the store (Playwright, Debian's Chromium, web mode):
// time from navigation to the history list shown, and from typing a search (over code, and over
// stdout text) to the filtered list. Baseline in the same process: the same measurements with 100
// runs. Then, at 10,000 runs, the `history:list` handler itself: a search over stdout against the
// list without a query, in the same process. Targets: ≤ 500 ms, ≤ 100 ms (p95).
// Usage: npm run bench:ui-history [rounds]   (builds the renderer first if needed)
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createCore, type Core } from '../src/main/app/core'
import { createHandlers } from '../src/main/app/handlers'
import { DEFAULT_LIMITS } from '../src/main/engine/limits'
import type { RunRecord } from '../src/shared/record'
import type { Page } from 'playwright-core'
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

/** About 1.2 KiB of stdout per run; every 89th run prints `stdout_needle` (its code does not hold it). */
function stdoutOf(i: number): string {
  const lines = Array.from({ length: 24 }, (_, k) => `step ${k}: value ${(i * 31 + k) % 1000}`)
  if (i % 89 === 0) lines.splice(12, 0, ['stdout', 'needle'].join('_'))
  return lines.join('\n') + '\n'
}

/** A store of `n` finished runs, written as the app writes them (run.json, main.py, stdout.txt). */
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
    fs.writeFileSync(path.join(core.store.runDir(id), 'stdout.txt'), stdoutOf(i))
  }
  return dataDir
}

interface Measured {
  load: number[]
  search: number[]
  stdoutSearch: number[]
  /** The history:list handler, 10,000 runs only: no query, and a search over stdout. */
  handler?: { list: number[]; stdout: number[] }
}

/** Types `query` into the history search box; ms from the last keystroke to `expected` runs shown. */
async function typeSearch(
  page: Page,
  query: string,
  expected: number,
  all: number,
): Promise<number> {
  const box = page.getByRole('searchbox', { name: 'Search history' })
  await box.click()
  await box.fill('')
  // The whole list first, so that the count waited for below is this search's.
  await page.getByText(`${all} runs`, { exact: true }).waitFor()
  await box.pressSequentially(query)
  const typed = performance.now()
  await page.getByText(`${expected} run${expected === 1 ? '' : 's'}`, { exact: true }).waitFor()
  return performance.now() - typed
}

/** The handler's time for `rounds` lists without a query and as many stdout searches, interleaved. */
async function measureHandler(
  core: Core,
  rounds: number,
): Promise<{ list: number[]; stdout: number[] }> {
  await core.store.preloadSearchIndex()
  const handlers = createHandlers(core)
  const list: number[] = []
  const stdout: number[] = []
  // Different queries, so no search narrows the one before.
  const queries = ['stdout_needle', 'value 999', 'step 23: value 5', 'no such text anywhere']
  for (let r = 0; r < rounds; r++) {
    let t = performance.now()
    await handlers['history:list']({ limit: 100, offset: 0 })
    list.push(performance.now() - t)
    t = performance.now()
    await handlers['history:list']({ q: queries[r % queries.length], limit: 100, offset: 0 })
    stdout.push(performance.now() - t)
  }
  return { list, stdout }
}

async function measure(n: number, rounds: number): Promise<Measured> {
  const dataDir = seedStore(n)
  const { url, browser, core, close } = await appInBrowser({ dataDir, pool: { enabled: false } })
  const load: number[] = []
  const search: number[] = []
  const stdoutSearch: number[] = []
  const expected = Math.ceil(n / 97)
  const expectedStdout = Math.ceil(n / 89)
  try {
    for (let r = 0; r < rounds; r++) {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
      const t = performance.now()
      await page.goto(`${url}/`)
      await page.getByText(`${n} runs`, { exact: true }).waitFor()
      await page.getByRole('listbox', { name: 'Runs' }).getByRole('option').first().waitFor()
      load.push(performance.now() - t)

      search.push(await typeSearch(page, 'needle_marker', expected, n))
      stdoutSearch.push(await typeSearch(page, 'stdout_needle', expectedStdout, n))
      await page.close()
    }
    const handler = n >= 10_000 ? await measureHandler(core, rounds * 20) : undefined
    return { load, search, stdoutSearch, ...(handler ? { handler } : {}) }
  } finally {
    await close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
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
    `stdout search to filtered list: 100 runs p50 ${p50(small.stdoutSearch)} ms, 10,000 runs p50 ${p50(big.stdoutSearch)} ms (p95 ${percentile(big.stdoutSearch, 95).toFixed(0)}; target ≤ 100)`,
  )
  if (big.handler) {
    const { list, stdout } = big.handler
    const f = (v: number[], p: number): string => percentile(v, p).toFixed(1)
    console.log(
      `history:list at 10,000 runs (n=${list.length} each): no query p50 ${f(list, 50)} / p95 ${f(list, 95)} ms; stdout search p50 ${f(stdout, 50)} / p95 ${f(stdout, 95)} ms (target p95 ≤ 100)`,
    )
  }
  console.log(
    `ratio 10,000 / 100 runs: load ${(percentile(big.load, 50) / percentile(small.load, 50)).toFixed(2)}, search ${(percentile(big.search, 50) / percentile(small.search, 50)).toFixed(2)}`,
  )
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
