// The history sidebar against `npm run serve` and the real engine, with 1,500 finished runs already
// in the store: rows follow events in place (no reload of the list per event), pages load as the
// end of the list scrolls into view, a new run the filter hides is announced, and the Delete dialog
// keeps and returns focus.
import fs from 'node:fs'
import path from 'node:path'
import type { Request } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { RunStore } from '../../src/main/store/run-store'
import { runRecord } from '../fixtures/run-record'
import { appSuite } from './fixtures'

const SEEDED = 1500
const SHOTS = '/work/coord/shots'
const poll = { timeout: 30_000 }

/** `SEEDED` finished runs, one second apart, written as the app writes them. */
function seed(dataDir: string): void {
  const store = new RunStore(dataDir)
  const t0 = Date.parse('2026-01-01T00:00:00Z')
  for (let i = 0; i < SEEDED; i++) {
    const id = `seed-${String(i).padStart(5, '0')}`
    const code = `print("seeded ${i}")\n`
    store.save(
      runRecord(id, {
        status: i % 10 === 0 ? 'failed' : 'succeeded',
        error: i % 10 === 0 ? { type: 'value_error', message: 'bad', phase: 'execution' } : null,
        createdAt: new Date(t0 + i * 1000).toISOString(),
        durationMs: 100 + i,
        codePreview: code,
        owner: 'seed',
      }),
    )
    fs.writeFileSync(path.join(store.runDir(id), 'main.py'), code)
  }
}

const t = appSuite('tako-e2e-history-', { seed })

async function submitApi(code: string): Promise<string> {
  const res = await fetch(`${t.server.url}/execute/async`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  })
  expect(res.status).toBe(200)
  return ((await res.json()) as { job_id: string }).job_id
}

/** The `history:list` calls the page makes from now on, with their arguments. */
function listCalls(): { args: Array<{ limit: number; offset: number }>; stop(): void } {
  const args: Array<{ limit: number; offset: number }> = []
  const onRequest = (req: Request): void => {
    if (req.url().endsWith('/api/rpc/history:list'))
      args.push(req.postDataJSON() as { limit: number; offset: number })
  }
  t.page.on('request', onRequest)
  return { args, stop: () => t.page.off('request', onRequest) }
}

async function shot(name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true })
  await t.page.screenshot({ path: path.join(SHOTS, `history-${name}.png`) })
}

