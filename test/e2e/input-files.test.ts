// Input files and any JSON input in the app (see docs/run-contract.md, 'Input files'), in Debian's
// Chromium against `npm run serve` and the real engine: pick or drop a CSV, run, and the script
// read it; a list as input reaches the script as a list. Screenshots go to /work/coord/shots too
// when that folder exists (the session's review), else only to test-results/screenshots.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { appSuite, screenshot, SHOTS } from './fixtures'

const t = appSuite('tako-e2e-infiles-')
const poll = { timeout: 30_000 }
const REVIEW = '/work/coord/shots'

async function shot(name: string): Promise<void> {
  await screenshot(t.page, name)
  if (fs.existsSync(REVIEW))
    fs.copyFileSync(path.join(SHOTS, `${name}.png`), path.join(REVIEW, `${name}.png`))
}

const CSV = 'city,visitors\nOslo,120\nLima,80\nPune,45\n'
const READ_CSV = [
  'import csv',
  'rows = list(csv.DictReader(open("/input/visits.csv")))',
  'print("read", len(rows), "rows, total", sum(int(r["visitors"]) for r in rows))',
].join('\n')

describe('input files in the app', () => {
  it('a CSV picked with the button is listed, sent, read by the script and shown with the run', async () => {
    const { app, page } = t
    await app.editor.setCode(READ_CSV)
    await page.getByTestId('input-file-picker').setInputFiles({
      name: 'visits.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(CSV),
    })
    const list = page.getByRole('list', { name: 'Input files' })
    await expect.poll(() => list.textContent(), poll).toContain('visits.csv')
    expect(await list.textContent()).toContain(`${CSV.length} B`)
    await shot('infiles-01-picked')
    await expect.poll(() => app.runButton.isEnabled(), poll).toBe(true)
    await app.runButton.click()
    await expect.poll(() => app.status.textContent(), poll).toBe('succeeded')
    expect(await app.output.log.textContent()).toContain('read 3 rows, total 245')
    await shot('infiles-02-ran')
    // The run keeps its files: the Files tab lists them.
    await app.output.tab(/^Files/)
    const kept = page.getByRole('region', { name: 'Input files of this run' })
    await expect.poll(() => kept.textContent(), poll).toContain('/input/visits.csv')
    await shot('infiles-03-run-files')
    // The draft keeps them across a reload; Remove takes one out.
    await page.reload()
    await expect.poll(() => list.textContent(), poll).toContain('visits.csv')
    await page.getByRole('button', { name: 'Remove visits.csv' }).click()
    await expect.poll(() => list.textContent(), poll).not.toContain('visits.csv')
  }, 90_000)

  it('a CSV dropped on the pane is added (not taken for a bundle) and read by the script', async () => {
    const { app, page } = t
    await app.editor.setCode(READ_CSV)
    // Page code, as a string: this file is typed for Node, not the DOM. The events start at the
    // pane and bubble, as a person's drop on it does.
    await page.evaluate(`(() => {
      const pane = document.querySelector('[data-testid="input-files"]')
      const dt = new DataTransfer()
      dt.items.add(new File([${JSON.stringify(CSV)}], 'visits.csv', { type: 'text/csv' }))
      for (const type of ['dragenter', 'dragover', 'drop']) {
        pane.dispatchEvent(new DragEvent(type, { dataTransfer: dt, cancelable: true, bubbles: true }))
      }
    })()`)
    const list = page.getByRole('list', { name: 'Input files' })
    await expect.poll(() => list.textContent(), poll).toContain('visits.csv')
    expect(await page.getByTestId('drop-overlay').count()).toBe(0)
    // The window's bundle import never saw it: no "not a run bundle" notice.
    expect(await app.banners.notice.count()).toBe(0)
    await app.runButton.click()
    await expect.poll(() => app.status.textContent(), poll).toBe('succeeded')
    expect(await app.output.log.textContent()).toContain('read 3 rows, total 245')
  }, 90_000)

  it("Fork brings a run's input files into the draft (by reference); Rerun reuses them", async () => {
    const { app, page } = t
    const { history } = app
    await page.getByTestId('input-file-picker').setInputFiles({
      name: 'visits.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(CSV),
    })
    await app.runToEnd(READ_CSV)
    // The run shown now is the one in the first row (read before the click reopens it).
    const original = await app.shownRunId()
    await history.first.click()
    await history.action('Rerun')
    await expect.poll(() => history.first.textContent(), poll).toContain('rerun')
    // The reopened run says 'succeeded' and printed the line too: the rerun is the run shown next.
    await app.newRunEnds(original, 'succeeded', poll.timeout)
    expect(await app.output.log.textContent()).toContain('read 3 rows, total 245')
    // An opened run shows read-only: back to the draft, which then loses its file.
    await page.getByRole('button', { name: 'Back to your draft' }).click()
    await page.getByRole('button', { name: 'Remove visits.csv' }).click()
    const list = page.getByRole('list', { name: 'Input files' })
    await expect.poll(() => list.textContent(), poll).not.toContain('visits.csv')
    await history.first.click()
    await history.action('Fork')
    // The draft changed since its last run (the file went): Fork asks before replacing it.
    await page.getByRole('button', { name: 'Replace draft' }).click()
    await expect.poll(() => list.textContent(), poll).toMatch(/visits\.csv.*from run/)
    await shot('infiles-05-forked')
    await app.runToEnd(READ_CSV.replace('"read"', '"again"'))
    expect(await app.output.log.textContent()).toContain('again 3 rows, total 245')
  }, 120_000)

  it('a hostile file name is refused in the draft and Run is disabled', async () => {
    const { app, page } = t
    await page.getByTestId('input-file-picker').setInputFiles({
      name: 'data.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{}'),
    })
    const error = page.getByRole('alert', { name: 'Input files error' })
    await expect.poll(() => error.textContent(), poll).toMatch(/reserved for the JSON input/)
    expect(await app.runButton.isDisabled()).toBe(true)
    await page.getByRole('button', { name: 'Remove data.json' }).click()
    await expect.poll(() => app.runButton.isEnabled(), poll).toBe(true)
  }, 60_000)

  it('input [1, 2, 3] runs and the script sees a list', async () => {
    const { app, page } = t
    await app.editor.setCode(
      [
        'import json',
        'v = json.load(open("/input/data.json"))',
        'print(type(v).__name__, sum(v))',
      ].join('\n'),
    )
    await app.editor.setInput('[1, 2, 3]')
    await expect.poll(() => page.getByText('valid JSON: a list').count(), poll).toBe(1)
    await expect.poll(() => app.runButton.isEnabled(), poll).toBe(true)
    await app.runButton.click()
    await expect.poll(() => app.status.textContent(), poll).toBe('succeeded')
    expect(await app.output.log.textContent()).toContain('list 6')
    await shot('infiles-04-list-input')
  }, 60_000)
})
