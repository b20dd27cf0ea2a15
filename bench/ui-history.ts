// The history in the app with 10,000 runs in the store (Playwright, Debian's Chromium, web mode):
// time from navigation to the history list shown, and from typing a search (over code, and over
// stdout text) to the filtered list. Baseline in the same process: the same measurements with 100
// runs. Then, at 10,000 runs, the `history:list` handler itself: a search over stdout against the
// list without a query, in the same process. Targets: ≤ 500 ms, ≤ 100 ms (p95).
// "History shown" is timed inside the page, from navigation start to the frame after the list
// shows its count and first row; printed beside it: the same as Playwright's waits saw it, when the
// page's first-page request went out and came back, when the app's code had been evaluated
// (DOMContentLoaded), and when the code editor (CodeMirror, its own chunk) was ready.
// A search is timed inside the page, from the last keystroke's event to the frame after the list
// shows the answer to the whole query: Playwright's own wait polls at 0, 20, 50, 100, 100… ms
// intervals, which adds up to 100 ms that are not the app's (printed too, as "seen by Playwright").
// Decoy runs make every prefix of a query match more runs than the query, so only the answer to the
// last keystroke can stop the clock.
// Usage: npm run bench:ui-history [rounds]   (builds the renderer first if needed)
// UI_HISTORY_RENDERER=DIR serves another build of the renderer instead (e.g. an older commit's,
// built with `electron-vite build` there), to compare both with the same clocks.
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

/**
 * About 1.2 KiB of stdout per run; every 89th run prints `stdout_needle` (its code does not hold it),
 * others a decoy that matches the query's prefixes only.
 */
function stdoutOf(i: number): string {
  const lines = Array.from({ length: 24 }, (_, k) => `step ${k}: value ${(i * 31 + k) % 1000}`)
  if (i % 89 === 0) lines.splice(12, 0, ['stdout', 'needle'].join('_'))
  else if (i % 89 === 44) lines.splice(12, 0, ['stdout', 'needlf'].join('_'))
  return lines.join('\n') + '\n'
}

function artifact(name: string): RunRecord['artifacts'][number] {
  return { name, sizeBytes: 1234, sha256: '0'.repeat(64), contentType: 'text/plain' }
}

