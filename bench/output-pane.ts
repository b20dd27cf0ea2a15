// The output pane under a flood (Playwright, Debian's Chromium, web mode, the real engine): a script
// prints 1,000,000 lines as fast as Python can, then `done!`. Measured in the page: the longest
// main-thread task while the run streams (PerformanceObserver 'longtask'; none at all counts as
// 0 ms, as tasks under 50 ms are not reported), and the time from the run's end (its terminal
// status event reaching the page) to `done!` visible in the pane. Baseline in the same process: the
// same script with 100 lines. For the million, "shown" also waits for the stored record's head, cut
// and tail to replace the live lines (its "Show the cut" note). Targets: longest task < 100 ms, end → final line < 200 ms.
// Usage: npm run bench:output-pane [-- rounds]   (builds the renderer first if needed)
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { AppPage, screenshot } from '../test/e2e/fixtures'
import { appInBrowser, ensureRenderer } from './app-in-browser'
import { percentile } from './stats'

const SHOTS = process.env.TAKO_BENCH_SHOTS

interface Round {
  longestTaskMs: number
  /**
   * The same task's CPU time on the page's main thread (a trace's thread time): on a machine
   * shared with other work, wall-clock task lengths include time the thread was not running.
   */
  longestTaskCpuMs: number
  /** When the longest task started, relative to the run's end event (negative: while streaming). */
  longestTaskAtMs: number | null
  endToFinalLineMs: number
  runMs: number
}

/**
 * Set up in the page before the app loads (plain JS: the bench is typed for Node): long tasks are
 * collected, the terminal status event's arrival is stamped (a listener on the app's own event
 * stream), and each frame from the end on looks for the final line inside the log's visible box
 * (and, when asked, the record's "Show the cut" note).
 */
const INSTRUMENT = `
const probe = { tasks: [], endAt: null, shownAt: null, watchFor: null, needCut: false }
window.__probe = probe
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) probe.tasks.push({ start: e.startTime, duration: e.duration })
}).observe({ type: 'longtask', buffered: true })
const Native = window.EventSource
window.EventSource = class extends Native {
  constructor(url, init) {
    super(url, init)
    this.addEventListener('message', (m) => {
      if (!m.data.includes('"run.status"')) return
      const e = JSON.parse(m.data)
      if (e.status !== 'queued' && e.status !== 'running' && probe.endAt === null)
        probe.endAt = performance.now()
    })
  }
}
const cutShown = () =>
  [...document.querySelectorAll('button')].some((b) => b.textContent === 'Show the cut')
const look = () => {
  if (probe.watchFor !== null && probe.shownAt === null && probe.endAt !== null &&
      (!probe.needCut || cutShown())) {
    const log = document.querySelector('[role="log"]')
    const box = log && log.getBoundingClientRect()
    for (const row of log ? log.querySelectorAll('[data-row]') : []) {
      if (row.textContent !== probe.watchFor || !box) continue
      const r = row.getBoundingClientRect()
      if (r.top >= box.top && r.bottom <= box.bottom) probe.shownAt = performance.now()
    }
  }
  requestAnimationFrame(look)
}
requestAnimationFrame(look)
`

interface Probe {
  tasks: { start: number; duration: number }[]
  endAt: number | null
  shownAt: number | null
  watchFor: string | null
  needCut: boolean
}
type ProbeWindow = { __probe: Probe }

interface TraceEvent {
  name: string
  ph: string
  pid: number
  tid: number
  dur?: number
  tdur?: number
  args?: { name?: string }
}

/** Traces the page's main thread; `stop` gives the most CPU time any one of its tasks took. */
async function traceMainThread(page: Page): Promise<{ stop: () => Promise<number> }> {
  const cdp = await page.context().newCDPSession(page)
  const events: TraceEvent[] = []
  cdp.on('Tracing.dataCollected', (d: { value: object[] }) =>
    events.push(...(d.value as TraceEvent[])),
  )
  await cdp.send('Tracing.start', {
    categories: 'devtools.timeline,disabled-by-default-devtools.timeline',
    transferMode: 'ReportEvents',
  })
  return {
    stop: async () => {
      const complete = new Promise((r) => cdp.once('Tracing.tracingComplete', r))
      await cdp.send('Tracing.end')
      await complete
      await cdp.detach()
      const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      const tasks = events.filter(
        (e) => e.name === 'RunTask' && e.ph === 'X' && e.pid === main?.pid && e.tid === main?.tid,
      )
      return Math.max(0, ...tasks.map((e) => (e.tdur ?? 0) / 1000))
    },
  }
}