describe('history', () => {
  it('loads the first page only, and the next pages as the end of the list comes into view', async () => {
    const calls = listCalls()
    await t.app.open(`${t.server.url}/`)
    const { history } = t.app
    await expect.poll(() => history.count.textContent(), poll).toMatch(/^\d+ runs$/)
    await history.first.waitFor()
    // One page of at most 100 rows, not the first 1,000.
    expect(calls.args.length).toBeGreaterThan(0)
    for (const a of calls.args) expect(a.limit).toBeLessThanOrEqual(100)
    expect(await history.rows.count()).toBeLessThan(60)
    // Scroll down until the oldest seeded run is shown: pages come in as the end is reached.
    await t.app.until(
      async () => {
        await history.scrollToEnd()
        return (await history.row('seeded 0"').count()) > 0
      },
      60_000,
      'the oldest run never came into view',
    )
    expect(calls.args.some((a) => a.offset >= 100)).toBe(true)
    expect(await history.rows.count()).toBeLessThan(60)
    calls.stop()
    await shot('scrolled-to-end')
  }, 90_000)

  it('updates rows in place from events: a burst of API runs reloads nothing', async () => {
    const { history } = t.app
    await history.first.waitFor()
    const before = Number((await history.count.textContent())?.split(' ')[0])
    const calls = listCalls()
    const codes = Array.from({ length: 10 }, (_, i) => `print("burst ${i}")`)
    await Promise.all(codes.map((c) => submitApi(c)))
    for (const c of codes) {
      await expect
        .poll(() => history.row(c).textContent(), { timeout: 90_000 })
        .toContain('succeeded')
    }
    await expect.poll(() => history.count.textContent(), poll).toBe(`${before + 10} runs`)
    // Every row came from the events themselves: the list was not fetched again.
    expect(calls.args).toEqual([])
    calls.stop()
    await shot('burst-in-place')
  }, 120_000)

  it('shows how many files a run wrote and was given, from the event and after a reload', async () => {
    const { history } = t.app
    await history.first.waitFor()
    const code = [
      'import pathlib',
      "rows = pathlib.Path('/input/visits.csv').read_text().splitlines()",
      "pathlib.Path('/output/a.txt').write_text(str(len(rows)))",
      "pathlib.Path('/output/plots').mkdir()",
      "pathlib.Path('/output/plots/b.txt').write_text('b')",
      'print("files counted")',
    ].join('\n')
    const res = await fetch(`${t.server.url}/execute/async`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        code,
        input_files: { 'visits.csv': Buffer.from('day,n\n1,3\n').toString('base64') },
      }),
    })
    expect(res.status).toBe(200)
    // The row follows the run's events: its summary carries the counts once the run ends.
    const row = history.row('import pathlib')
    await expect.poll(() => row.textContent(), { timeout: 90_000 }).toContain('succeeded')
    // The status comes in its own event just before the summary with the counts, and the badge
    // says "1 input file" from the start: the counts are awaited.
    const badge = row.locator('.history-files')
    await expect.poll(() => badge.textContent(), poll).toBe('2 files, 1 input file')
    // Shown whole inside the row (the narrow sidebar cuts off the end of the meta line).
    const [b, r] = [await badge.boundingBox(), await row.boundingBox()]
    expect(b!.width).toBeGreaterThan(0)
    expect(b!.x + b!.width).toBeLessThanOrEqual(r!.x + r!.width - 4)
    await shot('file-counts')
    // The list's own page has them too (no request per row).
    const calls = listCalls()
    await t.page.reload()
    await history.first.waitFor()
    await expect.poll(() => row.textContent(), poll).toContain('2 files, 1 input file')
    calls.stop()
    expect(calls.args.length).toBeGreaterThan(0)
    for (const a of calls.args) expect(a.limit).toBeLessThanOrEqual(100)
  }, 120_000)

  it('says when a new run is hidden by the filter, and clears the filter on request', async () => {
    const { history } = t.app
    await history.first.waitFor()
    await history.statusFilter.selectOption('failed')
    await expect.poll(() => history.first.textContent(), poll).toContain('failed')
    await submitApi('print("hidden by the filter")')
    await expect
      .poll(() => history.hiddenNote.textContent(), { timeout: 60_000 })
      .toContain('1 new run hidden by the filter')
    await shot('hidden-by-filter')
    await history.clearFilter.click()
    await expect
      .poll(() => history.first.textContent(), poll)
      .toContain('print("hidden by the filter")')
    expect(await history.statusFilter.inputValue()).toBe('')
    expect(await history.hiddenNote.count()).toBe(0)
  }, 90_000)

  it('the Delete dialog keeps focus inside, closes on Esc and gives focus back to its opener', async () => {
    const { history, page } = t.app
    await history.first.click()
    const opener = history.actions.getByRole('button', { name: 'Delete' })
    await opener.click()
    const dialog = history.deleteDialog
    await dialog.waitFor()
    const focusInDialog = async (): Promise<boolean> =>
      (await history.focused('[role="alertdialog"]')).inside
    expect(await focusInDialog()).toBe(true)
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab')
      expect(await focusInDialog()).toBe(true)
    }
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Shift+Tab')
      expect(await focusInDialog()).toBe(true)
    }
    await shot('delete-dialog')
    await page.keyboard.press('Escape')
    await expect.poll(() => dialog.count(), poll).toBe(0)
    expect(await history.focused('[role="toolbar"][aria-label="Selected run"]')).toEqual({
      inside: true,
      text: 'Delete',
    })
    // Nothing was deleted.
    expect(await history.first.count()).toBe(1)
  })
})