/** A store of `n` finished runs, written as the app writes them (run.json, main.py, stdout.txt). */
function seedStore(n: number): string {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `tako-bench-ui-${n}-`))
  const core = createCore({ dataDir, pool: { enabled: false } })
  const t0 = Date.parse('2026-01-01T00:00:00Z')
  for (let i = 0; i < n; i++) {
    const id = `bench-${String(i).padStart(6, '0')}`
    const word = WORDS[i % WORDS.length]
    const marker =
      i % 97 === 0 ? 'needle_marker = True\n' : i % 97 === 48 ? 'needle_markez = 1\n' : ''
    const code = `import ${word}\n# run ${i}\nprint(${i} * 2)\n${marker}`
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
      // Every third run has files, so rows show their counts (from the record, no request per row).
      artifacts: i % 3 === 0 ? [artifact('table.csv'), artifact('plots/fig.png')] : [],
      ...(i % 6 === 0
        ? { inputFiles: [{ name: 'visits.csv', size: 39, sha256: '0'.repeat(64) }] }
        : {}),
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

interface PageClocks {
  shown: number
  listSent: number
  listAnswered: number
  evaluated: number
  editor: number
}

/**
 * A script run in the page before the app's (a string: tsx's name helpers do not exist in the
 * page). `window.__clocks` resolves to the PageClocks of this navigation.
 */
function pageClocks(countText: string): string {
  return `window.__clocks = new Promise((resolve) => {
    const frameAfter = () => new Promise((r) => requestAnimationFrame(() => setTimeout(() => r(performance.now()))))
    const when = (test) => new Promise((r) => {
      const check = () => { if (test()) { seen.disconnect(); r(frameAfter()) } }
      const seen = new MutationObserver(check)
      document.addEventListener('DOMContentLoaded', () => {
        seen.observe(document.body, { childList: true, subtree: true, characterData: true })
        check()
      })
    })
    const evaluated = new Promise((r) => document.addEventListener('DOMContentLoaded', () => r(performance.now())))
    const shown = when(() => document.querySelector('.history-count')?.textContent === ${JSON.stringify(countText)} && document.querySelector('[role=listbox] [role=option]'))
    const editor = when(() => document.querySelector('[data-testid=editor-python] .cm-content'))
    Promise.all([shown, editor, evaluated]).then(([shown, editor, evaluated]) => {
      const list = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/api/rpc/history:list'))
      resolve({ shown, editor, evaluated, listSent: list ? list.startTime : NaN, listAnswered: list ? list.responseEnd : NaN })
    })
    setTimeout(() => resolve({ shown: NaN, editor: NaN, evaluated: NaN, listSent: NaN, listAnswered: NaN }), 60000)
  })`
}

/** A search: in the page (last keystroke → list painted), and as Playwright's polling saw it. */
interface SearchTimes {
  page: number[]
  seen: number[]
}

/** One navigation, in ms from its start (in the page, except `seen`). */
interface LoadTimes {
  /** The frame after the list showed its count and first row. */
  shown: number[]
  /** Playwright's `goto` and waits for the count and the first row. */
  seen: number[]
  /** The first `history:list` request: sent, answered. */
  listSent: number[]
  listAnswered: number[]
  /** DOMContentLoaded: the app's first chunk evaluated. */
  evaluated: number[]
  /** The frame after the code editor (CodeMirror) was in the page. */
  editor: number[]
}

interface Measured {
  load: LoadTimes
  search: SearchTimes
  stdoutSearch: SearchTimes
  /** The history:list handler, 10,000 runs only: no query, and a search over stdout. */
  handler?: { list: number[]; stdout: number[] }
}

/**
 * Types `query` into the history search box and times it to `expected` runs shown: in the page,
 * from the last keystroke's event to the frame after the count changed; and from Playwright's last
 * keystroke to its wait returning.
 */
async function typeSearch(
  page: Page,
  query: string,
  expected: number,
  all: number,
  into: SearchTimes,
): Promise<void> {
  const box = page.getByRole('searchbox', { name: 'Search history' })
  await box.click()
  await box.fill('')
  // The whole list first, so that the count waited for below is this search's.
  await page.getByText(`${all} runs`, { exact: true }).waitFor()
  const text = `${expected} run${expected === 1 ? '' : 's'}`
  // A string, not a function: tsx's name helpers do not exist in the page. Not awaited here.
  await page.evaluate(`void (window.__searchTime = new Promise((resolve) => {
    const count = document.querySelector('.history-count')
    let keys = 0
    let last = 0
    const onKey = (e) => { keys++; last = e.timeStamp }
    document.addEventListener('keydown', onKey, true)
    const seen = new MutationObserver(() => {
      if (keys < ${query.length} || count.textContent !== ${JSON.stringify(text)}) return
      seen.disconnect()
      document.removeEventListener('keydown', onKey, true)
      requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - last)))
    })
    setTimeout(() => resolve(NaN), 60000)
    seen.observe(count, { childList: true, characterData: true, subtree: true })
  }))`)
  await box.pressSequentially(query)
  const typed = performance.now()
  await page.getByText(text, { exact: true }).waitFor()
  into.seen.push(performance.now() - typed)
  const inPage = await page.evaluate<number>('window.__searchTime')
  if (Number.isNaN(inPage))
    throw new Error(`the page never showed ${text} after the last keystroke`)
  into.page.push(inPage)
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
  const { url, browser, core, close } = await appInBrowser(
    { dataDir, pool: { enabled: false } },
    process.env.UI_HISTORY_RENDERER,
  )
  const load: LoadTimes = {
    shown: [],
    seen: [],
    listSent: [],
    listAnswered: [],
    evaluated: [],
    editor: [],
  }
  const search: SearchTimes = { page: [], seen: [] }
  const stdoutSearch: SearchTimes = { page: [], seen: [] }
  const expected = Math.ceil(n / 97)
  const expectedStdout = Math.ceil(n / 89)
  try {
    for (let r = 0; r < rounds; r++) {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
      await page.addInitScript(pageClocks(`${n} runs`))
      const t = performance.now()
      await page.goto(`${url}/`)
      await page.getByText(`${n} runs`, { exact: true }).waitFor()
      await page.getByRole('listbox', { name: 'Runs' }).getByRole('option').first().waitFor()
      load.seen.push(performance.now() - t)
      const clocks = await page.evaluate<PageClocks>('window.__clocks')
      load.shown.push(clocks.shown)
      load.listSent.push(clocks.listSent)
      load.listAnswered.push(clocks.listAnswered)
      load.evaluated.push(clocks.evaluated)
      load.editor.push(clocks.editor)

      await typeSearch(page, 'needle_marker', expected, n, search)
      await typeSearch(page, 'stdout_needle', expectedStdout, n, stdoutSearch)
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
  if (big.load.shown.some((v) => Number.isNaN(v)))
    throw new Error('the page never showed the history (or the editor)')
  console.log(
    `history shown after navigation: 100 runs p50 ${p50(small.load.shown)} ms, 10,000 runs p50 ${p50(big.load.shown)} ms (p95 ${percentile(big.load.shown, 95).toFixed(0)}; target ≤ 500)`,
  )
  const phase = (label: string, a: number[], b: number[]): void =>
    console.log(`  ${label.padEnd(29)} 100 runs p50 ${p50(a)} ms, 10,000 runs p50 ${p50(b)} ms`)
  phase('the same, seen by Playwright:', small.load.seen, big.load.seen)
  phase('first page asked for at:', small.load.listSent, big.load.listSent)
  phase('first page answered at:', small.load.listAnswered, big.load.listAnswered)
  phase("app's first chunk evaluated:", small.load.evaluated, big.load.evaluated)
  phase('code editor ready at:', small.load.editor, big.load.editor)
  const line = (label: string, a: number[], b: number[], target = ''): void =>
    console.log(
      `${label.padEnd(31)} 100 runs p50 ${p50(a)} ms, 10,000 runs p50 ${p50(b)} ms (p95 ${percentile(b, 95).toFixed(0)}${target})`,
    )
  line('search to filtered list:', small.search.page, big.search.page, '; target ≤ 100')
  line(
    'stdout search to filtered list:',
    small.stdoutSearch.page,
    big.stdoutSearch.page,
    '; target ≤ 100',
  )
  line('  the same, seen by Playwright:', small.search.seen, big.search.seen)
  line('  stdout, seen by Playwright:', small.stdoutSearch.seen, big.stdoutSearch.seen)
  if (big.handler) {
    const { list, stdout } = big.handler
    const f = (v: number[], p: number): string => percentile(v, p).toFixed(1)
    console.log(
      `history:list at 10,000 runs (n=${list.length} each): no query p50 ${f(list, 50)} / p95 ${f(list, 95)} ms; stdout search p50 ${f(stdout, 50)} / p95 ${f(stdout, 95)} ms (target p95 ≤ 100)`,
    )
  }
  console.log(
    `ratio 10,000 / 100 runs: load ${(percentile(big.load.shown, 50) / percentile(small.load.shown, 50)).toFixed(2)}, search ${(percentile(big.search.page, 50) / percentile(small.search.page, 50)).toFixed(2)}, stdout search ${(percentile(big.stdoutSearch.page, 50) / percentile(small.stdoutSearch.page, 50)).toFixed(2)}`,
  )
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