async function oneRun(app: AppPage, lines: number, shot: string | null): Promise<Round> {
  const page: Page = app.page
  await app.editor.setCode(`for i in range(${lines}):\n    print(i)\nprint('done!')`)
  await app.until(() => app.runButton.isEnabled(), 60_000, 'Run stayed disabled')
  // Run in the page (globalThis is its window there).
  const t0 = await page.evaluate((needCut) => {
    const p = (globalThis as unknown as ProbeWindow).__probe
    p.endAt = null
    p.shownAt = null
    p.watchFor = 'done!'
    p.needCut = needCut
    return performance.now()
  }, lines > 100_000)
  const cpu = await traceMainThread(page)
  await app.runButton.click()
  await page.waitForFunction(
    () => {
      const p = (globalThis as unknown as ProbeWindow).__probe
      return p.endAt !== null && p.shownAt !== null
    },
    undefined,
    { timeout: 120_000, polling: 200 },
  )
  const r = await page.evaluate((since): Round => {
    const p = (globalThis as unknown as ProbeWindow).__probe
    p.watchFor = null
    const shownAt = p.shownAt ?? NaN
    const endAt = p.endAt ?? NaN
    const during = p.tasks.filter((t) => t.start >= since && t.start <= shownAt)
    const longest = during.reduce<{ start: number; duration: number } | null>(
      (a, t) => (a === null || t.duration > a.duration ? t : a),
      null,
    )
    return {
      longestTaskCpuMs: 0,
      longestTaskMs: longest?.duration ?? 0,
      longestTaskAtMs: longest ? Math.round(longest.start - endAt) : null,
      endToFinalLineMs: Math.max(0, shownAt - endAt),
      runMs: endAt - since,
    }
  }, t0)
  r.longestTaskCpuMs = await cpu.stop()
  if (shot) await screenshot(page, shot)
  return r
}

async function main(): Promise<void> {
  ensureRenderer()
  const rounds = Number(process.argv[2] ?? 3)
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tako-bench-pane-'))
  const { url, browser, close } = await appInBrowser({ dataDir })
  const small: Round[] = []
  const big: Round[] = []
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    await page.addInitScript({ content: INSTRUMENT })
    const app = new AppPage(page)
    await app.open(`${url}/`)
    // One warm-up run (first container, first render), not counted.
    await oneRun(app, 100, null)
    for (let r = 0; r < rounds; r++) {
      small.push(await oneRun(app, 100, null))
      big.push(await oneRun(app, 1_000_000, SHOTS && r === 0 ? 'pane-bench-million' : null))
      console.log(
        `round ${r + 1}: 100 lines ${JSON.stringify(small.at(-1))}, 1,000,000 lines ${JSON.stringify(big.at(-1))}`,
      )
    }
    await page.close()
  } finally {
    await close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
  type Measure = 'longestTaskMs' | 'longestTaskCpuMs' | 'endToFinalLineMs' | 'runMs'
  const p50 = (v: Round[], k: Measure): number =>
    percentile(
      v.map((x) => x[k]),
      50,
    )
  const ratio = (k: Measure): string =>
    p50(small, k) > 0 ? (p50(big, k) / p50(small, k)).toFixed(2) : 'n/a (baseline 0)'
  console.log(
    `longest main-thread task while streaming: 100 lines p50 ${p50(small, 'longestTaskMs').toFixed(0)} ms, 1,000,000 lines p50 ${p50(big, 'longestTaskMs').toFixed(0)} ms (max ${Math.max(...big.map((x) => x.longestTaskMs)).toFixed(0)}; target < 100); ratio ${ratio('longestTaskMs')}`,
  )
  console.log(
    `longest main-thread task, CPU time:       100 lines p50 ${p50(small, 'longestTaskCpuMs').toFixed(0)} ms, 1,000,000 lines p50 ${p50(big, 'longestTaskCpuMs').toFixed(0)} ms (max ${Math.max(...big.map((x) => x.longestTaskCpuMs)).toFixed(0)}); ratio ${ratio('longestTaskCpuMs')}`,
  )
  console.log(
    `run end → final line visible:             100 lines p50 ${p50(small, 'endToFinalLineMs').toFixed(0)} ms, 1,000,000 lines p50 ${p50(big, 'endToFinalLineMs').toFixed(0)} ms (max ${Math.max(...big.map((x) => x.endToFinalLineMs)).toFixed(0)}; target < 200); ratio ${ratio('endToFinalLineMs')}`,
  )
  console.log(
    `run (click → end event):                  100 lines p50 ${p50(small, 'runMs').toFixed(0)} ms, 1,000,000 lines p50 ${p50(big, 'runMs').toFixed(0)} ms`,
  )
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
